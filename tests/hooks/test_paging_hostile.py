"""The paging checks against a small hostile server on loopback: answers the emulator never gives (a server
that caps the page size below the limit asked for, ``lastId`` empty or 0, overlapping integer ids, records
without ids, malformed cursor flags). Each test kills mutants of ``hooks/pagination.py`` that the emulator's
tests left alive: a read is exact or fails, naming the endpoint.

The server is a ``ThreadingHTTPServer`` on 127.0.0.1 answering each GET with the JSON the test's function
returns for the query; it is shut down when the test ends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import connection_json
from trackier_provider.api import OPERATIONS
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierPageShiftError,
    TrackierPaginationError,
    TrackierResponseError,
)
from trackier_provider.hooks.trackier import TrackierHook

Answer = Callable[[dict[str, str]], Any]
HOURS = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 02:59:59"}


class Hostile:
    """What the server answers (``answer(query) -> JSON value``) and the queries it was sent."""

    def __init__(self) -> None:
        self.answer: Answer = lambda query: {}
        self.queries: list[dict[str, str]] = []


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hostile]:
    state = Hostile()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            state.queries.append(query)
            body = json.dumps(state.answer(query)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        f"http://127.0.0.1:{server.server_address[1]}", "hostile-key", max_retries=1))
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _records(operation: str, **kwargs: Any) -> list[Any]:
    hook = TrackierHook()
    hook.sleep = lambda seconds: None  # a malformed page is retried once: without waiting
    try:
        return list(hook.records(operation, max_parallel_pages=1, **kwargs))
    finally:
        hook.close()


def _keyset(pages: dict[str | None, dict[str, Any]]) -> Answer:
    """Campaign pages by the ``lastId`` sent (None: the first); any other ``lastId``: an empty page."""
    return lambda query: pages.get(query.get("lastId"), {"campaigns": []})


def test_a_server_that_caps_the_page_size_below_the_limit_is_read_to_its_announced_total(hostile) -> None:
    """Asked for 10 a page, the server sends 5 and says so in ``pagination.perPage``: the read follows the
    server's page size and gets all 12 records (not a "short result" after the first page)."""
    coupons = [{"id": n, "code": f"C{n}"} for n in range(1, 13)]

    def answer(query: dict[str, str]) -> Any:
        page = int(query.get("page", "1"))
        return {"coupons": coupons[(page - 1) * 5:page * 5], "pagination": {"total": 12, "perPage": 5}}

    hostile.answer = answer
    assert [c["id"] for c in _records("coupons.list", page_size=10)] == list(range(1, 13))
    assert [q.get("page", "1") for q in hostile.queries] == ["1", "2", "3"]
    assert {q["limit"] for q in hostile.queries} == {"10"}


@pytest.mark.parametrize("last", ["", 0, None], ids=["empty", "zero", "absent"])
def test_a_keyset_page_without_a_usable_last_id_continues_after_its_last_record(hostile, last) -> None:
    first = {"campaigns": [{"id": 1}, {"id": 2}]}
    if last is not None:
        first["lastId"] = last
    hostile.answer = _keyset({None: first, "2": {"campaigns": [{"id": 3}], "lastId": 3}})
    assert [c["id"] for c in _records("campaigns.list", page_size=2)] == [1, 2, 3]
    assert [q.get("lastId") for q in hostile.queries] == [None, "2", "3"]


@pytest.mark.parametrize("record", [{"name": "no id"}, {"id": ""}], ids=["no-id", "empty-id"])
def test_a_keyset_page_that_names_no_next_position_fails(hostile, record) -> None:
    """No ``lastId`` and a last record without an id: the next page cannot be asked for, so the read fails
    rather than end with what it has."""
    hostile.answer = _keyset({None: {"campaigns": [{"id": 1}, record]}, "": {"campaigns": []}})
    with pytest.raises(TrackierResponseError) as info:
        _records("campaigns.list", page_size=2)
    assert info.value.message == ("the page at lastId=None gives no lastId and its last record has no id: the page "
                                  "after it cannot be asked for")
    assert info.value.endpoint == "/v2/campaigns"


