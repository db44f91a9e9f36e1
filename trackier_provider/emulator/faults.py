"""Injected faults and the rate limiter: the ways a real network and a real API misbehave.

A fault rule is a plain dict: a ``kind`` (see :data:`KINDS`), the fields of that kind, and the fields every
rule takes (:data:`COMMON`): a ``method``, a path prefix ``path``, a number of ``times`` and of requests to
``skip`` first. A rule is checked completely when it is added: a field the kind does not take, or a value of
the wrong type, is a 107 error naming the field, and nothing is added. The rate limit is a token bucket of
``requests_per_second``.

Several rules can match one request. They apply in this order:

1. every matching ``latency`` rule (delays add up) and every ``repeat_page`` rule;
2. at most one *answering* rule (``status``, ``drop``, ``truncate``, ``non_json``, ``replace_body``,
   ``echo_credentials``): the first
   matching one in the order the rules were added; a later one waits until the earlier is used up (its
   ``times``), so rules with ``times`` form a sequence. A rule that could never apply, because an earlier
   answering rule without ``times`` covers every request it matches, is refused when it is added;
3. every matching ``drift`` rule, in the order added, each on the answer the previous one left, before the
   answering rule's change of the body (``truncate`` cuts the drifted answer).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from trackier_provider.emulator import drift as drifts
from trackier_provider.emulator import examples
from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.http import BODYLESS

DEFAULT_HTML = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
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
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_DIGITS = re.compile(r"[0-9]{1,10}")

Check = Callable[[str, Any], Any]


def _whole(minimum: int) -> Check:
    def check(name: str, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise validation_error(f'"{name}" must be a whole number >= {minimum}')
        return value
    return check


def _seconds(name: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 3600:
        raise validation_error(f'"{name}" must be a number of seconds from 0 to 3600')
    return float(value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise validation_error(f'"{name}" must be a string')
    return value


def _path(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/") or not value.isprintable():
        raise validation_error(f'"{name}" must be a path prefix starting with "/", such as "/v2/campaigns"')
    return value


def _method(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise validation_error(f'"{name}" must be an HTTP method such as "GET"')
    return value.upper()


def _status(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 200 <= value <= 599:
        raise validation_error(f'"{name}" must be a final HTTP status code from 200 to 599')
    return value


def _retry_after(name: str, value: Any) -> str:
    """Seconds (a whole number) or an HTTP date: nothing else can reach the header."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else value
    if isinstance(text, str) and _DIGITS.fullmatch(text):
        return text
    if isinstance(text, str) and text.isascii() and text.isprintable():
        try:
            parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
        else:
            return text
    raise validation_error(f'"{name}" must be whole seconds (such as "2") or an HTTP date')


def _when(name: str, value: Any) -> str:
    if value not in ("before", "after"):
        raise validation_error(f'"{name}" must be one of [before, after]')
    return str(value)


#: The fields every rule takes.
COMMON: Mapping[str, Check] = MappingProxyType(
    {"method": _method, "path": _path, "times": _whole(1), "skip": _whole(0)})


@dataclass(frozen=True)
class Kind:
    """What one kind of fault takes: its fields (with their checks and defaults) and its stage.

    ``answers``: the rule decides or replaces the whole answer, so one applies per request (see the module).
    ``body``: the answer it produces has a body, so a body-less status (204, 304) is refused.
    """

    fields: Mapping[str, Check] = field(default_factory=lambda: MappingProxyType({}))
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    required: tuple[str, ...] = ()
    answers: bool = True
    body: bool = True
    parse: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # extra settings (drift)


def _kind(fields: dict[str, Check] | None = None, defaults: dict[str, Any] | None = None, **options: Any) -> Kind:
    return Kind(MappingProxyType(fields or {}), MappingProxyType(defaults or {}), **options)


#: Every fault kind: adding one is one entry here (and its effect in the application).
KINDS: Mapping[str, Kind] = MappingProxyType({
    "status": _kind({"status": _status, "retry_after": _retry_after}, {"status": 503}, body=False),
    "drop": _kind({"when": _when}, {"when": "before"}, body=False),
    "latency": _kind({"seconds": _seconds}, {"seconds": 0.0}, answers=False, body=False),
    "truncate": _kind(),
    "non_json": _kind({"status": _status, "body": _text}, {"status": 200}),
    "replace_body": _kind({"status": _status, "body": _text}, {"status": 200}, required=("body",)),
    "repeat_page": _kind(answers=False, body=False),
    "drift": _kind({name: (lambda n, v: v) for name in drifts.FIELDS}, answers=False, body=False,
                   parse=drifts.parse),
    # Trackier's documented answer of one operation, checked by ``emulator.examples.parse``.
    "example": _kind({name: (lambda n, v: v) for name in examples.FIELDS}, required=("operation", "spec")),
    "echo_credentials": _kind(),
})


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


