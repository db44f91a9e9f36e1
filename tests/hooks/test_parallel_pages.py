"""Pages fetched while earlier ones are consumed: in order, every row exactly once, bounded, and strictly
sequential with ``max_parallel_pages=1`` (not timed: counts and orders, over HTTP against the emulator)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from trackier_provider.api import OPERATIONS
from trackier_provider.hooks import trackier as trackier_hook_module
from trackier_provider.hooks.trackier import TrackierHook

CONVERSIONS_PATH = OPERATIONS["conversions.list"].path

DAY = {"start": "2026-11-14 00:00:00", "end": "2026-11-20 23:59:59"}  # a week: about 35 pages of 100
PAGE = 100


def _ids(records) -> list:
    return [r["id"] for r in records]


class Watch:
    """Counts page requests (synchronous requests and requests handed to the page pool), requests in flight at
    once, and at each page handed to the consumer how many requests were begun beyond the pages consumed."""

    def __init__(self, hook: TrackierHook, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.ahead: list[int] = []
        self._lock = threading.Lock()
        self._hook = hook
        monkeypatch.setattr(hook, "_request", self._timed(hook._request, begun=True))
        monkeypatch.setattr(hook, "_get_once", self._timed(hook._get_once, begun=False))
        watch = self

        class CountingPool(ThreadPoolExecutor):
            def submit(self, *args, **kwargs):
                with watch._lock:
                    watch.started += 1  # counted when handed over, not when a worker gets to it
                return super().submit(*args, **kwargs)

        monkeypatch.setattr(trackier_hook_module, "ThreadPoolExecutor", CountingPool)

    def _timed(self, real, *, begun: bool):
        def call(*args, **kwargs):
            with self._lock:
                self.started += begun
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                return real(*args, **kwargs)
            finally:
                with self._lock:
                    self.in_flight -= 1

        return call

    def pages(self, paging, params, **kwargs):
        consumed = 0
        for page in self._hook.pages(paging, query=params, **kwargs):
            consumed += 1
            with self._lock:
                self.ahead.append(self.started - consumed)
            yield page


def test_parallel_pages_are_yielded_in_order_exactly_once(hook, trackier_conn):
    sequential = [_ids(p) for p in hook.pages("conversions.list", query=DAY, page_size=PAGE, max_parallel_pages=1)]
    trackier_conn.clear_requests()
    parallel = [_ids(p) for p in hook.pages("conversions.list", query=DAY, page_size=PAGE, max_parallel_pages=4)]
    assert parallel == sequential and len(parallel) > 8
    flat = [i for page in parallel for i in page]
    assert len(flat) == len(set(flat))
    assert len(trackier_conn.requests) == len(sequential)  # no page requested twice


def test_order_holds_when_the_server_finishes_a_later_page_first(hook, trackier_conn):
    expected = [_ids(p) for p in hook.pages("conversions.list", query=DAY, page_size=PAGE, max_parallel_pages=1)]
    # Page 2 is answered late, so pages 3-5 (requested with it) complete before it.
    trackier_conn.add_fault({"kind": "latency", "seconds": 0.3, "path": CONVERSIONS_PATH, "skip": 1, "times": 1})
    got = [_ids(p) for p in hook.pages("conversions.list", query=DAY, page_size=PAGE, max_parallel_pages=4)]
    assert got == expected


def test_a_transient_failure_of_a_page_in_flight_is_fetched_again(hook, trackier_conn, sleeps):
    expected = [_ids(p) for p in hook.pages("conversions.list", query=DAY, page_size=PAGE, max_parallel_pages=1)]
    trackier_conn.clear_requests()
    trackier_conn.add_fault({"kind": "status", "status": 503, "path": CONVERSIONS_PATH, "skip": 3, "times": 1})
    got = [_ids(p) for p in hook.pages("conversions.list", query=DAY, page_size=PAGE, max_parallel_pages=4)]
    assert got == expected
    assert len(trackier_conn.requests) == len(expected) + 1
    assert len(sleeps.waits) == 1  # the retry waited as the policy says, once


def test_one_page_at_a_time_is_strictly_sequential(hook, trackier_conn, monkeypatch):
    watch = Watch(hook, monkeypatch)
    pages = list(watch.pages("conversions.list", DAY, page_size=PAGE, max_parallel_pages=1))
    assert len(pages) > 8
    assert watch.most_in_flight == 1
    assert set(watch.ahead) == {0}  # the next page is requested only after this one was consumed


@pytest.mark.parametrize("depth", [2, 4, 7])
def test_pages_ahead_never_exceed_the_bound(hook, trackier_conn, monkeypatch, depth):
    watch = Watch(hook, monkeypatch)
    pages = list(watch.pages("conversions.list", DAY, page_size=PAGE, max_parallel_pages=depth))
    assert len(pages) > depth * 2
    assert max(watch.ahead) == depth  # the bound is reached (pages really are fetched ahead) ...
    assert all(ahead <= depth for ahead in watch.ahead)  # ... and never passed


def test_pages_ahead_are_bounded_by_bytes(hook, trackier_conn, monkeypatch):
    import requests

    # The size of one answer, measured over HTTP like the hook reads it.
    one = requests.get(hook.url(CONVERSIONS_PATH), params={**DAY, "limit": PAGE, "page": 2}, headers=hook.headers())
    page_bytes = len(one.content)
    watch = Watch(hook, monkeypatch)
    bound = int(page_bytes * 2.5)  # room for two pages ahead, not three
    pages = list(watch.pages("conversions.list", DAY, page_size=PAGE, max_parallel_pages=8, max_bytes_ahead=bound))
    assert len(pages) > 8
    assert max(watch.ahead) == 2  # two pages' bytes ahead, although 8 pages were allowed ...
    assert watch.most_in_flight <= 2  # ... and never more requests at once
    flat = [i for page in pages for i in _ids(page)]
    assert len(flat) == len(set(flat))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, 2**41])
def test_max_bytes_ahead_is_checked_before_any_request(hook, trackier_conn, bad):
    from trackier_provider.exceptions import TrackierConfigError

    with pytest.raises(TrackierConfigError, match="max_bytes_ahead"):
        next(hook.pages("conversions.list", query=DAY, max_bytes_ahead=bad))
    assert trackier_conn.requests == []


HOURS = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 02:59:59"}


@pytest.mark.parametrize(("paging", "params", "size"), [("campaigns.list", {}, 5), ("clicks.list", HOURS, 100)])
def test_keyset_and_cursor_lists_look_one_page_ahead(hook, trackier_conn, monkeypatch, paging, params, size):
    expected = [p for p in hook.pages(paging, query=params, page_size=size, max_parallel_pages=1)]
    watch = Watch(hook, monkeypatch)
    got = list(watch.pages(paging, params, page_size=size, max_parallel_pages=4))
    assert got == expected and len(got) > 3
    assert max(watch.ahead) == 1 and all(ahead <= 1 for ahead in watch.ahead)


@pytest.mark.parametrize("bad", [0, -1, 17, 2.5, True, "4"])
def test_max_parallel_pages_is_checked_before_any_request(hook, trackier_conn, bad):
    from trackier_provider.exceptions import TrackierConfigError

    with pytest.raises(TrackierConfigError, match="max_parallel_pages"):
        next(hook.pages("conversions.list", query=DAY, max_parallel_pages=bad))
    assert trackier_conn.requests == []
