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
import logging
import sys
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
    pool's queue empty. Only ``request`` is offered: it is all ``TrackierHook.acall`` uses.
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


@dataclass
class _Question:
    """One question in flight in an event loop: the request's task and the futures of those waiting for it."""

    task: asyncio.Future[Any]
    waiters: list[asyncio.Future[Any]]

    def settle(self, done: asyncio.Future[Any]) -> None:
        """Hand the task's outcome to every waiter still waiting (one that left was cancelled: skipped)."""
        error = None if done.cancelled() else done.exception()
        for waiter in self.waiters:
            if waiter.done():
                continue
            if done.cancelled():
                waiter.cancel()
            elif error is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(done.result())


_ASKING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], _Question]] = (
    weakref.WeakKeyDictionary()
)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved here, so a result nobody waits for any more is not logged as lost


@dataclass(frozen=True)
class Question:
    """A read prepared once (a trigger asks it at every poll): the checked ``Call`` and the text that makes two
    polls the same question (operation, path and parameters; with the connection, the sharing key)."""

    call: Call
    text: str


def question_of(hook: TrackierHook, operation: str | Call, params: Mapping[str, Any] | None) -> Question:
    """The ``Question`` of a read: a catalogue operation with its query ``params``, or a prepared ``Call``
    (``TrackierConfigError`` for bad parameters, before any request)."""
    call = hook.prepare(operation, query=params)
    return Question(call, json.dumps([call.operation.name, call.path, call.params], sort_keys=True, default=str))


#: Questions prepared in this process, by a text that identifies the operation and its parameters (a read
#: does not depend on the connection until it is sent): 10,000 triggers over 100 report windows check 100
#: sets of parameters, not 10,000. The oldest is dropped beyond ``MAX_PREPARED``.
_PREPARED: dict[str, Question] = {}
MAX_PREPARED = 4096


def prepared_question(hook: TrackierHook, operation: str, params: Mapping[str, Any], key: str) -> Question:
    """``question_of(hook, operation, params)``, prepared once per ``key`` (which must identify ``operation``
    and ``params``, e.g. ``readiness.request_key``) and reused by every trigger that asks the same."""
    found = _PREPARED.get(key)
    if found is None:
        found = question_of(hook, operation, params)
        if len(_PREPARED) >= MAX_PREPARED:
            del _PREPARED[next(iter(_PREPARED))]
        _PREPARED[key] = found
    return found


async def _ask(hook: TrackierHook, client: Any, question: Question, fresh_for: float | None) -> Any:
    """The decoded answer to ``question``; with the connection's ``budget_url`` and ``fresh_for``, asked once
    by every triggerer of the fleet per ``fresh_for`` seconds (``budget_store.shared_poll``)."""
    settings = await hook.aget_settings()
    if settings.budget_url is None or not fresh_for:
        return await hook.acall(client, question.call)
    from trackier_provider.hooks.budget_store import answer_key, shared_poll, store_for

    return await shared_poll(
        store_for(settings.budget_url), answer_key(settings.base_url, settings.api_key, question.text), fresh_for,
        lambda: hook.acall(client, question.call),
    )


async def shared_answer(
    hook: TrackierHook,
    client: Any,
    operation: str | Call | Question,
    params: Mapping[str, Any] | None,
    digest: Callable[[Any], T],
    *,
    fresh_for: float | None = None,
) -> T:
    """``digest`` of the answer to a read (a catalogue operation with its query ``params``, a prepared ``Call``,
    or a ``Question`` prepared once by ``question_of``), asked once for every trigger of this event loop that
    asks the same question (same connection, operation, path and parameters) while it is in flight, and, when
    the connection has a ``budget_url`` and ``fresh_for`` is given, once for every triggerer of the fleet
    within ``fresh_for`` seconds (pass less than the poll interval).

    Each caller gets the same digested answer (decoded and digested once per event loop) and keeps its own
    state. A caller that times out or is cancelled stops waiting without cancelling the request for the others.
    """
    question = operation if isinstance(operation, Question) else question_of(hook, operation, params)
    key = (hook.trackier_conn_id, question.text)
    loop = asyncio.get_running_loop()
    asking = _ASKING.get(loop)
    if asking is None:
        asking = _ASKING[loop] = {}
    shared = asking.get(key)
    if shared is None:

        async def ask() -> T:
            return digest(await _ask(hook, client, question, fresh_for))

        shared = asking[key] = _Question(asyncio.ensure_future(ask()), [])
        shared.task.add_done_callback(_retrieve)
        shared.task.add_done_callback(shared.settle)
        shared.task.add_done_callback(lambda done: asking.pop(key) if asking.get(key) is shared else None)
    # A future of its own per waiter (what asyncio.shield makes, at a third of its cost): a waiter that
    # leaves cancels only its own future, never the shared request.
    waiter = loop.create_future()
    shared.waiters.append(waiter)
    return await waiter