@pytest.mark.parametrize("kind", [int, str], ids=["integer-ids", "ids-in-text"])
def test_keyset_pages_that_overlap_by_id_fail(hostile, kind) -> None:
    hostile.answer = _keyset({None: {"campaigns": [{"id": kind(n)} for n in (1, 2, 3)], "lastId": kind(3)},
                              "3": {"campaigns": [{"id": kind(3)}, {"id": kind(4)}], "lastId": kind(4)}})
    with pytest.raises(TrackierResponseError) as info:
        _records("campaigns.list", page_size=3)
    assert info.value.message == (f"the page at lastId={kind(3)!r} holds id 3, not after the lastId sent: keyset "
                                  "pages overlap")
    assert info.value.endpoint == "/v2/campaigns"


def test_a_keyset_last_id_below_the_pages_own_ids_fails(hostile) -> None:
    hostile.answer = _keyset({None: {"campaigns": [{"id": 5}, {"id": 6}], "lastId": 4}})
    with pytest.raises(TrackierResponseError, match="answers lastId 4, below its own id 6") as info:
        _records("campaigns.list", page_size=2)
    assert info.value.endpoint == "/v2/campaigns"


@pytest.mark.parametrize(("page", "problem"), [
    ({"clicks": [{"id": "a"}]}, "has no 'hasNextPage'"),
    ({"clicks": [{"id": "a"}], "hasNextPage": "yes"}, "has hasNextPage='yes', not true or false"),
    ({"clicks": [{"id": "a"}], "hasNextPage": None}, "has no 'hasNextPage'"),
    ({"clicks": [{"id": "a"}], "hasNextPage": True}, "says more pages follow but gives no nextPageToken (None)"),
    ({"clicks": [{"id": "a"}], "hasNextPage": False, "nextPageToken": "t2"},
     "gives a nextPageToken but says no more pages follow"),
    ({"clicks": [], "hasNextPage": True, "nextPageToken": "t2"}, "is empty but says more pages follow"),
], ids=["absent", "text", "null", "no-token", "token-without-flag", "empty-with-more"])
def test_a_malformed_cursor_page_fails_naming_the_endpoint(hostile, page, problem) -> None:
    hostile.answer = lambda query: page
    with pytest.raises(TrackierResponseError) as info:
        _records("clicks.list", query=HOURS, page_size=100)
    assert info.value.message == f"the page at pageToken=None {problem}"
    assert info.value.endpoint == "/v2/reports/clicks" and info.value.status == 200
    assert len(hostile.queries) == 2  # retried once, as a transient fault would be, then failed


def test_a_cursor_handed_back_twice_fails(hostile) -> None:
    pages = {None: {"clicks": [{"id": "a"}], "hasNextPage": True, "nextPageToken": "t1"},
             "t1": {"clicks": [{"id": "b"}], "hasNextPage": True, "nextPageToken": "t1"}}
    hostile.answer = lambda query: pages[query.get("pageToken")]
    with pytest.raises(TrackierPaginationError, match="pageToken='t1' a second time"):
        _records("clicks.list", query=HOURS, page_size=100)


def _pages_of(records: list[Any], *, size: int, total: Any, per_page: bool = True) -> Answer:
    """Coupon pages of ``size`` records by ``page``, announcing ``total`` (and ``perPage`` unless told not)."""

    def answer(query: dict[str, str]) -> Any:
        page = int(query.get("page", "1"))
        pagination = {"total": total, **({"perPage": size} if per_page else {})}
        return {"coupons": records[(page - 1) * size:page * size], "pagination": pagination}

    return answer


@pytest.mark.parametrize("total", [-1, "-1", "012", "+2", " 2x"])
def test_a_total_that_is_not_a_plain_whole_number_fails(hostile, total) -> None:
    hostile.answer = _pages_of([{"id": 1}, {"id": 2}], size=5, total=total)
    with pytest.raises(TrackierResponseError) as info:
        _records("coupons.list", page_size=5)
    assert info.value.message == "the answer has no record count at 'pagination.total'"
    assert info.value.endpoint == "/v2/coupons"


