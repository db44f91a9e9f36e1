"""TrackierReportTrigger against the emulator's maturing reports."""

from __future__ import annotations

import asyncio
import json

from tests.conftest import CANARY_KEY
from tests.triggers.emulated import SETTLE_SECONDS, first_event, old_day, young_window
from trackier_provider import readiness
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.report_requests import report_params
from trackier_provider.triggers.report import TrackierReportTrigger
from trackier_provider.windows import resolve_window

KPI = ["clicks", "grossConversions", "payout"]


def make(day: str, **kwargs) -> TrackierReportTrigger:
    operation, params = report_params("campaign", resolve_window(day, day), kpi=KPI)
    options = {"settle_polls": 2, "settle_period": 120.0, "poll_interval": 0.01,
               "deadline": readiness.now() + 7 * 86400, **kwargs}
    return TrackierReportTrigger(operation=operation, params=params, **options)


def test_serialize_round_trip_without_key(emu):
    trigger = make("2026-01-02", ready_check="tests.triggers.test_report.enough", min_rows=3,
                   state={"request": "x", "digest": "y", "since": 1.0, "polls": 1, "last": 1.0})
    classpath, kwargs = trigger.serialize()
    assert classpath == "trackier_provider.triggers.report.TrackierReportTrigger"
    text = json.dumps(kwargs)  # plain JSON: survives any triggerer storage
    assert CANARY_KEY not in text and "api_key" not in text and "password" not in text
    clone = TrackierReportTrigger(**json.loads(text))
    assert clone == trigger and clone.serialize() == trigger.serialize()
    assert isinstance(kwargs["deadline"], float)  # absolute: a triggerer restart does not extend the wait


def test_airflow_serialization_round_trip(emu):
    from airflow.serialization.serialized_objects import BaseSerialization

    trigger = make("2026-01-02")
    _, kwargs = trigger.serialize()
    restored = BaseSerialization.deserialize(BaseSerialization.serialize(kwargs))
    assert TrackierReportTrigger(**restored) == trigger


def enough(rows):
    return len(rows) >= 3


def test_fires_only_once_the_window_has_settled(emu):
    day, end = young_window(emu)
    event = asyncio.run(first_event(make(day), emu, step=7.0))
    assert event.payload["status"] == "success", event.payload
    # The totals it reports are the window's final figures: nothing changes after it fired...
    emu.advance_clock(2 * SETTLE_SECONDS)
    hook = TrackierHook()
    operation, params = report_params("campaign", resolve_window(day, day), kpi=KPI)
    final = readiness.totals_of(hook.call(operation, query=params)["records"])
    assert event.payload["summary"]["totals"] == final
    # ...and it did not fire before the figures stopped changing.
    assert emu.now().timestamp() >= end + SETTLE_SECONDS - 1
    assert all(r["method"] == "GET" for r in emu.requests)


def test_continues_from_the_sensors_state(emu):
    day = old_day(emu)
    trigger = make(day, settle_period=0.0, settle_polls=3)
    first = asyncio.run(first_event(trigger))
    polls = [r for r in emu.requests if r["path"].startswith("/v2/reports/")]
    assert first.payload["status"] == "success" and len(polls) == 3
    emu.clear_requests()
    seeded = make(day, settle_period=0.0, settle_polls=3, state=trigger.state)
    assert asyncio.run(first_event(seeded)).payload["status"] == "success"
    assert len(emu.requests) == 1  # two earlier polls were carried in the serialized state


def test_ready_check_by_dotted_path(emu):
    day = old_day(emu)
    yes = make(day, settle_period=0.0, ready_check="tests.triggers.test_report.enough")
    assert asyncio.run(first_event(yes)).payload["status"] == "success"
    no = make(day, settle_period=0.0, ready_check="tests.triggers.test_report.never", deadline=readiness.now() + 60)
    event = asyncio.run(first_event(no, emu, step=5.0))
    assert event.payload["status"] == "timeout"
    assert "ready_check returned False" in event.payload["message"]


def never(rows):
    return False


def test_timeout_event_names_the_reason(emu):
    trigger = make(old_day(emu), min_rows=10**9, deadline=readiness.now() + 300)
    event = asyncio.run(first_event(trigger, emu, step=20.0))
    assert event.payload["status"] == "timeout"
    assert "waiting for at least 1000000000" in event.payload["message"]


def test_deadline_already_passed_times_out_without_a_request(emu):
    event = asyncio.run(first_event(make(old_day(emu), deadline=readiness.now() - 1)))
    assert event.payload["status"] == "timeout"
    assert emu.requests == []


def test_bad_key_is_an_error_event_without_the_key(emu, monkeypatch):
    from tests.conftest import connection_json

    wrong = CANARY_KEY[::-1]
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(emu.base_url, wrong))
    event = asyncio.run(first_event(make(old_day(emu))))
    assert event.payload["status"] == "error"
    assert "Trackier" in event.payload["message"] and wrong not in json.dumps(event.payload)


def test_retries_429_and_5xx_like_the_hook(emu):
    emu.add_fault({"kind": "status", "status": 503, "times": 1, "retry_after": "0"})
    emu.add_fault({"kind": "status", "status": 429, "times": 1, "retry_after": "0"})
    event = asyncio.run(first_event(make(old_day(emu), settle_period=0.0, settle_polls=1)))
    assert event.payload["status"] == "success"
    assert [r["status"] for r in emu.requests] == [503, 429, 200]


def test_hook_giving_up_is_an_error_event(emu):
    emu.add_fault({"kind": "status", "status": 500, "times": 10, "retry_after": "0"})
    event = asyncio.run(first_event(make(old_day(emu))))
    assert event.payload["status"] == "error" and "HTTP 500" in event.payload["message"]


def test_unknown_report_shape_is_an_error_event(emu):
    emu.add_fault({"kind": "replace_body", "path": "/v2/reports/campaign",
                   "body": json.dumps({"success": True, "campaigns": []})})  # an answer without "records"
    event = asyncio.run(first_event(make(old_day(emu))))
    assert event.payload["status"] == "error" and "records" in event.payload["message"]
