"""Each pagination scheme, over HTTP against the emulator: every record exactly once, loops detected."""

from __future__ import annotations

import itertools

import pytest

from trackier_provider.exceptions import TrackierConfigError, TrackierPaginationError
from trackier_provider.hooks.pagination import ADVERTISERS, CAMPAIGNS, CLICKS, CONVERSIONS, COUPONS, PUBLISHERS, Paging

DAY = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 23:59:59"}
HOURS = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 02:59:59"}


def ids(records) -> list:
    return [r.get("id", r.get("_id")) for r in records]


@pytest.mark.parametrize(
    ("paging", "params", "small", "big"),
    [
        (CAMPAIGNS, {}, 7, 1000),
        (PUBLISHERS, {}, 4, 1000),
        (ADVERTISERS, {}, 3, 1000),
        (CONVERSIONS, DAY, 100, 10000),
        (COUPONS, {}, 6, 1000),
        (CLICKS, HOURS, 100, 5000),
    ],
    ids=lambda v: v.path if isinstance(v, Paging) else None,
)
def test_every_record_exactly_once(hook, trackier_conn, paging, params, small, big):
    truth = ids(next(hook.iter_pages(paging, params, page_size=big)))
    assert len(truth) > small * 2, "the emulator should hold several small pages of data"
    paged = ids(hook.paginate(paging, params, page_size=small))
    assert len(paged) == len(set(paged)), "a record was yielded twice"
    assert sorted(map(str, paged)) == sorted(map(str, truth))
    pages = [r for r in trackier_conn.requests if r["path"] == paging.path]
    assert len(pages) >= len(truth) // small


@pytest.mark.parametrize(
    ("paging", "params"), [(CAMPAIGNS, {}), (CONVERSIONS, DAY), (CLICKS, HOURS)], ids=["keyset", "page", "cursor"]
)
def test_repeating_page_is_detected(hook, trackier_conn, paging, params):
    trackier_conn.add_fault({"kind": "repeat_page", "path": paging.path})
    with pytest.raises(TrackierPaginationError, match=r"same page twice|second time"):
        for _ in hook.paginate(paging, params, page_size=100 if paging.min_limit else 5, max_parallel_pages=1):
            pass
    assert len([r for r in trackier_conn.requests if r["path"] == paging.path]) <= 3


def test_repeating_page_is_detected_with_pages_in_flight(hook, trackier_conn):
    trackier_conn.add_fault({"kind": "repeat_page", "path": CONVERSIONS.path})
    with pytest.raises(TrackierPaginationError, match="same page twice"):
        for _ in hook.paginate(CONVERSIONS, DAY, page_size=100, max_parallel_pages=4):
            pass
    assert len([r for r in trackier_conn.requests if r["path"] == CONVERSIONS.path]) <= 2 + 4


def test_streams_page_by_page(hook, trackier_conn):
    records = hook.paginate(CONVERSIONS, DAY, page_size=100, max_parallel_pages=1)
    first = list(itertools.islice(records, 150))
    assert len(first) == 150
    assert len([r for r in trackier_conn.requests if r["path"] == CONVERSIONS.path]) == 2


def test_page_size_checked_before_any_request(hook, trackier_conn):
    with pytest.raises(TrackierConfigError, match="page_size"):
        list(hook.paginate(CONVERSIONS, DAY, page_size=20000))
    assert trackier_conn.requests == []


def test_filters_are_sent_php_style(hook, trackier_conn):
    list(hook.paginate(CAMPAIGNS, {"filters": {"status": "active"}}, page_size=1000))
    query = trackier_conn.requests[0]["query"]
    assert query["filters[status]"] == ["active"]
    assert query["limit"] == ["1000"]
