"""The shared budget store: one request budget per (API key, endpoint group) for every process on every
machine that uses a connection with the ``budget_url`` extra (a Redis server).

Why a Lua script over redis-py and not the ``limits`` library: the provider's budgets *space* requests (a
caller reserves the next free slot and waits for it, see ``hooks.throttle.Throttle``). ``limits`` answers
"may I send now?" (hit / refuse) with fixed or moving windows: a refused process would have to poll Redis
until a window frees, and a window lets its whole allowance through in one burst (200 report requests in the
same second), which is exactly what a server counting per second punishes. GCRA with reservation -- the
stored value is the theoretical arrival time of the next free slot -- gives every caller its own evenly
spaced slot in one atomic round trip. The script is the textbook GCRA step (``slot = max(now, tat)``,
``tat = slot + interval``), run by Redis on Redis's own clock (``TIME``), so the machines' clocks do not
matter; redis-py is the Redis project's own client.

What is stored (nothing secret): keys name the connection by a digest of its API base URL and key
(PBKDF2-SHA256, so the key cannot be recovered from the digest); values are slot times, a pause, the ids
of the processes that drew recently (host name and process id) and, for triggers, the decoded answers of
report polls for less than one poll interval. A ``budget_url`` password is masked in logs and never written.

When the store cannot be reached or answers slower than ``STORE_TIMEOUT``, a process falls back to its own
budget: the group's limit divided by the number of processes it saw drawing from the store in the last
``PRESENCE_SECONDS`` (at least 1), so the fleet together stays near the limit. It says so in its log at
warning level, tries the store again every ``RETRY_STORE_AFTER`` seconds, and logs when it is back.

redis-py is imported on first use of a store: without ``budget_url`` nothing of it is imported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.throttle import Throttle

log = logging.getLogger(__name__)

#: Seconds a store operation may take (connect or answer) before the process falls back to its own budget.
STORE_TIMEOUT = 0.5
#: Seconds a process keeps its own budget after a store failure before trying the store again.
RETRY_STORE_AFTER = 10.0
#: A process counts as drawing from a budget for this long after its last draw.
PRESENCE_SECONDS = 60.0
#: Prefix of every key the provider writes.
PREFIX = "trackier:v1"
SCHEMES = ("redis", "rediss")

#: KEYS: slot time, members; ARGV: interval, member, presence seconds. Returns {wait seconds, members}.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, tat)
local nxt = slot + interval
redis.call('SET', KEYS[1], string.format('%.6f', nxt), 'PX', math.ceil((nxt - now) * 1000) + 60000)
local presence = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - presence)
redis.call('PEXPIRE', KEYS[2], math.ceil(presence * 1000))
return {string.format('%.6f', slot - now), redis.call('ZCARD', KEYS[2])}
"""

#: KEYS: slot time; ARGV: seconds. No slot starts sooner than ``seconds`` from now.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local nxt = math.max(tat, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%.6f', nxt), 'PX', math.ceil((nxt - now) * 1000) + 60000)
return string.format('%.6f', nxt - now)
"""


def check_budget_url(value: Any) -> str | None:
    """The connection extra ``budget_url``: ``redis://[:password@]host:port/db`` or ``rediss://...``, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    field = "connection extra 'budget_url'"
    if not isinstance(value, str):
        raise TrackierConfigError(field, f"must be text, got {type(value).__name__}",
                                  "Use e.g. redis://redis.internal:6379/0.")
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    db = parts.path.strip("/")
    if parts.scheme not in SCHEMES or not parts.hostname or port == -1 or (db and not db.isdigit()) or any(
        ord(c) < 33 for c in value.strip()
    ):
        raise TrackierConfigError(
            field, f"is not a Redis URL ({redacted(value.strip())!r})",
            "Use redis://[:password@]host:port/db (or rediss:// for TLS), e.g. redis://redis.internal:6379/0.",
        )
    return value.strip()


def redacted(url: str) -> str:
    """``url`` without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@lru_cache(maxsize=64)
def connection_digest(base_url: str, api_key: str) -> str:
    """How the store names a connection: a digest of the API it calls and the key it calls with (every
    connection with the same key shares the budget, as Trackier counts per key). Slow on purpose (PBKDF2),
    computed once per process and key."""
    raw = hashlib.pbkdf2_hmac("sha256", f"{base_url}\n{api_key}".encode(), b"airflow-provider-trackier budget",
                              20_000)
    return raw.hex()[:24]


class Store:
    """One Redis server reached through ``budget_url``, shared by every budget of the process using it."""

    def __init__(self, url: str) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        from trackier_provider.version_compat import mask_secret

        password = urlsplit(url).password
        if password:
            mask_secret(password)
        self.name = redacted(url)
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url, socket_timeout=STORE_TIMEOUT, socket_connect_timeout=STORE_TIMEOUT,
            retry=Retry(NoBackoff(), 0), health_check_interval=0,
        )
        self._reserve = self.client.register_script(_RESERVE)
        self._pause = self.client.register_script(_PAUSE)
        #: This process in the store's presence sets (no secret: host name and process id).
        self.member = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def reserve(self, key: str, interval: float) -> tuple[float, int]:
        """Claim the next slot of budget ``key``: (seconds to wait, processes drawing from it lately)."""
        wait, members = self._reserve(keys=[f"{key}:slot", f"{key}:members"],
                                      args=[repr(interval), self.member, repr(PRESENCE_SECONDS)])
        return max(0.0, float(wait)), int(members)

    def pause(self, key: str, seconds: float) -> None:
        """No slot of budget ``key`` starts sooner than ``seconds`` from now, for every process."""
        self._pause(keys=[f"{key}:slot"], args=[repr(max(0.0, seconds))])


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def store_for(url: str) -> Store:
    """The process's one client of the store at ``url``."""
    with _STORES_LOCK:
        found = _STORES.get(url)
        if found is None:
            found = _STORES[url] = Store(url)
        return found


