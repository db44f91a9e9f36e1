"""The polling trigger base: no blocking call in the event loop, one shared HTTP client per loop."""

from __future__ import annotations

import asyncio
import ssl

from tests.triggers.emulated import old_day
from tests.triggers.test_report import make
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.triggers import base
from trackier_provider.version_compat import BaseHook


class LoopThreadCalls:
    """Records the known blocking calls (CA bundle loading, a synchronous connection lookup) made from a
    thread while it runs an event loop: in a triggerer such a call stalls every trigger of the loop.

    This asks *where* the calls run instead of timing callbacks, so a busy machine cannot change the verdict.
    """

    def __init__(self, monkeypatch) -> None:
        self.calls: list[str] = []
        for name in ("load_verify_locations", "set_default_verify_paths", "load_default_certs"):
            monkeypatch.setattr(ssl.SSLContext, name, self._wrap(f"SSLContext.{name}", getattr(ssl.SSLContext, name)))
        original = BaseHook.get_connection.__func__

        def get_connection(cls, conn_id):
            self._note("BaseHook.get_connection")
            return original(cls, conn_id)

        monkeypatch.setattr(BaseHook, "get_connection", classmethod(get_connection))

    def _note(self, name: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        self.calls.append(name)

    def _wrap(self, name, real):
        def wrapper(*args, **kwargs):
            self._note(name)
            return real(*args, **kwargs)

        return wrapper


def test_no_blocking_call_in_the_event_loop(emu, monkeypatch):
    day = old_day(emu)
    watch = LoopThreadCalls(monkeypatch)

    async def many():
        triggers = [make(day, settle_period=0.0, settle_polls=3) for _ in range(20)]
        return await asyncio.gather(*(t.wait() for t in triggers))

    events = asyncio.run(many())
    assert {e.payload["status"] for e in events} == {"success"}
    assert watch.calls == []


def test_the_watch_does_catch_a_blocking_call(emu, monkeypatch):
    """Control: building an httpx client inside the loop (it loads the CA bundle synchronously) is caught."""
    import httpx

    watch = LoopThreadCalls(monkeypatch)

    async def blocking():
        client = httpx.AsyncClient()
        await client.aclose()

    asyncio.run(blocking())
    assert watch.calls


def test_hook_async_client_does_not_block_the_loop(emu, monkeypatch):
    watch = LoopThreadCalls(monkeypatch)

    async def build():
        hook = TrackierHook()
        await hook.aget_settings()
        client = await hook.async_client()
        await client.aclose()

    asyncio.run(build())
    assert watch.calls == []


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


def test_triggers_starting_together_look_the_connection_up_once(emu, monkeypatch):
    """A triggerer taking on many triggers at once looks their connection up once, not once per trigger
    (the lookup is counted, not replaced: it still reads the real connection)."""
    from trackier_provider.hooks import trackier

    lookups: list[str] = []
    original = trackier.aget_connection

    async def counted(conn_id):
        lookups.append(conn_id)
        return await original(conn_id)

    monkeypatch.setattr(trackier, "aget_connection", counted)
    day = old_day(emu)

    async def together():
        return await asyncio.gather(*(make(day, settle_polls=1, settle_period=0.0).wait() for _ in range(20)))

    events = asyncio.run(together())
    assert {e.payload["status"] for e in events} == {"success"}
    assert lookups == ["trackier_default"]

    later = asyncio.run(make(day, settle_polls=1, settle_period=0.0).wait())  # nothing kept: looked up anew
    assert later.payload["status"] == "success" and lookups == ["trackier_default"] * 2


def test_a_missing_connection_is_an_error_event(emu):
    trigger = make(old_day(emu), trackier_conn_id="trackier_nowhere")
    event = asyncio.run(trigger.wait())
    assert event.payload["status"] == "error" and "trackier_nowhere" in event.payload["message"]
