"""``TrackierSchemaCheckOperator`` against the emulator: every read-only operation of the catalogue is called
once, GET only; a clean panel passes, a drifting one fails and names the fields; error answers, a refused key
and bad input are reported as such. The ``trackier-check`` command: tests/test_check.py."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest

from tests.conftest import connection_json
from tests.operators.conftest import INTERVAL_START
from trackier_provider.api import OPERATIONS
from trackier_provider.check import read_names
from trackier_provider.emulator import TrackierEmulator
from trackier_provider.exceptions import (
    TrackierAuthenticationError,
    TrackierConfigError,
    TrackierError,
    TrackierSchemaDriftError,
)
from trackier_provider.operators.schema_check import TrackierSchemaCheckOperator
from trackier_provider.schemas.validation import XCOM_KEY
from trackier_provider.version_compat import AirflowFailException

CHECKED = sorted(read_names())
DRIFTS = [
    {"kind": "drift", "path": "/v2/campaigns", "method": "GET", "change": "rename", "field": "title",
     "records": "campaigns"},
    {"kind": "drift", "path": "/v2/network/conversions", "change": "as_string", "field": "payout",
     "records": "conversions", "every": 2},
    {"kind": "drift", "path": "/v2/reports/daily", "change": "as_object", "field": "records"},
]


@pytest.fixture
def panel(trackier_conn: TrackierEmulator) -> TrackierEmulator:
    """The emulator with a bulk-upload job, so ``jobs.get`` has a job to read."""
    answer = post(trackier_conn, "/v2/conversions/bulkUpload", {"data": [{"click_id": "a"}]})
    assert answer["success"] is True
    trackier_conn.clear_requests()
    return trackier_conn


def post(emu: TrackierEmulator, path: str, body: Any) -> Any:
    import requests

    return requests.post(emu.base_url + path, json=body, headers={"X-Api-Key": emu.api_key}, timeout=10).json()


def test_every_read_only_operation_of_the_catalogue_is_checked() -> None:
    reads = {name for name, operation in OPERATIONS.items() if operation.method == "GET"}
    assert set(CHECKED) == reads and len(CHECKED) == len(set(CHECKED)) == 74


def test_a_clean_panel_passes_with_get_requests_only(panel, context) -> None:
    result = TrackierSchemaCheckOperator(task_id="check").execute(context)
    assert result["outcome"] == "ok" and result["date"] == INTERVAL_START.date().isoformat()
    assert [r["operation"] for r in result["operations"]] == CHECKED
    assert {(r["outcome"], r["status"]) for r in result["operations"]} == {("ok", 200), ("nothing_to_read", None)}
    assert next(r for r in result["operations"] if r["operation"] == "jobs.get")["outcome"] == "ok"
    lists = {r["operation"]: r["records"] for r in result["operations"] if r["records"] is not None}
    assert lists["conversions.list"] == 100 and lists["campaigns.list"] == 5 and lists["jobs.list"] == 1
    assert context["ti"].xcom[XCOM_KEY] == result
    methods = {r["method"] for r in panel.requests}
    assert methods == {"GET"}  # nothing created, edited or deleted
    assert len(panel.requests) == sum(r["outcome"] == "ok" for r in result["operations"])  # one call each
    conversions = next(r for r in panel.requests if r["path"] == "/v2/network/conversions")
    assert conversions["query"]["start"] == ["2026-11-20 00:00:00"] and conversions["query"]["limit"] == ["100"]


def test_a_drifting_panel_fails_and_names_the_fields(panel, context, monkeypatch, caplog) -> None:
    panel.add_fault(DRIFTS)
    operator = TrackierSchemaCheckOperator(task_id="check", day="2026-11-19")
    monkeypatch.setattr(TrackierSchemaCheckOperator, "log", logging.getLogger("task"), raising=False)
    caplog.set_level(logging.INFO)
    with pytest.raises(TrackierSchemaDriftError) as info:
        operator.execute(context)
    assert isinstance(info.value, AirflowFailException)
    assert "campaigns.list, conversions.list, reports.daily" in str(info.value)
    result = context["ti"].xcom[XCOM_KEY]
    drift = {r["operation"]: [(d["path"], d["got"], d["count"], d["of"]) for d in r["drift"]]
             for r in result["operations"] if r["drift"]}
    assert drift == {"campaigns.list": [("campaigns[].title", "absent", 5, 5)],
                     "conversions.list": [("conversions[].payout", "string", 50, 100)],
                     "reports.daily": [("records", "object", 1, 1)]}
    table = caplog.records[-1].getMessage()
    assert "campaigns.list 200 5 1 field" in " ".join(table.split())
    assert "conversions[].payout: expected number, got string in 50 of 100 records, e.g. \"" in table
    assert {r["method"] for r in panel.requests} == {"GET"}


def test_error_answers_are_reported_and_fail_unless_told_otherwise(panel, context) -> None:
    panel.add_fault({"kind": "status", "status": 403, "path": "/v2/offers/incent"})
    with pytest.raises(TrackierError, match=r"1 operations could not be checked \(incent_offers.list\)"):
        TrackierSchemaCheckOperator(task_id="check").execute(context)
    [failed] = [r for r in context["ti"].xcom[XCOM_KEY]["operations"] if r["outcome"] == "error"]
    assert (failed["operation"], failed["outcome"], failed["status"]) == ("incent_offers.list", "error", 403)
    result = TrackierSchemaCheckOperator(task_id="check", fail_on_error=False).execute(context)
    assert result["outcome"] == "error"
    skipped = TrackierSchemaCheckOperator(task_id="check", skip=["incent_offers"]).execute(context)
    assert skipped["outcome"] == "ok" and "incent_offers.list" not in [r["operation"] for r in skipped["operations"]]


def test_only_some_operations_and_skips_without_ids(trackier_conn, context) -> None:
    """``jobs.get`` needs a job from ``jobs.list``: none listed (a fresh emulator), it has nothing to read."""
    result = TrackierSchemaCheckOperator(task_id="check", only=["jobs.list", "jobs.get", "categories.list"]).execute(
        context)
    assert [(r["operation"], r["outcome"]) for r in result["operations"]] == [
        ("categories.list", "ok"), ("jobs.get", "nothing_to_read"), ("jobs.list", "ok")]
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/categories", "/v2/jobs"]


def test_a_refused_key_stops_at_the_first_call(trackier_conn, context, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_conn.base_url, "wrong-key-0001"))
    with pytest.raises(TrackierAuthenticationError):
        TrackierSchemaCheckOperator(task_id="check").execute(context)
    assert len(trackier_conn.requests) == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"only": ["campaigns.create"]}, "only[0]"),
    ({"skip": "jobs.delete"}, "skip[0]"),
    ({"only": ["campaign"]}, "only[0]"),
    ({"fail_on_error": "no"}, "fail_on_error"),
])
def test_bad_input_fails_when_the_dag_is_parsed(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierSchemaCheckOperator(task_id="check", **kwargs)
    assert info.value.field == field


def test_a_bad_day_fails_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="not a date"):
        TrackierSchemaCheckOperator(task_id="check", day="yesterday").execute(context)
    assert trackier_conn.requests == []
    assert TrackierSchemaCheckOperator(task_id="check", day=date(2026, 1, 5)).checked_day({}) == date(2026, 1, 5)
