"""Conversions: the windowed log with lookback and timezone, streamed exports, and bulk upload."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError, TrackierValidationError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator, TrackierUploadConversionsOperator


def test_window_lookback_and_zone(trackier_conn, context, tmp_path: Path) -> None:
    out = tmp_path / "conversions.jsonl.gz"
    result = TrackierFetchConversionsOperator(
        task_id="c", lookback=2, timezone="Europe/Berlin", status="approved", output_path=str(out), page_size=100
    ).execute(context)
    assert result["start"] == "2026-11-18T01:00:00+01:00" and result["end"] == "2026-11-21T01:00:00+01:00"
    assert result["timezone"] == "Europe/Berlin"
    with gzip.open(out, "rt") as handle:
        rows = [json.loads(line) for line in handle]
    assert len(rows) == result["rows"] > 100
    assert all(r["status"] == "approved" for r in rows)
    calls = api_calls(trackier_conn, "GET", "/v2/network/conversions")
    assert calls[0]["query"]["start"] == ["2026-11-18 01:00:00"]
    assert calls[0]["query"]["end"] == ["2026-11-21 00:59:59"]
    assert calls[0]["query"]["zone"] == ["Europe/Berlin"]
    assert len(calls) >= 2


def test_lookback_reads_more(trackier_conn, context) -> None:
    plain = TrackierFetchConversionsOperator(task_id="c", max_xcom_rows=100_000).execute(context)
    wider = TrackierFetchConversionsOperator(task_id="c", lookback=1, max_xcom_rows=100_000).execute(context)
    assert len(wider) > len(plain) > 0
    assert {r["id"] for r in plain} <= {r["id"] for r in wider}


def test_xcom_cap_points_at_output_path(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchConversionsOperator(task_id="c", max_xcom_rows=100).execute(context)
    assert "output_path" in str(info.value) and "100" in str(info.value)


def test_csv_to_file_url(trackier_conn, context, tmp_path: Path) -> None:
    url = f"file://{tmp_path}/conv.csv"
    result = TrackierFetchConversionsOperator(task_id="c", output_path=url, fields=["id", "txn_id"]).execute(context)
    assert result["path"] == url
    assert len((tmp_path / "conv.csv").read_text().splitlines()) == result["rows"] + 1


@pytest.mark.parametrize(("kwargs", "field"), [({"status": "won"}, "status"), ({"lookback": -1}, "lookback")])
def test_bad_input(trackier_conn, context, kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchConversionsOperator(task_id="c", **kwargs).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_upload_returns_job_id(trackier_conn, context) -> None:
    rows = [{"campaign_id": "1", "publisher_id": "2", "payout": 1.5, "status": "approved"}, {"click_id": "abc"}]
    job_id = TrackierUploadConversionsOperator(task_id="u", conversions=rows, fire_postback="yes").execute(context)
    assert job_id in trackier_conn.store.jobs
    assert len([r for r in trackier_conn.store.uploaded_conversions if r["job_id"] == job_id]) == 2


def test_upload_from_file(trackier_conn, context, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"campaign_id": "3", "publisher_id": "1"}\n{"click_id": "c1", "payout": 2}\n')
    job_id = TrackierUploadConversionsOperator(task_id="u", conversions_path=str(path)).execute(context)
    assert [r["row"] for r in trackier_conn.store.uploaded_conversions if r["job_id"] == job_id] == [1, 2]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([], "no rows"),
        ([{"payout": 1}], "click_id"),
        ([{"campaign_id": "1"}], "publisher_id"),
        ([{"click_id": "x", "payout": -2}], "payout"),
        ([{"click_id": "x", "status": "won"}], "status"),
    ],
)
def test_bad_rows_before_any_request(trackier_conn, context, rows, problem) -> None:
    with pytest.raises(TrackierConfigError, match=problem):
        TrackierUploadConversionsOperator(task_id="u", conversions=rows).execute(context)
    assert trackier_conn.requests == []


def test_upload_rejected_envelope(trackier_conn, context) -> None:
    op = TrackierUploadConversionsOperator(task_id="u", conversions=[{"click_id": "x"}])
    op.fire_postback = "always"  # bypasses the parse-time check: the catalogue's body check still refuses it
    with pytest.raises(TrackierConfigError, match="firePostback"):
        op.execute(context)
    assert trackier_conn.requests == []
    with pytest.raises(TrackierValidationError) as info:  # sent anyway (by path), Trackier's own 107
        TrackierHook().request("POST", "/v2/conversions/bulkUpload",
                               json={"data": [{"click_id": "x"}], "firePostback": "always"})
    assert info.value.code == "107"


def test_exactly_one_source_of_rows() -> None:
    with pytest.raises(TrackierConfigError):
        TrackierUploadConversionsOperator(task_id="u")
    with pytest.raises(TrackierConfigError):
        TrackierUploadConversionsOperator(task_id="u", conversions=[], conversions_path="/x.jsonl")


def _retry_context(context, try_number: int, started_minutes_ago: float = 1.0) -> dict:
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from tests.operators.conftest import RecordingTI

    run = SimpleNamespace(start_date=datetime.now(timezone.utc) - timedelta(minutes=started_minutes_ago))
    return {**context, "ti": RecordingTI(try_number=try_number), "dag_run": run}


UPLOAD_ROWS = [{"campaign_id": 1, "publisher_id": 1, "payout": 1.5}, {"campaign_id": 2, "publisher_id": 3}]


def test_a_retried_upload_reuses_the_job_of_the_earlier_try(trackier_conn, context) -> None:
    """The connection drops after Trackier created the job: the retry finds that job and uploads nothing."""
    from trackier_provider.exceptions import TrackierConnectionError

    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/conversions/bulkUpload",
                             "when": "after", "times": 1})
    op = TrackierUploadConversionsOperator(task_id="u", conversions=UPLOAD_ROWS)
    with pytest.raises(TrackierConnectionError):
        op.execute(_retry_context(context, 1))
    assert len(trackier_conn.store.jobs) == 1
    job_id = op.execute(_retry_context(context, 2))
    assert list(trackier_conn.store.jobs) == [job_id]
    assert len(api_calls(trackier_conn, "POST", "/v2/conversions/bulkUpload")) == 1


def test_a_retry_without_an_earlier_job_uploads(trackier_conn, context) -> None:
    op = TrackierUploadConversionsOperator(task_id="u", conversions=UPLOAD_ROWS)
    job_id = op.execute(_retry_context(context, 3))
    assert list(trackier_conn.store.jobs) == [job_id]
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/jobs", "/v2/conversions/bulkUpload"]


def test_a_job_of_another_size_or_before_the_run_is_not_taken(trackier_conn, context) -> None:
    TrackierUploadConversionsOperator(task_id="u", conversions=UPLOAD_ROWS[:1]).execute(_retry_context(context, 1))
    op = TrackierUploadConversionsOperator(task_id="u", conversions=UPLOAD_ROWS)
    second = op.execute(_retry_context(context, 2))
    assert len(trackier_conn.store.jobs) == 2
    # A run that started 10 minutes from now (beyond the 5-minute clock-skew allowance) owns neither job.
    third = op.execute(_retry_context(context, 2, started_minutes_ago=-10))
    assert third != second and len(trackier_conn.store.jobs) == 3


def test_two_candidate_jobs_fail_loudly(trackier_conn, context) -> None:
    op = TrackierUploadConversionsOperator(task_id="u", conversions=UPLOAD_ROWS)
    op.execute(_retry_context(context, 1))
    TrackierUploadConversionsOperator(task_id="v", conversions=UPLOAD_ROWS).execute(_retry_context(context, 1))
    with pytest.raises(TrackierConfigError, match="ambiguous"):
        op.execute(_retry_context(context, 2))
    assert len(trackier_conn.store.jobs) == 2
