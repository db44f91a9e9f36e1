"""One polling trigger for every Trackier wait: GETs only, an absolute deadline, typed events.

A subclass says what one poll is (:meth:`TrackierPollingTrigger.poll`); the base handles the connection,
a per-event-loop shared ``httpx.AsyncClient``, the deadline and turning errors into events. Every event's
payload has ``status`` (``success``, ``error`` or ``timeout``) and ``message``.

The deadline is an absolute POSIX time in the serialized kwargs, so a triggerer restart resumes the same
wait instead of starting a new one, and polls are GETs, so a restart never repeats a side effect.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from trackier_provider import readiness
from trackier_provider.api.calls import Call
from trackier_provider.exceptions import TrackierError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.hooks.transport import build_async_client

T = TypeVar("T")
SUCCESS, ERROR, TIMEOUT = "success", "error", "timeout"
#: Connections one event loop keeps to the API, shared by all its triggers.
MAX_CONNECTIONS = 16


@dataclass
class _Shared:
    future: asyncio.Future[Any]
    users: int = 0


class BoundedClient:
    """An ``httpx.AsyncClient`` that lets at most ``limit`` requests into its connection pool at once.

    httpcore's pool rescans every queued request whenever a connection frees up, which grows
    quadratically with a thousand triggers polling at once; waiting on a semaphore instead keeps the
    pool's queue empty. Only ``request`` is offered: it is all ``TrackierHook.arequest`` uses.
    """

    def __init__(self, client: Any, limit: int = MAX_CONNECTIONS) -> None:
        self.client = client
        self._slots = asyncio.Semaphore(limit)

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        async with self._slots:
            return await self.client.request(*args, **kwargs)

    async def aclose(self) -> None:
        await self.client.aclose()


_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, _Shared]] = weakref.WeakKeyDictionary()


def _build_client(timeout: float) -> Any:
    return build_async_client(timeout, MAX_CONNECTIONS)


async def _open_client(timeout: float) -> BoundedClient:
    return BoundedClient(await asyncio.to_thread(_build_client, timeout))


_ASKING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, ...], asyncio.Future[Any]]] = (
    weakref.WeakKeyDictionary()
)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved here, so a result nobody waits for any more is not logged as lost


async def shared_answer(
    hook: TrackierHook, client: Any, operation: str | Call, params: Mapping[str, Any] | None,
    digest: Callable[[Any], T],
) -> T:
    """``digest`` of the answer to a read (a catalogue operation with its query ``params``, or a prepared
    ``Call``), asked once for every trigger of this event loop that asks the same question (same connection,
    operation, path and parameters) while it is in flight.

    Each caller gets the same digested answer (decoded and digested once) and keeps its own state. A caller
    that times out or is cancelled stops waiting without cancelling the request for the others.
    """
    call = hook.prepare(operation, query=params)
    key = (hook.trackier_conn_id, call.operation.name, call.path, json.dumps(call.params, sort_keys=True, default=str))
    asking = _ASKING.setdefault(asyncio.get_running_loop(), {})
    future = asking.get(key)
    if future is None:

        async def ask() -> T:
            return digest(await hook.acall(client, call))

        future = asking[key] = asyncio.ensure_future(ask())
        future.add_done_callback(_retrieve)
        future.add_done_callback(lambda done: asking.pop(key) if asking.get(key) is done else None)
    return await asyncio.shield(future)


@asynccontextmanager
async def shared_client(hook: TrackierHook) -> AsyncIterator[Any]:
    """A :class:`BoundedClient` shared by every trigger of this event loop with the same timeout.

    Building a client loads the CA bundle (tens of milliseconds of blocking work), so it is built once per
    loop, in a worker thread, and closed when its last trigger is done. Sharing also bounds the number of
    open connections however many triggers run.
    """
    settings = await hook.aget_settings()
    loop = asyncio.get_running_loop()
    per_loop = _CLIENTS.setdefault(loop, {})
    entry = per_loop.get(settings.timeout)
    if entry is None:
        built = asyncio.ensure_future(_open_client(settings.timeout))
        entry = per_loop[settings.timeout] = _Shared(built)
    entry.users += 1
    try:
        yield await asyncio.shield(entry.future)
    finally:
        entry.users -= 1
        if entry.users == 0:
            if per_loop.get(settings.timeout) is entry:
                del per_loop[settings.timeout]
            if entry.future.done() and not entry.future.cancelled() and entry.future.exception() is None:
                await entry.future.result().aclose()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


class TrackierPollingTrigger(BaseTrigger):
    """Base of the Trackier triggers: poll every ``poll_interval`` seconds until an event or ``deadline``.

    :param trackier_conn_id: the connection; the key is read from it in the triggerer, never serialized.
    :param deadline: absolute POSIX time after which a ``timeout`` event is sent.
    :param poll_interval: seconds between polls.
    """

    def __init__(self, *, trackier_conn_id: str, deadline: float, poll_interval: float = 60.0) -> None:
        super().__init__()
        self.trackier_conn_id = trackier_conn_id
        self.deadline = float(deadline)
        self.poll_interval = float(poll_interval)
        self.last_reason = "not polled yet"

    # ------------------------------------------------------------------ subclass API
    def describe(self) -> str:
        """What is being waited for, for messages."""
        raise NotImplementedError

    def fields(self) -> dict[str, Any]:
        """The subclass's own constructor kwargs (JSON values only)."""
        raise NotImplementedError

    async def poll(self, hook: TrackierHook, client: Any) -> TriggerEvent | None:
        """One poll: an event to finish with, or None to poll again (set ``last_reason``)."""
        raise NotImplementedError

    def until_next_poll(self) -> float:
        """Seconds to the next poll: the next multiple of ``poll_interval`` on the clock, at least half an
        interval away. Triggers with the same interval poll at the same moments, so the ones asking the
        same question share one request (``shared_answer``)."""
        interval = self.poll_interval
        if interval <= 0:
            return 0.0
        delay = interval - readiness.now() % interval
        return delay + interval if delay < interval / 2 else delay

    # ------------------------------------------------------------------ serialization
    def serialize(self) -> tuple[str, dict[str, Any]]:
        kwargs = {
            "trackier_conn_id": self.trackier_conn_id,
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
            **self.fields(),
        }
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.serialize() == other.serialize()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(json.dumps(self.serialize(), sort_keys=True, default=str))

    # ------------------------------------------------------------------ events
    def event(self, status: str, message: str, **extra: Any) -> TriggerEvent:
        """A ``TriggerEvent`` with the common payload."""
        return TriggerEvent({"status": status, "message": message, **extra})

    def _timeout_event(self) -> TriggerEvent:
        return self.event(
            TIMEOUT, f"Timed out at {_iso(self.deadline)} waiting for {self.describe()}: {self.last_reason}"
        )

    @staticmethod
    def _redact(text: str, hook: TrackierHook) -> str:
        settings = getattr(hook, "_settings", None)
        key = getattr(settings, "api_key", "")
        return text.replace(key, "***") if key else text

    # ------------------------------------------------------------------ loop
    async def run(self) -> AsyncIterator[TriggerEvent]:
        # All I/O happens (and the shared client is released) before the one event is yielded.
        yield await self.wait()

    async def wait(self) -> TriggerEvent:
        """Poll until an event: success, error (the API refused, or the hook gave up retrying) or timeout."""
        hook = TrackierHook(self.trackier_conn_id)
        try:
            async with shared_client(hook) as client:
                while True:
                    remaining = self.deadline - readiness.now()
                    if remaining <= 0:
                        return self._timeout_event()
                    try:
                        outcome = await asyncio.wait_for(self.poll(hook, client), timeout=remaining)
                    except asyncio.TimeoutError:
                        return self._timeout_event()
                    if outcome is not None:
                        return outcome
                    self.log.debug("Waiting for %s: %s", self.describe(), self.last_reason)
                    await asyncio.sleep(max(0.0, min(self.until_next_poll(), self.deadline - readiness.now())))
        except TrackierError as exc:
            return self.event(ERROR, self._redact(f"{self.describe()}: {exc}", hook))
        except Exception as exc:  # an event, not a crashed trigger, so the task fails with a clear message
            return self.event(ERROR, self._redact(f"{self.describe()}: {type(exc).__name__}: {exc}", hook))


__all__ = [
    "ERROR",
    "SUCCESS",
    "TIMEOUT",
    "BoundedClient",
    "TrackierPollingTrigger",
    "shared_answer",
    "shared_client",
]
