"""Coupons: page-paged listing with filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.operators.coupons import TrackierFetchCouponsOperator


def test_all_pages(trackier_conn, context) -> None:
    coupons = TrackierFetchCouponsOperator(task_id="c", page_size=6).execute(context)
    assert len(coupons) == 20 and len({c["code"] for c in coupons}) == 20
    pages = [r["query"].get("page", ["1"])[0] for r in api_calls(trackier_conn, "GET", "/v2/coupons")]
    assert sorted(pages) == ["1", "2", "3", "4"]  # pages 2-4 are fetched concurrently, in any order


def test_filters(trackier_conn, context) -> None:
    coupons = TrackierFetchCouponsOperator(task_id="c", status="active", campaign_ids="1,2").execute(context)
    assert all(c["status"] == "active" and c["campaignId"] in ("1", "2") for c in coupons)
    query = api_calls(trackier_conn, "GET", "/v2/coupons")[0]["query"]
    assert query["filters[campaignIds][]"] == ["1", "2"] and query["filters[status]"] == ["active"]


def test_jsonl_gzip_output(trackier_conn, context, tmp_path: Path) -> None:
    result = TrackierFetchCouponsOperator(task_id="c", output_path=str(tmp_path / "c.jsonl.gz")).execute(context)
    assert result["rows"] == 20
    assert (tmp_path / "c.jsonl.gz").read_bytes()[:2] == b"\x1f\x8b"


def test_bad_status(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="status"):
        TrackierFetchCouponsOperator(task_id="c", status="live").execute(context)
    assert trackier_conn.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"campaign_ids": [None]}, "campaign_ids[0]"), ({"publisher_ids": [1, True]}, "publisher_ids[1]"),
     ({"status": 0}, "status"), ({"filters": {"code": float("nan")}}, "filters.code")],
)
def test_bad_filters_before_any_request(trackier_conn, context, kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchCouponsOperator(task_id="c", **kwargs).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []
