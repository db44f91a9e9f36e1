"""Test helpers shared by tests/triggers and tests/sensors: a Trackier emulator whose reports mature fast,
the readiness clock tied to the emulator's clock, report windows that just closed, and jobs.

Nothing here sleeps to let time pass: tests move the emulator clock with ``advance_clock``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.conftest import CANARY_KEY, connection_json
from trackier_provider import readiness
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
from trackier_provider.hooks.trackier import TrackierHook

DAY = 86400
#: Report figures of a day keep changing for 10 emulated minutes after the day ends; jobs take 60 s.
SETTLE_SECONDS = 600.0
JOB_SECONDS = 60.0


def emulator_config() -> EmulatorConfig:
    # Many conversions a day, so a maturing window changes between any two polls a minute apart.
    return EmulatorConfig(api_key=CANARY_KEY, seed=7, conversions_per_day=20000, clicks_per_day=2000,
                          settle_seconds=SETTLE_SECONDS, job_seconds=JOB_SECONDS)


@pytest.fixture(scope="session")
def readiness_emulator_server() -> Iterator[TrackierEmulator]:
    """One emulator for these tests, accepting the canary key (so leaks of it are detectable)."""
    with TrackierEmulator(emulator_config(), host="127.0.0.1", port=0) as emu:
        yield emu


@pytest.fixture
def emu(readiness_emulator_server: TrackierEmulator, monkeypatch: pytest.MonkeyPatch) -> TrackierEmulator:
    """The emulator, reset; ``trackier_default`` points at it with the canary key; readiness follows its clock."""
    readiness_emulator_server.reset()
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT",
                       connection_json(readiness_emulator_server.base_url, CANARY_KEY, max_retries=2))
    monkeypatch.setattr(readiness, "clock", lambda: readiness_emulator_server.now().timestamp())
    return readiness_emulator_server


def young_window(emu: TrackierEmulator, after: float = 5.0) -> tuple[str, float]:
    """Move the emulator to ``after`` seconds past a UTC midnight; return (the day just ended, its end)."""
    now = emu.now().timestamp()
    midnight = math.ceil(now / DAY) * DAY
    emu.advance_clock(midnight + after - now)
    day = datetime.fromtimestamp(midnight - DAY, tz=timezone.utc).strftime("%Y-%m-%d")
    return day, float(midnight)


def old_day(emu: TrackierEmulator, days: int = 30) -> str:
    """A day whose figures settled long ago."""
    return (emu.now() - timedelta(days=days)).strftime("%Y-%m-%d")


def create_job(emu: TrackierEmulator, rows: list[dict[str, Any]]) -> str:
    """Upload conversions; return the job id."""
    hook = TrackierHook()
    try:
        return str(hook.call("conversions.bulk_upload", body={"data": rows})["job"]["id"])
    finally:
        hook.close()


GOOD_ROWS = [{"campaign_id": 1, "publisher_id": 1, "payout": 1.5}, {"campaign_id": 2, "publisher_id": 3}]
BAD_ROWS = [{"campaign_id": 999999, "publisher_id": 1}, {"status": "bogus"}]


async def drive(coro: Any, emu: TrackierEmulator | None = None, step: float = 0.0) -> Any:
    """Await ``coro`` while moving the emulator clock ``step`` seconds per turn of the loop.

    The clock starts moving only once the trigger's first request has reached the emulator, so how long
    building the HTTP client takes on a busy machine cannot change what the test sees.
    """
    task = asyncio.ensure_future(coro)
    before = len(emu.requests) if emu is not None else 0
    while not task.done():
        if emu is not None and step and len(emu.requests) > before:
            emu.advance_clock(step)
        await asyncio.wait({task}, timeout=0.005)
    return task.result()


async def first_event(trigger: Any, emu: TrackierEmulator | None = None, step: float = 0.0) -> Any:
    """The first event of ``trigger.run()``, moving the emulator clock meanwhile."""
    gen = trigger.run()
    try:
        return await drive(gen.__anext__(), emu, step)
    finally:
        await gen.aclose()
