"""Each pagination scheme, over HTTP against the emulator: every record exactly once, loops detected."""

from __future__ import annotations

import itertools

import pytest

from trackier_provider.api import OPERATIONS
from trackier_provider.exceptions import TrackierConfigError, TrackierPaginationError

DAY = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 23:59:59"}
HOURS = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 02:59:59"}


def ids(records) -> list:
    return [r.get("id", r.get("_id")) for r in records]


@pytest.mark.parametrize(
    ("paging", "params", "small", "big"),
    [
        ("campaigns.list", {}, 7, 1000),
        ("publishers.list", {}, 4, 1000),
        ("advertisers.list", {}, 3, 1000),
        ("conversions.list", DAY, 100, 10000),
        ("coupons.list", {}, 6, 1000),
        ("clicks.list", HOURS, 100, 5000),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_every_record_exactly_once(hook, trackier_conn, paging, params, small, big):
    truth = ids(next(hook.pages(paging, query=params, page_size=big)))
    assert len(truth) > small * 2, "the emulator should hold several small pages of data"
    paged = ids(hook.records(paging, query=params, page_size=small))
    assert len(paged) == len(set(paged)), "a record was yielded twice"
    assert sorted(map(str, paged)) == sorted(map(str, truth))
    pages = [r for r in trackier_conn.requests if r["path"] == OPERATIONS[paging].path]
    assert len(pages) >= len(truth) // small


@pytest.mark.parametrize(
    ("paging", "params"),
    [("campaigns.list", {}), ("conversions.list", DAY), ("clicks.list", HOURS)],
    ids=["keyset", "page", "cursor"],
)
def test_repeating_page_is_detected(hook, trackier_conn, paging, params):
    trackier_conn.add_fault({"kind": "repeat_page", "path": OPERATIONS[paging].path})
    size = 100 if OPERATIONS[paging].pages.min_limit else 5
    with pytest.raises(TrackierPaginationError, match=r"same page twice|second time"):
        for _ in hook.records(paging, query=params, page_size=size, max_parallel_pages=1):
            pass
    assert len([r for r in trackier_conn.requests if r["path"] == OPERATIONS[paging].path]) <= 3


def test_repeating_page_is_detected_with_pages_in_flight(hook, trackier_conn):
    trackier_conn.add_fault({"kind": "repeat_page", "path": OPERATIONS["conversions.list"].path})
    with pytest.raises(TrackierPaginationError, match="same page twice"):
        for _ in hook.records("conversions.list", query=DAY, page_size=100, max_parallel_pages=4):
            pass
    assert len([r for r in trackier_conn.requests if r["path"] == OPERATIONS["conversions.list"].path]) <= 2 + 4


def test_streams_page_by_page(hook, trackier_conn):
    records = hook.records("conversions.list", query=DAY, page_size=100, max_parallel_pages=1)
    first = list(itertools.islice(records, 150))
    assert len(first) == 150
    assert len([r for r in trackier_conn.requests if r["path"] == OPERATIONS["conversions.list"].path]) == 2


def test_page_size_checked_before_any_request(hook, trackier_conn):
    with pytest.raises(TrackierConfigError, match="page_size"):
        list(hook.records("conversions.list", query=DAY, page_size=20000))
    assert trackier_conn.requests == []


def test_filters_are_sent_php_style(hook, trackier_conn):
    list(hook.records("campaigns.list", query={"filters": {"status": "active"}}, page_size=1000))
    query = trackier_conn.requests[0]["query"]
    assert query["filters[status]"] == ["active"]
    assert query["limit"] == ["1000"]
