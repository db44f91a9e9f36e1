"""TrackierReportSensor in poke, reschedule and deferrable modes against maturing emulator reports."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from airflow.exceptions import AirflowException

from tests.conftest import CANARY_KEY, connection_json
from tests.sensors.helpers import FakeTaskStateStore, context
from tests.triggers.emulated import SETTLE_SECONDS, first_event, old_day, young_window
from trackier_provider.exceptions import TrackierAuthenticationError, TrackierConfigError, TrackierError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.task_state import VariableState, variable_key
from trackier_provider.triggers.report import TrackierReportTrigger
from trackier_provider.version_compat import (
    AIRFLOW_V_3_0_PLUS,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    TaskDeferred,
)

KPI = ["clicks", "grossConversions", "payout"]


def sensor(**kwargs) -> TrackierReportSensor:
    options = {"task_id": "wait", "kpi": KPI, "settle_polls": 2, "settle_period": 120, "poke_interval": 0,
               "deferrable": False, **kwargs}
    return TrackierReportSensor(**options)


def ticking(monkeypatch, s: TrackierReportSensor, emu, step: float) -> list[float]:
    """Make every poke happen ``step`` emulated seconds after the previous one; return the poke times."""
    times: list[float] = []
    poke = s.poke

    def advancing(ctx):
        emu.advance_clock(step)
        times.append(emu.now().timestamp())
        return poke(ctx)

    monkeypatch.setattr(s, "poke", advancing)
    return times


def final_totals(day: str) -> dict:
    from trackier_provider import readiness
    from trackier_provider.report_requests import report_params
    from trackier_provider.windows import resolve_window

    operation, params = report_params("campaign", resolve_window(day, day), kpi=KPI)
    return readiness.totals_of(TrackierHook().call(operation, query=params)["records"])


def test_init_does_no_io_and_is_keyword_only(emu):
    s = sensor(start="{{ ds }}", end="{{ ds }}", trackier_conn_id="nope")
    assert emu.requests == [] and "hook" not in vars(s)
    assert {"report", "start", "end", "group", "kpi", "filters", "timezone", "trackier_conn_id"} <= set(
        s.template_fields)
    with pytest.raises((TypeError, AirflowException)):  # 2.11 refuses positional operator arguments itself
        TrackierReportSensor("wait")  # type: ignore[misc]
    with pytest.raises(TrackierConfigError, match="settle_polls"):
        sensor(settle_polls=0)


def test_poke_mode_waits_for_the_maturing_window(emu, monkeypatch, caplog, capsys):
    day, end = young_window(emu)
    s = sensor(start=day, end=day)
    times = ticking(monkeypatch, s, emu, 60.0)
    with caplog.at_level(logging.INFO):
        result = s.execute(context())
    assert len(times) > 3 and times[-1] >= end + SETTLE_SECONDS - 1
    emu.advance_clock(SETTLE_SECONDS)
    assert result["totals"] == final_totals(day)
    assert result["window"]["start"].startswith(day) and result["polls"] >= 2
    logs = caplog.text + capsys.readouterr().out  # Airflow 3 task logs go through structlog to stdout
    assert "totals changed since the previous poll" in logs
    assert CANARY_KEY not in logs and CANARY_KEY not in json.dumps(result)


def test_window_defaults_to_the_data_interval(emu):
    day = old_day(emu)
    s = sensor(settle_polls=1, settle_period=0)
    result = s.execute(context(day))
    assert result["window"]["start"].startswith(day) and result["rows"] > 0
    assert emu.requests[0]["query"]["start"] in (day, [day])


def test_min_rows_and_ready_check(emu, monkeypatch):
    s = sensor(start=old_day(emu), end=old_day(emu), settle_polls=1, settle_period=0, min_rows=1,
               ready_check=lambda rows: sum(r["clicks"] for r in rows) > 0)
    assert s.poke(context())
    s = sensor(start=old_day(emu), end=old_day(emu), settle_polls=1, settle_period=0, min_rows=10**6)
    assert not s.poke(context())


@pytest.fixture
def reschedule_store(request, monkeypatch):
    """Where reschedule-mode state really lives: the task state store (3.3) or a Variable (2.11)."""
    if AIRFLOW_V_3_0_PLUS:
        store = FakeTaskStateStore()
        return {"task_state_store": store}, lambda: store.data.get("trackier_readiness")
    request.getfixturevalue("airflow_db")
    state = VariableState(variable_key(context()["ti"]))
    state.clear()
    return {}, state.load


def test_reschedule_mode_keeps_state_across_rebuilt_instances(emu, reschedule_store):
    extra, stored = reschedule_store
    day, end = young_window(emu)
    done, pokes = None, 0
    while not done:
        emu.advance_clock(60)
        s = sensor(start=day, end=day, mode="reschedule")  # Airflow rebuilds the sensor for every poke
        done = s.poke(context(**extra))
        pokes += 1
        if not done:
            assert stored()["polls"] >= 1
    assert emu.now().timestamp() >= end + SETTLE_SECONDS - 1 and pokes > 3
    assert done.xcom_value["polls"] >= 2
    assert stored() is None  # cleared once ready


@pytest.mark.skipif(not AIRFLOW_V_3_0_PLUS, reason="2.11 reads reschedules from the database: see test_dag_test")
def test_reschedule_execute_raises_reschedule_and_stores_state(emu, reschedule_store):
    extra, stored = reschedule_store
    day = old_day(emu)
    ctx = context(**extra)
    ctx["ti"].get_first_reschedule_date = lambda context: None
    with pytest.raises(AirflowRescheduleException):
        sensor(start=day, end=day, mode="reschedule", poke_interval=60).execute(ctx)
    assert stored()["polls"] == 1


def test_deferrable_checks_once_then_defers_with_its_state(emu):
    day, _ = young_window(emu)
    s = sensor(start=day, end=day, deferrable=True, timeout=3600, poke_interval=0.01)
    with pytest.raises(TaskDeferred) as info:
        s.execute(context())
    trigger = info.value.trigger
    assert isinstance(trigger, TrackierReportTrigger)
    assert trigger.state["polls"] == 1 and info.value.method_name == "execute_complete"
    assert CANARY_KEY not in json.dumps(trigger.serialize()[1])
    event = asyncio.run(first_event(trigger, emu, step=7.0))
    result = s.execute_complete(context(), event.payload)
    emu.advance_clock(SETTLE_SECONDS)
    assert result["totals"] == final_totals(day) and result["window"]["start"].startswith(day)


def test_deferrable_returns_at_once_when_already_ready(emu):
    s = sensor(start=old_day(emu), end=old_day(emu), deferrable=True, settle_polls=1, settle_period=0)
    assert s.execute(context())["rows"] > 0


def test_deferrable_ready_check_must_be_importable(emu):
    with pytest.raises(TrackierConfigError, match="ready_check"):  # refused when the DAG is parsed
        sensor(start=old_day(emu), end=old_day(emu), deferrable=True, ready_check=lambda rows: True)
    assert emu.requests == []


def test_execute_complete_turns_events_into_outcomes(emu):
    s = sensor(start=old_day(emu), end=old_day(emu))
    with pytest.raises(AirflowSensorTimeout, match="Timed out"):
        s.execute_complete(context(), {"status": "timeout", "message": "Timed out at X"})
    with pytest.raises(TrackierError, match="HTTP 401"):
        s.execute_complete(context(), {"status": "error", "message": "Trackier API error, HTTP 401"})


def test_bad_key_fails_without_showing_it(emu, monkeypatch, caplog, capsys):
    wrong = CANARY_KEY[::-1]
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(emu.base_url, wrong))
    s = sensor(start=old_day(emu), end=old_day(emu))
    with caplog.at_level(logging.DEBUG), pytest.raises(TrackierAuthenticationError) as info:
        s.execute(context())
    logs = caplog.text + capsys.readouterr().out
    assert "INVALID_API_KEY" in str(info.value)
    assert wrong not in str(info.value) and wrong not in logs
