"""``TrackierOperator(operation=...)`` list reads take the typed fetch operators' path: the same file, byte for
byte (raw JSON Lines), the same pages in flight, the drift summary in XCom, an outlet Asset and lineage.

Each test runs one case through both paths and compares them: a rule that holds for one and not the other
turns it red.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import connection_json
from tests.operators.conftest import RecordingTI, api_calls
from trackier_provider.api import OPERATIONS
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.schemas.validation import XCOM_KEY

CONVERSIONS = OPERATIONS["conversions.list"].path
DAY = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 23:59:59", "zone": "UTC"}


def _both(tmp_path: Path, name: str, **common: Any) -> tuple[Any, Any]:
    """The typed operator and the generic one for the same conversions of 2026-11-20 (UTC)."""
    typed = TrackierFetchConversionsOperator(task_id=f"typed_{name}", start="2026-11-20", end="2026-11-20",
                                             output_path=str(tmp_path / f"typed_{name}.jsonl"), **common)
    generic = TrackierOperator(task_id=f"generic_{name}", operation="conversions.list", query=DAY,
                               output_path=str(tmp_path / f"generic_{name}.jsonl"), **common)
    return typed, generic


def test_same_file_byte_for_byte(trackier_conn, context, tmp_path: Path) -> None:
    typed, generic = _both(tmp_path, "bytes", page_size=100)
    typed_result, generic_result = typed.execute(context), generic.execute(context)
    assert typed_result["rows"] == generic_result["rows"] > 100  # several pages
    typed_bytes = (tmp_path / "typed_bytes.jsonl").read_bytes()
    assert typed_bytes == (tmp_path / "generic_bytes.jsonl").read_bytes()
    # Raw pass-through: each line is the record exactly as the server sent it (no re-encoding, no spaces added).
    assert b'", "' not in typed_bytes and b'": ' not in typed_bytes


@pytest.mark.parametrize("parallel", [1, 4])
def test_same_pages_in_flight(trackier_conn, context, tmp_path: Path, parallel: int) -> None:
    typed, generic = _both(tmp_path, f"p{parallel}", page_size=100, max_parallel_pages=parallel)
    typed.execute(context)
    typed_pages = sorted(r["query"].get("page", ["1"])[0] for r in api_calls(trackier_conn, "GET", CONVERSIONS))
    trackier_conn.clear_requests()
    generic.execute(context)
    generic_pages = sorted(r["query"].get("page", ["1"])[0] for r in api_calls(trackier_conn, "GET", CONVERSIONS))
    assert typed_pages == generic_pages and len(generic_pages) > 2


def test_same_drift_summary(trackier_conn, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        trackier_conn.base_url, trackier_conn.api_key, validate_responses="warn"))
    trackier_conn.add_fault({"kind": "drift", "path": CONVERSIONS, "change": "as_string", "field": "payout",
                             "records": "conversions"})
    typed, generic = _both(tmp_path, "drift")
    summaries = []
    for op in (typed, generic):
        ti = RecordingTI()
        op.execute({"ti": ti, "data_interval_start": None, "data_interval_end": None})
        summaries.append(ti.xcom[XCOM_KEY])
    assert summaries[0] == summaries[1]
    assert summaries[0]["drift"] and "conversions.list" in summaries[0]["operations"]


def test_same_outlet_and_lineage(trackier_conn, context, tmp_path: Path) -> None:
    pytest.importorskip("airflow.providers.openlineage", reason="needs the openlineage extra")
    typed, generic = _both(tmp_path, "lineage")
    assert [str(getattr(a, "uri", a)) for a in typed.outlets] == [
        str(getattr(a, "uri", a)).replace("generic_", "typed_") for a in generic.outlets
    ] != []
    for op in (typed, generic):
        op.execute(context)
    typed_lineage = typed.get_openlineage_facets_on_complete(None)
    generic_lineage = generic.get_openlineage_facets_on_complete(None)
    assert [d.name for d in typed_lineage.inputs] == [d.name for d in generic_lineage.inputs] == [CONVERSIONS]
    assert [d.name.replace("typed_", "") for d in typed_lineage.outputs] == [
        d.name.replace("generic_", "") for d in generic_lineage.outputs
    ]
    assert generic_lineage.outputs[0].outputFacets["outputStatistics"].rowCount > 0


def test_the_xcom_cap_is_the_same_rule(trackier_conn, context) -> None:
    typed = TrackierFetchConversionsOperator(task_id="typed_cap", start="2026-11-20", end="2026-11-20",
                                             max_xcom_rows=5)
    generic = TrackierOperator(task_id="generic_cap", operation="conversions.list", query=DAY, max_xcom_rows=5)
    for op in (typed, generic):
        with pytest.raises(Exception, match="max_xcom_rows") as info:
            op.execute(context)
        assert "output_path" in str(info.value)


def test_same_byte_bound_on_the_pages_ahead(trackier_conn, context, tmp_path: Path, monkeypatch) -> None:
    from tests.hooks.test_parallel_pages import Watch

    # A bound below one answer's size: one page ahead at most, although 8 were allowed.
    typed, generic = _both(tmp_path, "bytes_ahead", page_size=100, max_parallel_pages=8, max_bytes_ahead=1)
    results = []
    for op in (typed, generic):
        watch = Watch(op.hook, monkeypatch)
        results.append(op.execute(context)["rows"])
        assert watch.started > 2 and watch.most_in_flight == 1
    assert results[0] == results[1] > 200
    assert (tmp_path / "typed_bytes_ahead.jsonl").read_bytes() == (tmp_path / "generic_bytes_ahead.jsonl").read_bytes()


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, 2**41, "64MB"])
def test_a_bad_byte_bound_is_refused_when_the_dag_is_parsed(tmp_path: Path, bad: Any) -> None:
    from trackier_provider.exceptions import TrackierConfigError

    for build in (lambda: _both(tmp_path, "bad", max_bytes_ahead=bad)[0],
                  lambda: TrackierOperator(task_id="g", operation="conversions.list", query=DAY,
                                           max_bytes_ahead=bad)):
        with pytest.raises(TrackierConfigError, match="max_bytes_ahead"):
            build()


def test_a_byte_bound_on_a_call_without_pages_is_refused() -> None:
    from trackier_provider.exceptions import TrackierConfigError

    with pytest.raises(TrackierConfigError, match="max_bytes_ahead"):
        TrackierOperator(task_id="g", operation="campaigns.get", path_params={"campaign_id": 1}, max_bytes_ahead=1)
