"""The polling trigger base: no blocking call in the event loop, one shared HTTP client per loop."""

from __future__ import annotations

import asyncio
import gc
import logging

from tests.triggers.emulated import old_day
from tests.triggers.test_report import make
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.triggers import base


class SlowCallbacks(logging.Handler):
    """Collects asyncio debug mode's "Executing <...> took N seconds" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Executing" in message and "took" in message:
            self.messages.append(message)


def run_in_debug_mode(coro_factory, threshold: float = 0.01):
    # A garbage-collection pass over everything earlier tests left in memory can stall one step for
    # 0.1 s+ in a full-suite run; that is not a blocking call, so collect first and pause GC meanwhile.
    gc.collect()
    gc.disable()
    handler = SlowCallbacks()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = threshold
    try:
        result = loop.run_until_complete(coro_factory())
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()
        logger.removeHandler(handler)
        gc.enable()
    return result, handler.messages


def test_no_blocking_call_in_the_event_loop(emu):
    day = old_day(emu)

    async def many():
        triggers = [make(day, settle_period=0.0, settle_polls=3) for _ in range(20)]
        return await asyncio.gather(*(t.wait() for t in triggers))

    asyncio.run(many())  # first use loads Airflow's secrets backends and httpx once per process
    events, slow = run_in_debug_mode(many)
    assert {e.payload["status"] for e in events} == {"success"}
    assert slow == []


def test_debug_mode_does_catch_a_blocking_call(emu):
    """Control: building an httpx client inside the loop (it loads the CA bundle synchronously) is caught."""
    import httpx

    async def blocking():
        client = httpx.AsyncClient()
        await client.aclose()

    asyncio.run(blocking())
    _, slow = run_in_debug_mode(blocking)
    assert slow


def test_hook_async_client_does_not_block_the_loop(emu):
    async def build():
        hook = TrackierHook()
        await hook.aget_settings()
        client = await hook.async_client()
        await client.aclose()

    asyncio.run(build())
    _, slow = run_in_debug_mode(build)
    assert slow == []


def test_triggers_of_one_loop_share_one_client(emu, monkeypatch):
    built = []
    real = base._build_client

    def counting(timeout):
        built.append(timeout)
        return real(timeout)

    monkeypatch.setattr(base, "_build_client", counting)
    day = old_day(emu)

    async def many():
        events = await asyncio.gather(*(make(day, settle_period=0.0).wait() for _ in range(10)))
        return events, dict(base._CLIENTS.get(asyncio.get_running_loop(), {}))

    events, left = asyncio.run(many())
    assert len(built) == 1 and left == {}  # built once, closed after the last trigger
    assert all(e.payload["status"] == "success" for e in events)


def test_shared_client_survives_a_cancelled_user(emu):
    async def scenario():
        hook = TrackierHook()

        async def hold(event):
            async with base.shared_client(hook):
                await event.wait()

        gate = asyncio.Event()
        first = asyncio.ensure_future(hold(gate))
        second = asyncio.ensure_future(hold(gate))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        gate.set()
        await second
        return base._CLIENTS.get(asyncio.get_running_loop(), {})

    assert asyncio.run(scenario()) == {}