_STARTING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Future[TrackierHook]]] = (
    weakref.WeakKeyDictionary()
)


async def shared_hook(conn_id: str) -> TrackierHook:
    """A hook on ``conn_id`` with its settings looked up, shared by the triggers of this event loop that start
    while that lookup is in flight (a triggerer that takes on 10,000 triggers looks the connection up once,
    not 10,000 times). Nothing is kept once the lookup is done: a trigger starting later looks the connection
    up again, so an edited connection is seen by new triggers."""
    loop = asyncio.get_running_loop()
    starting = _STARTING.get(loop)
    if starting is None:
        starting = _STARTING[loop] = {}
    future = starting.get(conn_id)
    if future is None:

        async def start() -> TrackierHook:
            hook = TrackierHook(conn_id)
            await hook.aget_settings()
            return hook

        future = starting[conn_id] = asyncio.ensure_future(start())
        future.add_done_callback(_retrieve)
        future.add_done_callback(lambda done: starting.pop(conn_id) if starting.get(conn_id) is done else None)
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
        self._hook: TrackierHook | None = None

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
    def _redact(text: str, hook: TrackierHook | None) -> str:
        settings = getattr(hook, "_settings", None)
        key = getattr(settings, "api_key", "")
        return text.replace(key, "***") if key else text

    # ------------------------------------------------------------------ loop
    async def run(self) -> AsyncIterator[TriggerEvent]:
        # All I/O happens (and the shared client is released) before the one event is yielded.
        yield await self.wait()

    async def wait(self) -> TriggerEvent:
        """Poll until an event: success, error (the API refused, or the hook gave up retrying) or timeout."""
        try:
            if sys.version_info >= (3, 11):
                # One timer on this task for its whole wait (not a task or a timer per poll): it ends a poll
                # still running at the deadline; the checks below see the deadline between polls.
                async with asyncio.timeout(max(0.0, self.deadline - readiness.now())):
                    return await self._polls()
            return await asyncio.wait_for(self._polls(), timeout=max(0.0, self.deadline - readiness.now()))
        except asyncio.TimeoutError:
            return self._timeout_event()
        except TrackierError as exc:
            return self.event(ERROR, self._redact(f"{self.describe()}: {exc}", self._hook))
        except Exception as exc:  # an event, not a crashed trigger, so the task fails with a clear message
            return self.event(ERROR, self._redact(f"{self.describe()}: {type(exc).__name__}: {exc}", self._hook))

    async def _polls(self) -> TriggerEvent:
        self._hook = hook = await shared_hook(self.trackier_conn_id)
        debug = self.log.isEnabledFor(logging.DEBUG)
        async with shared_client(hook) as client:
            while True:
                if self.deadline <= readiness.now():
                    return self._timeout_event()
                outcome = await self.poll(hook, client)
                if outcome is not None:
                    return outcome
                if debug:
                    self.log.debug("Waiting for %s: %s", self.describe(), self.last_reason)
                await asyncio.sleep(max(0.0, min(self.until_next_poll(), self.deadline - readiness.now())))


__all__ = [
    "ERROR",
    "SUCCESS",
    "TIMEOUT",
    "BoundedClient",
    "Question",
    "TrackierPollingTrigger",
    "prepared_question",
    "question_of",
    "shared_answer",
    "shared_client",
    "shared_hook",
]
