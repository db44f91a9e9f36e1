"""A malformed 200 never becomes a short file: pages without their records, non-object bodies and lists that
end before the announced total fail the export (after retries) and leave no file; a transient one is retried
and the file is exact; a legitimately empty window still succeeds with 0 rows.

The malformed answers come from the emulator's ``replace_body`` fault, which answers one matching request
(after ``skip`` good ones) with the given JSON text and HTTP 200.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import connection_json
from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierResponseError, TrackierServerError
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator

PAGE = 100
MALFORMED = {
    "empty object": "{}",
    "null": "null",
    "a list": "[]",
    "empty records": '{"conversions": []}',
    "no count": '{"conversions": [{"id": "x"}], "pagination": {"perPage": 100, "currentPage": 1}}',
    "records null": '{"conversions": null}',
    "records not a list": '{"conversions": {"id": "1"}}',
}


@pytest.fixture
def conn(trackier_conn, monkeypatch):
    """The emulator with one retry per call, so a persistent fault fails fast."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(trackier_conn.base_url, trackier_conn.api_key, max_retries=1),
    )
    return trackier_conn


def _export(context, path: Path) -> dict:
    op = TrackierFetchConversionsOperator(task_id="c", lookback=2, output_path=str(path), page_size=PAGE)
    op.hook.sleep = lambda seconds: None  # retries without waiting: the waits are tested in tests/hooks
    return op.execute(context)


@pytest.fixture
def reference(conn, context, tmp_path: Path) -> tuple[list[str], int]:
    """The export's exact lines with no fault, and how many pages it takes."""
    out = tmp_path / "reference.jsonl"
    result = _export(context, out)
    lines = out.read_text().splitlines()
    pages = len(api_calls(conn, "GET", "/v2/network/conversions"))
    assert result["rows"] == len(lines) > 5 * PAGE  # a long export: several pages
    conn.clear_requests()
    return lines, pages


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_persistent_malformed_page_fails_and_writes_nothing(conn, context, tmp_path, reference, kind) -> None:
    _, pages = reference
    for position in (0, pages // 2, pages - 1):  # first, middle and last page
        out = tmp_path / f"at-{position}.jsonl"
        conn.clear_faults()
        conn.add_fault({"kind": "replace_body", "body": MALFORMED[kind], "path": "/v2/network/conversions",
                        "skip": position})
        with pytest.raises(TrackierResponseError):
            _export(context, out)
        assert not out.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".at-{position}")] == []


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_one_malformed_page_is_retried_and_the_file_is_exact(conn, context, tmp_path, reference, kind) -> None:
    lines, pages = reference
    out = tmp_path / "retried.jsonl"
    conn.add_fault({"kind": "replace_body", "body": MALFORMED[kind], "path": "/v2/network/conversions",
                    "skip": pages // 2, "times": 1})
    result = _export(context, out)
    assert out.read_text().splitlines() == lines
    assert result["rows"] == len(lines)
    assert len(api_calls(conn, "GET", "/v2/network/conversions")) == pages + 1


def test_a_short_page_before_the_announced_total_fails(conn, context, tmp_path, reference) -> None:
    """A middle page with fewer records than a page holds, while the total says more exist."""
    lines, _ = reference
    short = json.dumps({
        "conversions": [json.loads(line) for line in lines[PAGE : PAGE + 50]],
        "pagination": {"perPage": PAGE, "currentPage": 2, "total": len(lines)},
    })
    conn.add_fault({"kind": "replace_body", "body": short, "path": "/v2/network/conversions", "skip": 1})
    out = tmp_path / "short.jsonl"
    with pytest.raises(TrackierResponseError, match=f"announced {len(lines)}"):
        _export(context, out)
    assert not out.exists()


def test_an_empty_window_is_still_a_success(conn, context, tmp_path) -> None:
    out = tmp_path / "empty.jsonl"
    result = TrackierFetchConversionsOperator(
        task_id="c", start="2001-01-01", end="2001-01-01", output_path=str(out)
    ).execute(context)
    assert result["rows"] == 0
    assert out.read_text() == ""


def test_report_answer_without_records_fails(conn, context, tmp_path) -> None:
    conn.add_fault({"kind": "replace_body", "body": '{"success": true}', "path": "/v2/reports/campaign"})
    op = TrackierFetchReportOperator(task_id="r", report="campaign", output_path=str(tmp_path / "report.jsonl"))
    op.hook.sleep = lambda seconds: None
    with pytest.raises(TrackierResponseError, match="has no 'records'"):
        op.execute(context)
    assert not (tmp_path / "report.jsonl").exists()
    assert len(api_calls(conn, "GET", "/v2/reports/campaign")) == 2  # retried once, then failed


def test_a_persistent_failure_of_a_page_in_flight_leaves_no_file(trackier_conn, context, tmp_path: Path) -> None:
    """Pages 5 and later fail every time while pages 2-4 are in flight: no file, no temporary file."""
    trackier_conn.add_fault({"kind": "status", "status": 503, "path": "/v2/network/conversions", "skip": 4})
    out = tmp_path / "conversions.jsonl"
    op = TrackierFetchConversionsOperator(
        task_id="c", lookback=2, output_path=str(out), page_size=PAGE, max_parallel_pages=4
    )
    op.hook.sleep = lambda seconds: None
    with pytest.raises(TrackierServerError):
        op.execute(context)
    assert list(tmp_path.iterdir()) == []