def test_a_page_numbered_list_without_per_page_stops_after_its_last_page(hostile) -> None:
    """The requested limit is the page size when the answer does not announce one: 12 records in pages of 5
    take three requests, not a fourth after the short last page."""
    hostile.answer = _pages_of([{"id": n} for n in range(12)], size=5, total=12, per_page=False)
    assert len(_records("coupons.list", page_size=5)) == 12
    assert [q.get("page", "1") for q in hostile.queries] == ["1", "2", "3"]


def test_records_without_ids_are_told_apart_by_their_content(hostile) -> None:
    records = [{"code": c} for c in "ABCD"]
    hostile.answer = _pages_of(records, size=2, total=4)
    assert _records("coupons.list", page_size=2) == records


@pytest.mark.parametrize(("second", "error", "message"), [
    ([{"n": 1, "code": "A"}, {"n": 2, "code": "B"}], TrackierPaginationError, "answered the same page twice"),
    ([{"id": 1, "v": "b"}, {"id": 2, "v": "b"}], TrackierPaginationError, "answered the same page twice"),
    ([{"id": 3}, {"id": 2}], TrackierPageShiftError, r"1 record\(s\) of the page at page=2 were already read"),
    ([{"id": 1}, {"id": 3}], TrackierPageShiftError, r"1 record\(s\) of the page at page=2 were already read"),
], ids=["same-records-keys-reordered", "same-ids-changed-fields", "same-last-record", "same-first-record"])
def test_a_page_served_again_is_told_from_a_shifted_one(hostile, second, error, message) -> None:
    """A page answered twice is recognised by its first and last records (their ids, else their content in
    any key order) even when their other fields changed; a page sharing only one record with the one before
    it is a shift."""
    first = [{"code": "A", "n": 1}, {"code": "B", "n": 2}] if "code" in second[0] else [{"id": 1}, {"id": 2}]
    hostile.answer = lambda query: {"coupons": second if query.get("page") == "2" else first,
                                    "pagination": {"total": 4, "perPage": 2}}
    with pytest.raises(error, match=message) as info:
        _records("coupons.list", page_size=2)
    assert type(info.value) is error


def test_a_keyset_last_id_is_followed_as_the_server_gave_it(hostile) -> None:
    """The ``lastId`` answered is the position asked for next, even when it is not the last record's id."""
    hostile.answer = _keyset({None: {"campaigns": [{"id": 1}, {"id": 2}], "lastId": 10},
                              "10": {"campaigns": [{"id": 11}], "lastId": 11}})
    assert [c["id"] for c in _records("campaigns.list", page_size=2)] == [1, 2, 11]
    assert [q.get("lastId") for q in hostile.queries] == [None, "10", "11"]


def test_a_page_size_out_of_range_names_the_list_before_any_request(hostile) -> None:
    with pytest.raises(TrackierConfigError, match=r"20000 is outside 100\.\.10000 for /v2/network/conversions"):
        _records("conversions.list", query={"start": "2026-11-20", "end": "2026-11-20"}, page_size=20000)
    assert hostile.queries == []


def test_a_start_page_without_a_page_size_names_the_list_before_any_request(hostile) -> None:
    """A list with no default page size cannot count the records a start page skips."""
    with pytest.raises(TrackierConfigError, match="starting at page 2 of /v2/invoices needs a page size"):
        _records("invoices.list", query={"page": 2, "start": "2026-11-01", "end": "2026-11-20"})
    assert hostile.queries == []


def test_a_read_from_a_start_page_is_still_counted(hostile) -> None:
    """From page 2 of 12 records in pages of 5, the read owes the 7 after the 5 it skips: a page 3 that comes
    back empty fails the read."""
    records = [{"id": n} for n in range(12)]

    def answer(query: dict[str, str]) -> Any:
        page = int(query.get("page", "1"))
        return {"coupons": records[5:10] if page == 2 else [], "pagination": {"total": 12, "perPage": 5}}

    hostile.answer = answer
    shortfall = r"ended after 5 records .* announced 12 \(5 of them before page 2\)"
    with pytest.raises(TrackierResponseError, match=shortfall):
        _records("coupons.list", query={"page": 2}, page_size=5)


