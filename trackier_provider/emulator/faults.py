"""Injected faults and the rate limiter: the ways a real network and a real API misbehave.

A fault rule is a plain dict (see :data:`KINDS`) limited to a method, a path prefix and a number of
``times``; the rate limit is a token bucket of ``requests_per_second``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trackier_provider.emulator import drift as drifts
from trackier_provider.emulator.errors import validation_error

KINDS = (
    "status", "drop", "latency", "truncate", "non_json", "replace_body", "repeat_page", "drift", "echo_credentials"
)
#: What an ``echo_credentials`` rule adds to every JSON object of an answer (success or error), the way real
#: panels echo credentials in create and read answers: canary values a test can look for in XCom, logs, errors.
ECHOED_CREDENTIALS = {
    "password": "Echo-Canary-Password-3e1f",
    "api_key": "echo-canary-api-key-7c2d",
    "token": "echo-canary-token-5b9a",
    "security_token": "echo-canary-security-token-1d4e",
    "postback_url": "https://postback.example/pb?click_id=1&security_token=echo-canary-in-url-8f6b",
}
#: The secret values of ``ECHOED_CREDENTIALS`` (the one in the postback URL included).
ECHOED_CANARIES = ("Echo-Canary-Password-3e1f", "echo-canary-api-key-7c2d", "echo-canary-token-5b9a",
                   "echo-canary-security-token-1d4e", "echo-canary-in-url-8f6b")
DEFAULT_HTML = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
)


@dataclass
class FaultRule:
    """One validated fault rule; ``remaining`` counts down from ``times`` (None = unlimited)."""

    kind: str
    method: str | None = None
    path: str | None = None
    remaining: int | None = None
    status: int = 503
    retry_after: str | None = None
    when: str = "before"
    seconds: float = 0.0
    body: str | None = None
    skip: int = 0
    drift: dict[str, Any] | None = None  # kind "drift": how answers are rewritten (``emulator.drift``)

    @classmethod
    def parse(cls, spec: dict[str, Any]) -> FaultRule:
        """Validate a rule dict, raising a 107 error that names the bad field."""
        if not isinstance(spec, dict):
            raise validation_error('"fault" must be an object')
        kind = spec.get("kind")
        if kind not in KINDS:
            raise validation_error(f'"kind" must be one of [{", ".join(KINDS)}]')
        times = spec.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise validation_error('"times" must be a positive integer')
        when = spec.get("when", "before")
        if when not in ("before", "after"):
            raise validation_error('"when" must be one of [before, after]')
        status = spec.get("status", 503 if kind == "status" else 200)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise validation_error('"status" must be an HTTP status code')
        seconds = spec.get("seconds", 0.0)
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise validation_error('"seconds" must be a non-negative number')
        retry_after = spec.get("retry_after")
        skip = spec.get("skip", 0)
        if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
            raise validation_error('"skip" must be a whole number >= 0')
        if kind == "replace_body" and not isinstance(spec.get("body"), str):
            raise validation_error('"body" (the JSON text to answer with) is required for replace_body')
        method = spec.get("method")
        return cls(
            kind=kind,
            method=str(method).upper() if method else None,
            path=spec.get("path"),
            remaining=times,
            status=status,
            retry_after=str(retry_after) if retry_after is not None else None,
            when=when,
            seconds=float(seconds),
            body=spec.get("body"),
            skip=skip,
            drift=drifts.parse(spec) if kind == "drift" else None,
        )

    def matches(self, method: str, path: str) -> bool:
        """True when the rule applies to this request and has uses left."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method != method:
            return False
        return not (self.path and not path.startswith(self.path))

    def as_dict(self) -> dict[str, Any]:
        """The rule as JSON-friendly data (``times`` is what is left)."""
        return {"kind": self.kind, "method": self.method, "path": self.path, "times": self.remaining,
                "status": self.status, "retry_after": self.retry_after, "when": self.when,
                "seconds": self.seconds, "body": self.body, "skip": self.skip, "drift": self.drift}


@dataclass
class FaultPlan:
    """The faults that apply to one request, gathered from every matching rule."""

    delay: float = 0.0
    repeat_page: bool = False
    terminal: FaultRule | None = None  # status / drop / truncate / non_json / replace_body / drift: one per request


