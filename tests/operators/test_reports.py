"""Aggregate reports over a window: defaults from the data interval, explicit timezone, grouping rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.operators.reports import TrackierFetchReportOperator


def test_daily_report_defaults_to_the_data_interval(trackier_conn, context) -> None:
    records = TrackierFetchReportOperator(task_id="r", report="daily").execute(context)
    assert records and {r["created"] for r in records} == {"2026-11-20"}
    query = api_calls(trackier_conn, "GET", "/v2/reports/daily")[0]["query"]
    assert (query["start"], query["end"], query["zone"]) == (["2026-11-20"], ["2026-11-20"], ["UTC"])


def test_custom_report_grouped_with_kpis_and_timezone(trackier_conn, context, tmp_path: Path) -> None:
    op = TrackierFetchReportOperator(
        task_id="r", report="custom", group=["campaign_id", "publisher_id"], kpi=["clicks", "revenue"],
        filters={"camp_ids": [1, 2], "remove_zero_data": True}, timezone="Asia/Kolkata",
        start="2026-11-18", end="2026-11-19", output_path=str(tmp_path / "custom.csv"),
    )
    result = op.execute(context)
    assert result["timezone"] == "Asia/Kolkata"
    assert result["start"] == "2026-11-18T00:00:00+05:30" and result["end"] == "2026-11-20T00:00:00+05:30"
    header = (tmp_path / "custom.csv").read_text().splitlines()[0].split(",")
    assert {"campaign_id", "publisher_id", "clicks", "revenue"} <= set(header)
    query = api_calls(trackier_conn, "GET", "/v2/reports/custom")[0]["query"]
    assert query["group[]"] == ["campaign_id", "publisher_id"] and query["camp_ids[]"] == ["1", "2"]
    assert query["zone"] == ["Asia/Kolkata"] and query["end"] == ["2026-11-19"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"report": "weekly"}, "report"),
        ({"report": "daily", "group": ["campaign_id"]}, "group"),
        ({"report": "daily", "timezone": "Mars/Olympus"}, "timezone"),
        ({"report": "daily", "start": "2026-11-21", "end": "2026-11-01"}, "end"),
        ({"report": ["daily"]}, "report"),
        ({"report": "daily", "kpi": ["clicks", "nope"]}, "kpi[1]"),
        ({"report": "custom", "group": ["campaign_id", "nope"]}, "group[1]"),
        ({"report": "daily", "kpi": 5}, "kpi"),
        ({"report": "daily", "filters": {"camp_ids": [None]}}, "filters[camp_ids][0]"),
        ({"report": "custom", "filters": {"remove_zero_data": "maybe"}}, "filters[remove_zero_data]"),
        ({"report": "daily", "start": "0026-11-20", "end": "2026-11-21"}, "start"),
        ({"report": "daily", "timezone": "x" * 300}, "timezone"),
    ],
)
def test_bad_input_before_any_request(trackier_conn, context, kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchReportOperator(task_id="r", **kwargs).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_templated_window(trackier_conn, context) -> None:
    op = TrackierFetchReportOperator(task_id="r", report="{{ params.report }}", start="{{ ds }}", end="{{ ds }}")
    op.render_template_fields({**context, "ds": "2026-11-15", "params": {"report": "campaign"}})
    assert (op.report, op.start) == ("campaign", "2026-11-15")
    op.execute(context)
    assert api_calls(trackier_conn, "GET", "/v2/reports/campaign")[0]["query"]["start"] == ["2026-11-15"]


def test_xcom_row_cap(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="output_path"):
        TrackierFetchReportOperator(task_id="r", report="campaign", max_xcom_rows=1).execute(context)


@pytest.mark.parametrize("lookback", [True, 2.5, -1, 10**9, None])
def test_lookback_is_whole_days_when_the_task_is_built(lookback) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchReportOperator(task_id="r", report="daily", lookback=lookback)
    assert info.value.field == "lookback"


def test_subid_report_takes_the_sub_ids(trackier_conn, context) -> None:
    TrackierFetchReportOperator(task_id="r", report="subid", group="p1, campaign_id", kpi="clicks").execute(context)
    query = api_calls(trackier_conn, "GET", "/v2/reports/subid")[0]["query"]
    assert (query["group[]"], query["kpi[]"]) == (["p1", "campaign_id"], ["clicks"])