def test_a_cursor_handed_back_twice_fails_even_with_new_records(hostile) -> None:
    """The repeat is seen by the cursor itself, not only by repeated records."""
    served = iter([["b"], ["c"], ["d"]])

    def answer(query: dict[str, str]) -> Any:
        if query.get("pageToken") is None:
            return {"clicks": [{"id": "a"}], "hasNextPage": True, "nextPageToken": "t1"}
        ids = next(served, [])
        token = {"nextPageToken": "t1"} if ids else {}
        return {"clicks": [{"id": i} for i in ids], "hasNextPage": bool(ids), **token}

    hostile.answer = answer
    with pytest.raises(TrackierPaginationError, match="pageToken='t1' a second time"):
        _records("clicks.list", query=HOURS, page_size=100)
    assert [q.get("pageToken") for q in hostile.queries] == [None, "t1"]


def _coupons(pages: dict[str, list[Any]], total: int) -> Answer:
    return lambda query: {"coupons": pages.get(query.get("page", "1"), []),
                          "pagination": {"total": total, "perPage": 2}}


@pytest.mark.parametrize(("operation", "answer", "error", "message"), [
    ("coupons.list", lambda query: [], TrackierResponseError,
     "expected a JSON object holding 'coupons', got list"),
    ("coupons.list", _coupons({"1": [{"id": 1}, {"id": 1}]}, 2), TrackierResponseError,
     "a record appears twice in one page (page=None)"),
    ("coupons.list", _coupons({"1": [{"id": 1}, {"id": 2}], "2": [{"id": 1}, {"id": 2}]}, 4),
     TrackierPaginationError, "/v2/coupons answered the same page twice (page=2); stopping instead of looping "
     "forever. The server may be ignoring the paging parameter."),
    ("coupons.list", _coupons({"1": [{"id": 1}, {"id": 2}], "2": [{"id": 2}, {"id": 3}, {"id": 1}]}, 5),
     TrackierPageShiftError, "/v2/coupons: 2 record(s) of the page at page=2 were already read: the list moved "
     "under the read (records inserted before the read position, or moved there)"),
    ("incent_offers.list", lambda query: {"campaigns": {"1": [{"id": 1}, {"id": 2}], "2": [{"id": 3}]}.get(
        query.get("page", "1"), [{"id": 4}])}, TrackierPageShiftError,
     "/v2/offers/incent: the page before page=3 was short (1 of 2 records) although more records follow: "
     "records are missing from it, or the list moved under the read"),
    ("coupons.list", _coupons({"1": [{"id": 1}, {"id": 2}]}, 3), TrackierResponseError,
     "the list ended after 2 records (page=2) but the server announced 3; refusing to deliver a short result"),
    ("coupons.list", _coupons({"1": [{"id": 1}, {"id": 2}], "2": [{"id": 3}, {"id": 4}]}, 3), TrackierResponseError,
     "the list holds 4 records at its last page (page=2) but the server announced 3; refusing to deliver "
     "records the total does not account for"),
    ("coupons.list", lambda query: {"coupons": [{"id": int(query.get("page", "1"))}] * (query.get("page") != "3"),
                                    "pagination": {"total": 6 if query.get("page") is None else 1, "perPage": 1}},
     TrackierPageShiftError, "/v2/coupons: the list shrank from 6 to 1 records while it was read (page=2): "
     "records after the deleted ones moved back a page"),
], ids=["not-an-object", "record-twice-in-a-page", "same-page-twice", "shifted", "short-middle-page", "short-result",
        "more-than-the-total", "shrank"])
def test_each_paging_failure_says_what_and_where(hostile, operation, answer, error, message) -> None:
    hostile.answer = answer
    query = {"pubId": 7, "source": "s1"} if operation == "incent_offers.list" else None
    with pytest.raises(error) as info:
        _records(operation, query=query, page_size=2)
    assert type(info.value) is error
    if isinstance(info.value, TrackierResponseError):
        assert (info.value.message, info.value.endpoint) == (message, OPERATIONS[operation].path)
    else:
        assert str(info.value) == message