def echo_credentials(body: bytes) -> bytes:
    """``body`` (a JSON answer) with ``ECHOED_CREDENTIALS`` in every object; other bodies unchanged."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body

    def add(value: Any) -> Any:
        if isinstance(value, dict):
            return {**{name: add(item) for name, item in value.items()}, **ECHOED_CREDENTIALS}
        return [add(item) for item in value] if isinstance(value, list) else value

    return json.dumps(add(answer)).encode()


class FaultSet:
    """The active rules; thread-safe because the Python API and the server thread both touch it."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any] | list[dict[str, Any]]) -> list[FaultRule]:
        """Add one rule or a list of rules (all validated before any is added)."""
        specs = spec if isinstance(spec, list) else [spec]
        rules = [FaultRule.parse(item) for item in specs]
        with self._lock:
            self._rules.extend(rules)
        return rules

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        """The current rules as dicts."""
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def plan(self, method: str, path: str) -> FaultPlan:
        """Consume one use of every matching rule and describe what to do to this request."""
        plan = FaultPlan()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.skip:  # let this matching request through untouched
                    rule.skip -= 1
                    continue
                if rule.kind == "latency":
                    plan.delay += rule.seconds
                elif rule.kind == "repeat_page":
                    plan.repeat_page = True
                elif plan.terminal is None:
                    plan.terminal = rule
                else:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
            self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        return plan


#: Rate-limit settings and the endpoint group each limits (``None``: every request shares one bucket).
LIMITS: dict[str, tuple[str | None, float]] = {
    "requests_per_second": (None, 1.0),
    "reports_per_minute": ("reports", 60.0),
    "logs_per_minute": ("logs", 60.0),
}


class _Bucket:
    """A token bucket: ``rate`` tokens a second, holding at most ``capacity`` (a limit of N a minute allows a
    burst of N, then one every 60/N seconds)."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float | None:
        """Take a token: None when allowed, else the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Trackier-like limits per API key (the emulator has one key): a bucket for every request
    (``requests_per_second``) and one per endpoint group (``reports_per_minute``, ``logs_per_minute``, the
    groups of ``trackier_provider.hooks.throttle.group_of``); ``None`` config means unlimited. A refused
    request gets 429 with ``Retry-After`` (the configured ``retry_after``, else the seconds until a token)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.configure(None)

    def configure(self, spec: dict[str, Any] | None) -> None:
        """Set ``{"requests_per_second"?, "reports_per_minute"?, "logs_per_minute"?, "retry_after"?}`` or None
        to switch limits off."""
        buckets: dict[str | None, _Bucket] = {}
        if spec is not None:
            if not isinstance(spec, dict):
                raise validation_error('"rate_limit" must be an object or null')
            unknown = set(spec) - set(LIMITS) - {"retry_after"}
            if unknown:
                raise validation_error(f'unknown rate limit settings {sorted(unknown)}; use {sorted(LIMITS)}')
            for name, (group, per_seconds) in LIMITS.items():
                value = spec.get(name)
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                    raise validation_error(f'"{name}" must be a positive number')
                buckets[group] = _Bucket(float(value) / per_seconds, float(value))
            if not buckets:
                raise validation_error(f"set at least one of {sorted(LIMITS)}")
        with self._lock:
            self._spec = dict(spec) if spec else None
            self._buckets = buckets

    @property
    def spec(self) -> dict[str, Any] | None:
        """The active configuration, or None."""
        return self._spec

    def acquire(self, path: str = "") -> str | None:
        """Take a token for a request to ``path``; None when allowed, or the Retry-After value (seconds)."""
        if self._spec is None:
            return None
        with self._lock:
            for group in (_group_of(path), None):
                bucket = self._buckets.get(group)
                wait = bucket.take() if bucket is not None else None
                if wait is not None:
                    return str(self._spec.get("retry_after") or max(1, int(wait + 0.999)))
        return None


@lru_cache(maxsize=1)
def _group_paths() -> dict[str, str]:
    from trackier_provider.api.catalogue import OPERATIONS

    return {op.path: op.group for op in OPERATIONS.values() if op.group != "default" and "{" not in op.path}


def _group_of(path: str) -> str:
    """The budget group of a request the server receives (as a server routes: by its path; the log and report
    paths carry no ids)."""
    return _group_paths().get("/" + path.strip("/"), "default")
