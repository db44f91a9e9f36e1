"""Triggers of one event loop asking the same question share one request and its answer; each keeps its own
readiness state; distinct questions are never shared; a waiter that times out or is cancelled does not
cancel the shared request for the others (against the emulator; counts, not timings)."""

from __future__ import annotations

import asyncio

from tests.triggers.emulated import old_day
from tests.triggers.test_report import make
from trackier_provider import readiness
from trackier_provider.triggers import base

REPORT = "/v2/reports/campaign"


def _report_requests(emu) -> list[dict]:
    return [r for r in emu.requests if r["path"] == REPORT]


async def _until(condition) -> None:
    """Yield to the loop until ``condition()`` holds (bounded: the test fails rather than hangs)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never held")


def test_fifty_triggers_on_one_window_cost_one_request(emu):
    day = old_day(emu)

    async def many():
        triggers = [make(day, settle_polls=1, settle_period=0.0) for _ in range(50)]
        return await asyncio.gather(*(t.wait() for t in triggers))

    events = asyncio.run(many())
    assert [e.payload["status"] for e in events] == ["success"] * 50
    assert len(_report_requests(emu)) == 1
    assert {e.payload["summary"]["rows"] for e in events} == {events[0].payload["summary"]["rows"]}


def test_distinct_questions_are_never_shared(emu):
    days = [old_day(emu, days=n) for n in (30, 31, 32)]

    async def per_day():
        triggers = [make(day, settle_polls=1, settle_period=0.0) for day in days for _ in range(5)]
        return await asyncio.gather(*(t.wait() for t in triggers))

    events = asyncio.run(per_day())
    assert {e.payload["status"] for e in events} == {"success"}
    asked = sorted(r["query"]["start"][0] for r in _report_requests(emu))
    assert asked == sorted(days)  # one request per window, never one answer for another window


def test_each_trigger_keeps_its_own_state(emu):
    """Sharing answers, a trigger that needs one poll fires first and one that needs three keeps polling."""
    day = old_day(emu)

    async def mixed():
        quick = make(day, settle_polls=1, settle_period=0.0)
        patient = make(day, settle_polls=3, settle_period=0.0)
        return await asyncio.gather(quick.wait(), patient.wait())

    quick, patient = asyncio.run(mixed())
    assert quick.payload["summary"]["polls"] == 1
    assert patient.payload["summary"]["polls"] == 3
    assert len(_report_requests(emu)) == 3  # the quick trigger's poll was shared with the patient one's first


def test_a_cancelled_waiter_does_not_cancel_the_shared_request(emu):
    day = old_day(emu)
    emu.add_fault({"kind": "latency", "seconds": 0.5, "path": REPORT, "times": 1})

    async def scenario():
        leaving, staying = make(day, settle_polls=1, settle_period=0.0), make(day, settle_polls=1, settle_period=0.0)
        left = asyncio.ensure_future(leaving.wait())
        stays = asyncio.ensure_future(staying.wait())
        await _until(lambda: len(_report_requests(emu)) == 1)  # the shared request is in flight
        left.cancel()
        await asyncio.gather(left, return_exceptions=True)
        return left.cancelled(), await stays

    cancelled, event = asyncio.run(scenario())
    assert cancelled
    assert event.payload["status"] == "success"
    assert len(_report_requests(emu)) == 1


def test_a_waiter_timing_out_does_not_cancel_the_shared_request(emu):
    day = old_day(emu)
    emu.add_fault({"kind": "latency", "seconds": 1.0, "path": REPORT, "times": 1})

    async def scenario():
        hasty = make(day, settle_polls=1, settle_period=0.0, deadline=readiness.now() + 0.3)
        patient = make(day, settle_polls=1, settle_period=0.0)
        return await asyncio.gather(hasty.wait(), patient.wait())

    hasty, patient = asyncio.run(scenario())
    assert hasty.payload["status"] == "timeout"
    assert patient.payload["status"] == "success"
    assert len(_report_requests(emu)) == 1


def test_nothing_is_left_behind_in_the_loop(emu):
    day = old_day(emu)

    async def run():
        await asyncio.gather(*(make(day, settle_polls=1, settle_period=0.0).wait() for _ in range(3)))
        return dict(base._ASKING.get(asyncio.get_running_loop(), {}))

    assert asyncio.run(run()) == {}