@pytest.mark.parametrize(("per_page", "size", "served"), [(True, 10, 5), (False, 5, 5)],
                         ids=["server-caps-the-page", "no-per-page"])
def test_a_read_from_a_start_page_counts_the_records_it_skips_by_the_page_size(hostile, per_page, size, served) -> None:
    """12 records, pages of 5 (announced, or the limit asked for): from page 2 the read owes exactly 7."""
    hostile.answer = _pages_of([{"id": n} for n in range(12)], size=served, total=12, per_page=per_page)
    assert [r["id"] for r in _records("coupons.list", query={"page": 2}, page_size=size)] == list(range(5, 12))


def test_a_list_without_a_default_page_size_is_read_to_its_total(hostile) -> None:
    hostile.answer = lambda query: {"invoices": [{"id": 1}, {"id": 2}], "pagination": {"total": 2}}
    invoices = _records("invoices.list", query={"start": "2026-11-01", "end": "2026-11-20"})
    assert [i["id"] for i in invoices] == [1, 2]
    assert len(hostile.queries) == 1


def test_a_short_last_page_without_per_page_fails(hostile) -> None:
    """12 announced, pages of the 5 asked for, and the third page holds 1: the read fails, not delivers 11."""
    hostile.answer = _pages_of([{"id": n} for n in range(11)], size=5, total=12, per_page=False)
    with pytest.raises(TrackierResponseError, match="ended after 11 records"):
        _records("coupons.list", page_size=5)


def test_a_keyset_list_that_ends_one_short_of_its_total_fails(hostile) -> None:
    pages = {None: {"publishers": [{"id": 1}, {"id": 2}], "pagination": {"totalCount": 4}},
             "2": {"publishers": [{"id": 3}], "pagination": {"totalCount": 4}}}
    hostile.answer = lambda query: pages.get(query.get("lastId"), {"publishers": [], "pagination": {"totalCount": 4}})
    with pytest.raises(TrackierResponseError) as info:
        _records("publishers.list", page_size=2)
    assert info.value.message == ("the list ended after 3 records (lastId=3) but the server announced 4; "
                                  "refusing to deliver a short result")


@pytest.mark.parametrize(("body", "problem"), [
    (None, "expected a JSON object holding 'coupons', got null"),
    ({}, "the answer has no 'coupons' (keys: none)"),
    ({"items": [], "count": 0}, "the answer has no 'coupons' (keys: items, count)"),
    ({"coupons": None}, "expected a list under 'coupons', got null"),
    ({"coupons": {"id": 1}}, "expected a list under 'coupons', got dict"),
], ids=["null", "empty-object", "other-keys", "records-null", "records-object"])
def test_an_answer_without_its_records_says_what_it_holds(hostile, body, problem) -> None:
    hostile.answer = lambda query: body
    with pytest.raises(TrackierResponseError) as info:
        _records("coupons.list", page_size=2)
    assert (info.value.message, info.value.endpoint) == (problem, "/v2/coupons")


def test_records_under_a_dotted_key_are_read_to_the_empty_page(hostile) -> None:
    pages = {"1": [{"id": 1}, {"id": 2}], "2": [{"id": 3}]}
    hostile.answer = lambda query: {"data": {"changedCampaigns": pages.get(query.get("page", "1"), [])}}
    assert [c["id"] for c in _records("campaigns.timelines.list", page_size=2)] == [1, 2, 3]
    assert [q.get("page", "1") for q in hostile.queries] == ["1", "2", "3"]


def test_a_cursor_handed_back_twice_says_so_whole(hostile) -> None:
    served = iter([["b"], ["c"]])
    hostile.answer = lambda query: (
        {"clicks": [{"id": "a"}], "hasNextPage": True, "nextPageToken": "t1"} if query.get("pageToken") is None
        else {"clicks": [{"id": i} for i in next(served, ["z"])], "hasNextPage": True, "nextPageToken": "t1"})
    with pytest.raises(TrackierPaginationError) as info:
        _records("clicks.list", query=HOURS, page_size=100)
    assert str(info.value) == ("/v2/reports/clicks handed back pageToken='t1' a second time; stopping instead of "
                               "looping forever.")