class SharedBudget(Throttle):
    """A budget drawn from the store by every process of the fleet; its own slot schedule (``Throttle``)
    is the fallback while the store is unreachable.

    :param store: the store.
    :param key: the budget's key in the store (``budget_key``).
    :param requests_per_second: the group's limit for the whole fleet (None: no limit, pauses still shared).
    :param label: what the log calls this budget (connection and group; no secret).
    """

    def __init__(self, store: Store, key: str, requests_per_second: float | None, label: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(requests_per_second, clock)
        self.store = store
        self.key = key
        self.label = label
        self.fleet_interval = self.interval
        #: Processes seen drawing from this budget in the last ``PRESENCE_SECONDS`` (at the last draw).
        self.processes = 1
        self._down_until: float | None = None

    def reserve(self) -> float:
        """Claim the fleet's next slot (the store's), or this process's share while the store is down."""
        now = self._clock()
        if self._down_until is None or now >= self._down_until:
            try:
                wait, self.processes = self.store.reserve(self.key, self.fleet_interval)
            except self.store.errors as exc:
                self._fall_back(exc, now)
            else:
                if self._down_until is not None:
                    self._down_until = None
                    log.warning("Budget store %s reachable again: %s draws from the shared budget",
                                self.store.name, self.label)
                return wait
        return super().reserve()

    def pause(self, seconds: float) -> None:
        """Pause the group in the store (every process) and here (in case the store fails meanwhile)."""
        super().pause(seconds)
        if self._down_until is None:
            try:
                self.store.pause(self.key, seconds)
            except self.store.errors as exc:
                self._fall_back(exc, self._clock())

    def _fall_back(self, exc: BaseException, now: float) -> None:
        first = self._down_until is None
        self._down_until = now + RETRY_STORE_AFTER
        with self._lock:
            self.interval = self.fleet_interval * max(1, self.processes)
        if first:
            rate = f"{1 / self.interval:.3g} requests/s" if self.interval else "no limit"
            log.warning(
                "Budget store %s unreachable (%s); %s falls back to this process's own budget: %s (the group's "
                "limit divided by the %d process(es) seen drawing from it in the last %.0f s); retrying the "
                "store every %.0f s", self.store.name, type(exc).__name__, self.label, rate, max(1, self.processes),
                PRESENCE_SECONDS, RETRY_STORE_AFTER,
            )


def budget_key(base_url: str, api_key: str, group: str) -> str:
    """The store key of a connection's budget for ``group`` (a digest, never the key)."""
    return f"{PREFIX}:budget:{connection_digest(base_url, api_key)}:{group}"


def answer_key(base_url: str, api_key: str, question: str) -> str:
    """The store key of a shared poll answer (digests of the connection and of the question's text)."""
    question = hashlib.sha256(question.encode()).hexdigest()[:32]
    return f"{PREFIX}:answer:{connection_digest(base_url, api_key)}:{question}"


async def shared_poll(store: Store, key: str, fresh_for: float, fetch: Callable[[], Awaitable[Any]]) -> Any:
    """The answer to one poll, asked once by the whole fleet per ``fresh_for`` seconds.

    The first process to ask takes a lock (``SET NX``), fetches, and stores the decoded answer for
    ``fresh_for`` seconds (less than a poll interval, so the next round asks again); others wait for it.
    If the store fails, the caller fetches for itself (logged); if the fetching process fails or takes
    longer than ``fresh_for``, a waiting one fetches.
    """
    import asyncio

    token = uuid.uuid4().hex
    lifetime = max(1, int(fresh_for * 1000))
    try:
        while True:
            cached = await asyncio.to_thread(store.client.get, f"{key}:value")
            if cached is not None:
                return json.loads(cached)
            if await asyncio.to_thread(store.client.set, f"{key}:lock", token, nx=True, px=lifetime):
                break
            await asyncio.sleep(0.1)  # another process is asking: its answer comes within a request's time
    except store.errors as exc:
        log.warning("Budget store %s unreachable (%s): this triggerer asks its poll itself", store.name,
                    type(exc).__name__)
        return await fetch()
    try:
        answer = await fetch()
    except BaseException:
        try:
            await asyncio.to_thread(store.client.delete, f"{key}:lock")
        except store.errors:
            pass
        raise
    try:
        await asyncio.to_thread(store.client.set, f"{key}:value", json.dumps(answer), px=lifetime)
    except store.errors as exc:
        log.warning("Budget store %s unreachable (%s): this poll's answer is not shared", store.name,
                    type(exc).__name__)
    return answer


__all__ = [
    "SharedBudget",
    "Store",
    "answer_key",
    "budget_key",
    "check_budget_url",
    "connection_digest",
    "redacted",
    "shared_poll",
    "store_for",
]
