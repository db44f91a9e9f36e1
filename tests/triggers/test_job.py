"""TrackierJobTrigger against the emulator's bulk-upload jobs (pending -> progress -> completed/failed)."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import CANARY_KEY
from tests.triggers.emulated import BAD_ROWS, GOOD_ROWS, JOB_SECONDS, create_job, first_event
from trackier_provider import readiness
from trackier_provider.triggers.job import TrackierJobTrigger


def make(job_id: str, **kwargs) -> TrackierJobTrigger:
    return TrackierJobTrigger(job_id=job_id, **{"poll_interval": 0.01, "deadline": readiness.now() + 3600, **kwargs})


def test_serialize_round_trip_without_key(emu):
    trigger = make("65a1b2c3d4e5f60718293a4b")
    classpath, kwargs = trigger.serialize()
    assert classpath == "trackier_provider.triggers.job.TrackierJobTrigger"
    assert CANARY_KEY not in json.dumps(kwargs)
    assert TrackierJobTrigger(**json.loads(json.dumps(kwargs))) == trigger


def test_completed_job_is_success_with_counts(emu):
    job_id = create_job(emu, GOOD_ROWS)
    event = asyncio.run(first_event(make(job_id), emu, step=JOB_SECONDS / 20))
    payload = event.payload
    assert payload["status"] == "success" and payload["job_status"] == "completed"
    assert payload["result"] == {"rows": 2, "inserted": 2, "updated": 0, "errors": 0}
    assert [r["method"] for r in emu.requests if r["path"].startswith("/v2/jobs")] == ["GET"] * len(
        [r for r in emu.requests if r["path"].startswith("/v2/jobs")])


def test_failed_job_is_error_with_log_lines(emu):
    job_id = create_job(emu, BAD_ROWS)
    event = asyncio.run(first_event(make(job_id), emu, step=JOB_SECONDS / 20))
    payload = event.payload
    assert payload["status"] == "error" and payload["job_status"] == "failed"
    assert "Row 1: campaign_id 999999 not found" in payload["message"]
    assert any("Job failed" in line for line in payload["log"])


def test_unknown_job_is_error(emu):
    event = asyncio.run(first_event(make("ffffffffffffffffffffffff")))
    assert event.payload["status"] == "error" and "not" in event.payload["message"].lower()


def test_timeout_while_job_runs(emu):
    job_id = create_job(emu, GOOD_ROWS)
    event = asyncio.run(first_event(make(job_id, deadline=readiness.now() + JOB_SECONDS / 2), emu, step=1.0))
    assert event.payload["status"] == "timeout"
    assert job_id in event.payload["message"] and "status p" in event.payload["message"]


@pytest.mark.parametrize("bad", [".", "..", "a/b"], ids=repr)
def test_job_trigger_refuses_without_a_request(emu, bad) -> None:
    trigger = TrackierJobTrigger(job_id=bad, poll_interval=0.01, deadline=readiness.now() + 60)
    event = asyncio.run(trigger.wait())
    assert event.payload["status"] == "error"
    assert "job_id" in event.payload["message"]
    assert emu.requests == []


def test_a_job_status_the_provider_does_not_know_is_an_error_not_a_wait(emu):
    """``status: 5`` would otherwise keep the trigger polling until its deadline."""
    emu.add_fault({"kind": "replace_body", "method": "GET", "path": "/v2/jobs/",
                   "body": json.dumps({"success": True, "job": {"_id": "j1", "status": 5}, "log": []})})
    event = asyncio.run(first_event(make("65a1b2c3d4e5f60718293a4b")))
    assert event.payload["status"] == "error" and "status 5" in event.payload["message"]
