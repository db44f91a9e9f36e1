"""TrackierJobSensor in poke, reschedule and deferrable modes against the emulator's upload jobs."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import CANARY_KEY
from tests.sensors.helpers import context
from tests.triggers.emulated import BAD_ROWS, GOOD_ROWS, JOB_SECONDS, create_job, first_event
from trackier_provider.exceptions import TrackierConfigError, TrackierError, TrackierJobFailedError
from trackier_provider.sensors.job import TrackierJobSensor
from trackier_provider.triggers.job import TrackierJobTrigger
from trackier_provider.version_compat import AirflowFailException, TaskDeferred

COUNTS = {"rows": 2, "inserted": 2, "updated": 0, "errors": 0}


def sensor(job_id: str, **kwargs) -> TrackierJobSensor:
    return TrackierJobSensor(**{"task_id": "wait_job", "job_id": job_id, "poke_interval": 0, "deferrable": False,
                                **kwargs})


def test_poke_mode_returns_result_counts(emu, monkeypatch):
    job_id = create_job(emu, GOOD_ROWS)
    s = sensor(job_id)
    statuses = []
    poke = s.poke

    def advancing(ctx):
        emu.advance_clock(JOB_SECONDS / 4)
        statuses.append(poke(ctx))
        return statuses[-1]

    monkeypatch.setattr(s, "poke", advancing)
    assert s.execute(context()) == COUNTS
    assert len(statuses) >= 3  # pending, progress, ..., completed
    assert all(r["method"] == "GET" for r in emu.requests[1:])


def test_failed_job_fails_the_task_with_its_log_lines(emu):
    job_id = create_job(emu, BAD_ROWS)
    emu.advance_clock(JOB_SECONDS)
    with pytest.raises(TrackierJobFailedError) as info:
        sensor(job_id).execute(context())
    text = str(info.value)
    assert isinstance(info.value, AirflowFailException)  # retrying cannot help
    assert job_id in text and "Row 1: campaign_id 999999 not found" in text and "Job failed" in text


def test_reschedule_mode_needs_no_state(emu):
    job_id = create_job(emu, GOOD_ROWS)
    assert not sensor(job_id, mode="reschedule").poke(context())
    emu.advance_clock(JOB_SECONDS)
    assert sensor(job_id, mode="reschedule").poke(context()).xcom_value == COUNTS


def test_deferrable_defers_to_the_job_trigger(emu):
    job_id = create_job(emu, GOOD_ROWS)
    s = sensor(job_id, deferrable=True, timeout=3600, poke_interval=0.01)
    with pytest.raises(TaskDeferred) as info:
        s.execute(context())
    trigger = info.value.trigger
    assert isinstance(trigger, TrackierJobTrigger) and trigger.job_id == job_id
    assert CANARY_KEY not in json.dumps(trigger.serialize()[1])
    event = asyncio.run(first_event(trigger, emu, step=JOB_SECONDS / 20))
    assert s.execute_complete(context(), event.payload) == COUNTS


def test_deferred_failed_job_fails_with_log_lines(emu):
    job_id = create_job(emu, BAD_ROWS)
    s = sensor(job_id, deferrable=True, timeout=3600, poke_interval=0.01)
    with pytest.raises(TaskDeferred) as info:
        s.execute(context())
    event = asyncio.run(first_event(info.value.trigger, emu, step=JOB_SECONDS / 20))
    with pytest.raises(TrackierJobFailedError, match="Row 2: click_id or campaign_id is required"):
        s.execute_complete(context(), event.payload)


def test_deferred_unknown_job_is_a_clear_error(emu):
    s = sensor("ffffffffffffffffffffffff")
    with pytest.raises(TrackierError, match="jobs/ffffffffffffffffffffffff"):
        s.execute_complete(context(), {"status": "error", "message": "GET /v2/jobs/ffffffffffffffffffffffff 404"})


@pytest.mark.parametrize("bad", [".", "..", "", "a/b", "x\ry"], ids=repr)
def test_job_sensor_refuses_before_polling_or_deferring(emu, bad) -> None:
    for deferrable in (False, True):
        sensor = TrackierJobSensor(task_id="w", job_id=bad, poke_interval=0, deferrable=deferrable, timeout=60)
        with pytest.raises(TrackierConfigError) as info:
            sensor.execute(context())
        assert info.value.field == "job_id"
    assert emu.requests == []