@dataclass
class FaultRule:
    """One validated fault rule; ``remaining`` counts down from ``times`` (None = unlimited).

    ``settings`` holds the kind's own fields (defaults filled in); ``drift`` the checked drift settings.
    """

    kind: str
    method: str | None = None
    path: str | None = None
    remaining: int | None = None
    skip: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    drift: dict[str, Any] | None = None
    example: examples.Replay | None = None  # kind "example" (``emulator.examples``)

    @classmethod
    def parse(cls, spec: Any) -> FaultRule:
        """Check a rule dict completely, raising a 107 error that names the bad field."""
        if not isinstance(spec, dict):
            raise validation_error('a fault rule must be an object such as {"kind": "status", "status": 503}')
        name = spec.get("kind")
        kind = KINDS.get(name) if isinstance(name, str) else None
        if kind is None or not isinstance(name, str):
            raise validation_error(f'"kind" must be one of [{", ".join(KINDS)}]')
        unknown = sorted(set(spec) - {"kind"} - set(COMMON) - set(kind.fields))
        if unknown:
            raise validation_error(
                f'{name} rules take no field {", ".join(map(repr, unknown))}; they take '
                f'[{", ".join([*COMMON, *kind.fields])}]')
        for required in kind.required:
            if spec.get(required) is None:
                raise validation_error(f'"{required}" is required for {name}')
        common = {key: check(key, spec[key]) for key, check in COMMON.items() if spec.get(key) is not None}
        settings = dict(kind.defaults)
        settings.update({key: check(key, spec[key]) for key, check in kind.fields.items()
                         if spec.get(key) is not None})
        if kind.body and settings.get("status") in BODYLESS:
            raise validation_error(f'"status" {settings["status"]} carries no body, which {name} sends; '
                                   'use kind "status" for an answer without a body')
        return cls(kind=name, method=common.get("method"), path=common.get("path"), remaining=common.get("times"),
                   skip=common.get("skip", 0), settings=settings, drift=kind.parse(spec) if kind.parse else None,
                   example=examples.parse(spec) if name == "example" else None)

    @property
    def answers(self) -> bool:
        """True for the kinds of which one applies per request (see the module)."""
        return KINDS[self.kind].answers

    def matches(self, method: str, path: str) -> bool:
        """True when the rule applies to this request and has uses left."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method != method:
            return False
        if self.example is not None and not self.example.matches(method, path):
            return False
        return not (self.path and not path.startswith(self.path))

    def covers(self, other: FaultRule) -> bool:
        """True when this rule, unlimited, matches every request ``other`` matches, so ``other`` behind it
        could never apply (an example rule matches one operation's path template, never a whole prefix)."""
        return (self.remaining is None and self.example is None and not self.skip
                and (self.method is None or self.method == other.method)
                and (self.path is None or (other.path is not None and other.path.startswith(self.path))))

    def as_dict(self) -> dict[str, Any]:
        """The rule as JSON-friendly data (``times`` is what is left)."""
        return {"kind": self.kind, "method": self.method, "path": self.path, "times": self.remaining,
                "skip": self.skip, **self.settings, **({"drift": self.drift} if self.drift else {})}


@dataclass
class FaultPlan:
    """The faults that apply to one request, gathered from every matching rule (order: see the module)."""

    delay: float = 0.0
    repeat_page: bool = False
    terminal: FaultRule | None = None  # the one answering rule
    drifts: list[dict[str, Any]] = field(default_factory=list)  # in the order the rules were added

    @property
    def label(self) -> str | None:
        """What the request log records as this request's fault."""
        if self.terminal is not None:
            return self.terminal.kind
        return "drift" if self.drifts else ("latency" if self.delay else ("repeat_page" if self.repeat_page else None))


class FaultSet:
    """The active rules; thread-safe because the Python API and the server thread both touch it."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, spec: Any) -> list[FaultRule]:
        """Add one rule or a list of rules: all are checked before any is added (a 107 error otherwise)."""
        specs = spec if isinstance(spec, list) else [spec]
        rules = [FaultRule.parse(item) for item in specs]
        with self._lock:
            for position, rule in enumerate(rules):
                earlier = [*self._rules, *rules[:position]]
                blocker = next((r for r in earlier if r.answers and rule.answers and r.covers(rule)), None)
                if blocker is not None:
                    raise validation_error(
                        f"this {rule.kind} rule would never apply: the {blocker.kind} rule "
                        f"(method {blocker.method or 'any'}, path {blocker.path or 'any'}, no times) answers "
                        "every request it matches first; give that rule times, or clear it first")
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
        """Consume one use of every rule that applies and describe what to do to this request."""
        plan = FaultPlan()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.answers and plan.terminal is not None:
                    continue  # waits for a later request (module docstring, point 2)
                if rule.skip:  # let this matching request through untouched
                    rule.skip -= 1
                    continue
                if rule.kind == "latency":
                    plan.delay += rule.settings["seconds"]
                elif rule.kind == "repeat_page":
                    plan.repeat_page = True
                elif rule.drift is not None:
                    plan.drifts.append(rule.drift)
                else:
                    plan.terminal = rule
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
