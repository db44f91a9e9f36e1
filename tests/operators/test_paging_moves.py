"""Issue cases of lists that move or lie under an export, each over HTTP against the emulator: the export
is exact (every record that existed throughout, once) or it fails and writes nothing.

The list is moved between two page requests by ``tests.moving_lists.Mover`` (a change run on the emulator's
server thread before the N-th request to the list is answered); malformed pages come from the emulator's
``replace_body`` and ``drift`` faults.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.moving_lists import LISTS, Mover, _new_coupon, export, exported_ids, truth
from trackier_provider.api.catalogue import OPERATIONS
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierPaginationError,
    TrackierResponseError,
)
from trackier_provider.hooks.pagination import record_id
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator

CLICKS = OPERATIONS["clicks.list"]
CONVERSIONS = OPERATIONS["conversions.list"]
COUPONS = OPERATIONS["coupons.list"]
INCENT_OFFERS = OPERATIONS["incent_offers.list"]
PUBLISHERS = OPERATIONS["publishers.list"]


@pytest.fixture
def hook(trackier_conn):
    """A hook on the emulator whose retry waits are skipped (the waits are tested in tests/hooks)."""
    made = TrackierHook()
    made.sleep = lambda seconds: None
    yield made
    made.close()


def _pages(emulator, path: str) -> int:
    return len([r for r in emulator.requests if r["path"] == path])


def _exact(ids: list, before: list, after: list) -> None:
    """The invariant: no record twice; every record present before and after, once; nothing never listed."""
    assert len(ids) == len(set(ids)), "a record was written twice"
    assert set(before) & set(after) <= set(ids), "a record that existed throughout is missing"
    assert set(ids) <= set(before) | set(after), "a record that never existed was written"


# ------------------------------------------------------------------------------ cursor truncation
def _click_window(emulator) -> dict:
    return LISTS["cursor"].query(emulator)


CURSOR_LIES = {
    # a page without hasNextPage (Trackier's answer always carries it): was "1,000 of 2,036 rows"
    "no hasNextPage": {"kind": "drift", "change": "remove", "field": "hasNextPage"},
    # hasNextPage true and the token left out
    "no nextPageToken": {"kind": "drift", "change": "remove", "field": "nextPageToken"},
    # an empty page that says more follow: was "500 rows"
    "empty page, more follow": {"kind": "replace_body", "body": '{"clicks": [], "hasNextPage": true, '
                                                                 '"nextPageToken": "eyJ9"}'},
    # a next flag with a null token: was "200 of 1,000"
    "flag, null token": {"kind": "replace_body", "body": '{"clicks": [{"id": "x1"}], "hasNextPage": true, '
                                                          '"nextPageToken": null}'},
    # a next flag with a token that is not text
    "flag, numeric token": {"kind": "replace_body", "body": '{"clicks": [{"id": "x3"}], "hasNextPage": true, '
                                                             '"nextPageToken": 7}'},
    # a token without a flag
    "token, no flag": {"kind": "replace_body", "body": '{"clicks": [{"id": "x2"}], "hasNextPage": false, '
                                                        '"nextPageToken": "eyJ9"}'},
}


@pytest.mark.parametrize("lie", sorted(CURSOR_LIES))
@pytest.mark.parametrize("parallel", [1, 4])
def test_a_cursor_page_that_contradicts_itself_fails_and_writes_nothing(trackier_conn, hook, tmp_path, lie,
                                                                       parallel):
    query = _click_window(trackier_conn)
    rows = truth(hook, LISTS["cursor"], query)
    assert len(rows) > 3 * LISTS["cursor"].page_size  # several pages
    trackier_conn.add_fault({**CURSOR_LIES[lie], "path": CLICKS.path, "skip": 2})  # the third page, every time
    out = tmp_path / "clicks.jsonl"
    with pytest.raises(TrackierResponseError, match=r"hasNextPage|nextPageToken|more pages follow"):
        export(hook, LISTS["cursor"], query, out, parallel=parallel)
    assert list(tmp_path.iterdir()) == []


def test_a_cursor_page_that_contradicts_itself_once_is_fetched_again(trackier_conn, hook, tmp_path):
    query = _click_window(trackier_conn)
    rows = truth(hook, LISTS["cursor"], query)
    trackier_conn.add_fault({**CURSOR_LIES["no hasNextPage"], "path": CLICKS.path, "skip": 2, "times": 1})
    out = tmp_path / "clicks.jsonl"
    assert export(hook, LISTS["cursor"], query, out, parallel=4) == len(rows)
    assert exported_ids(out) == rows


# ------------------------------------------------------------------------------ a growing total, parallel
class _GrowsWhilePage2IsInFlight:
    """Conversions grow by about 100 (the clock runs 4.8 hours) before page 2 is answered, while page 3 is
    answered from before the growth (as when it completes first), whatever order the two arrive in."""

    GROWTH = 4.8 * 3600

    def __init__(self, emulator) -> None:
        self.clock = emulator.app.clock
        self.base = self.clock.offset
        self.answered: list[str] = []
        emulator.app.before_answer.append(self)

    def __call__(self, method: str, path: str, query: dict) -> None:
        if path != CONVERSIONS.path:
            return
        page = query.get("page", ["1"])[0]
        stale = page in ("1", "3") and page not in self.answered
        self.answered.append(page)
        self.clock.advance(self.base + (0 if stale else self.GROWTH) - self.clock.offset)


@pytest.mark.parametrize("parallel", [1, 4])
def test_pages_in_flight_follow_a_total_that_grows(trackier_conn, hook, tmp_path, parallel):
    """Conversions grow (about 250 -> 350) while page 2 is in flight and page 3 still says 250: all of them
    are written, as sequentially (this wrote 250 rows with 4 pages in flight)."""
    moving = LISTS["page-growing"]
    query = {**moving.query(trackier_conn), "start": _ago(trackier_conn, hours=12)}
    before = truth(hook, moving, query)
    growth = _GrowsWhilePage2IsInFlight(trackier_conn)
    out = tmp_path / "conversions.jsonl"
    rows = export(hook, moving, query, out, parallel=parallel)
    # page 3's first answer predated the growth: it was fetched again (parallel) or the read restarted
    assert growth.answered.count("3") >= 2 and "4" in growth.answered
    after = truth(hook, moving, query)
    assert 200 < len(before) < 300 and len(after) > len(before) + 80
    ids = exported_ids(out)
    assert rows == len(ids) == len(after)
    _exact(ids, before, after)


def _ago(emulator, *, hours: float) -> str:
    import datetime as dt

    return (emulator.now() - dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------------------ page shifts
@pytest.mark.parametrize("parallel", [1, 4])
def test_an_insert_at_the_front_mid_export_is_caught_and_the_export_is_exact(trackier_conn, hook, tmp_path,
                                                                            parallel):
    """Coupons are listed newest first: one created before page 2 shifts every page forward (this gave 1
    duplicate and 1 missing record). The read sees the repeated record and starts again."""
    moving = LISTS["page"]
    before = truth(hook, moving, {})
    mover = Mover(trackier_conn, COUPONS.path)
    mover.at(2, _new_coupon)
    out = tmp_path / "coupons.jsonl"
    rows = export(hook, moving, {}, out, parallel=parallel)
    reads = mover.requests
    after = truth(hook, moving, {})
    ids = exported_ids(out)
    assert rows == len(ids) == len(after) == len(before) + 1
    _exact(ids, before, after)
    assert reads > -(-len(after) // moving.page_size) + 1  # read again after the shift


@pytest.mark.parametrize("parallel", [1, 4])
def test_a_delete_at_the_front_mid_export_is_caught_and_the_export_is_exact(trackier_conn, hook, tmp_path,
                                                                           parallel):
    """Deleting the first coupon listed moves every later one back a page (this lost a record): the total
    falls, the read starts again."""
    moving = LISTS["page"]
    before = truth(hook, moving, {})
    first = before[0]

    def delete_first(emulator):
        coupon = next(c for c in emulator.store.coupons.all() if c["_id"] == first)
        emulator.store.coupons.delete(coupon["code"])

    mover = Mover(trackier_conn, COUPONS.path)
    mover.at(2, delete_first)
    out = tmp_path / "coupons.jsonl"
    rows = export(hook, moving, {}, out, parallel=parallel)
    after = truth(hook, moving, {})
    ids = exported_ids(out)
    assert rows == len(ids) == len(after) == len(before) - 1
    _exact(ids, before, after)


def _near_repeat(hook, trackier_conn) -> tuple[dict, list, str]:
    query = {**LISTS["page-growing"].query(trackier_conn), "start": _ago(trackier_conn, hours=24),
             "end": _ago(trackier_conn, hours=0)}
    records = next(hook.pages("conversions.list", query=query, page_size=10000))
    # Page 2 answered as page 1 moved by one record: 99 repeated, 99 never sent.
    body = json.dumps({"conversions": records[1:101],
                       "pagination": {"perPage": 100, "currentPage": 2, "total": len(records)}})
    return query, [r["id"] for r in records], body


def test_a_page_that_nearly_repeats_the_last_one_once_is_read_again_exactly(trackier_conn, hook, tmp_path):
    query, ids, body = _near_repeat(hook, trackier_conn)
    assert len(ids) > 300
    trackier_conn.add_fault({"kind": "replace_body", "body": body, "path": CONVERSIONS.path, "skip": 1,
                             "times": 1})
    out = tmp_path / "conversions.jsonl"
    moving = LISTS["page-growing"]
    assert export(hook, moving, query, out, parallel=4) == len(ids)
    assert exported_ids(out) == ids


def test_a_page_that_keeps_nearly_repeating_fails_after_the_restarts_and_writes_nothing(
        trackier_conn, hook, tmp_path):
    query, ids, body = _near_repeat(hook, trackier_conn)
    trackier_conn.clear_requests()
    trackier_conn.add_fault({"kind": "replace_body", "body": body, "path": CONVERSIONS.path, "skip": 1})
    out = tmp_path / "conversions.jsonl"
    with pytest.raises(TrackierPaginationError, match=r"already read|same page twice"):
        export(hook, LISTS["page-growing"], query, out, parallel=1)
    assert list(tmp_path.iterdir()) == []
    assert len(ids) > 300 and _pages(trackier_conn, CONVERSIONS.path) <= 2 * 3  # each read stops at page 2


@pytest.mark.parametrize("first", [2, 3], ids=["ids 3-6", "ids 4-7"])
def test_overlapping_keyset_pages_fail_and_write_nothing(trackier_conn, hook, tmp_path, first):
    """Page 2 (after lastId=4) answered with ids from 3 or 4 on: it overlaps page 1 (this passed the duplicates
    on)."""
    everyone = next(hook.pages("publishers.list", page_size=5000))
    overlap = json.dumps({"publishers": everyone[first:first + 4], "lastId": everyone[first + 3]["id"],
                          "pagination": {"totalCount": len(everyone), "perPage": 4}})
    trackier_conn.add_fault({"kind": "replace_body", "body": overlap, "path": PUBLISHERS.path, "skip": 1})
    out = tmp_path / "publishers.jsonl"
    with pytest.raises(TrackierResponseError, match="keyset pages overlap") as failed:
        export(hook, LISTS["keyset"], {}, out, parallel=4)
    assert (failed.value.status, failed.value.method, failed.value.endpoint) == (200, "GET", PUBLISHERS.path)
    assert list(tmp_path.iterdir()) == []


def test_a_keyset_page_answering_a_last_id_below_its_own_fails(trackier_conn, hook, tmp_path):
    """Page 1 (ids 1-4) answers lastId 2: the next page would repeat ids 3 and 4."""
    everyone = next(hook.pages("publishers.list", page_size=5000))
    behind = json.dumps({"publishers": everyone[:4], "lastId": everyone[1]["id"],
                         "pagination": {"totalCount": len(everyone), "perPage": 4}})
    trackier_conn.add_fault({"kind": "replace_body", "body": behind, "path": PUBLISHERS.path})
    with pytest.raises(TrackierResponseError, match="below its own id 4: the next page would overlap"):
        export(hook, LISTS["keyset"], {}, tmp_path / "publishers.jsonl", parallel=1)
    assert list(tmp_path.iterdir()) == []


def test_keyset_pages_without_a_last_id_continue_after_their_last_record(trackier_conn, hook, tmp_path):
    """An answer without ``lastId``: the next page starts after the page's last record's id."""
    everyone = truth(hook, LISTS["keyset"], {})
    trackier_conn.add_fault({"kind": "drift", "change": "remove", "field": "lastId", "path": PUBLISHERS.path})
    out = tmp_path / "publishers.jsonl"
    assert export(hook, LISTS["keyset"], {}, out, parallel=1) == len(everyone)
    assert exported_ids(out) == everyone


# ------------------------------------------------------------------------------ start positions
def _generic(tmp_path: Path, operation: str, query: dict, page_size: int | None = None) -> TrackierOperator:
    return TrackierOperator(task_id="t", operation=operation, query=query, page_size=page_size,
                            output_path=str(tmp_path / f"{operation}.jsonl"))


def test_start_at_page_2_reads_the_rest(trackier_conn, hook, context, tmp_path):
    """``query={"page": 2}`` on coupons.list (this ended in "refusing to deliver a short result")."""
    everything = truth(hook, LISTS["page"], {})
    op = _generic(tmp_path, "coupons.list", {"page": 2}, page_size=5)
    op.hook.sleep = lambda seconds: None
    result = op.execute(context)
    assert exported_ids(Path(result["path"])) == everything[5:]
    assert result["rows"] == len(everything) - 5


def test_start_past_the_last_page_reads_nothing(trackier_conn, hook):
    everything = truth(hook, LISTS["page"], {})
    assert list(hook.pages("coupons.list", query={"page": len(everything) // 5 + 2}, page_size=5)) == []


def test_start_after_a_last_id_reads_the_rest(trackier_conn, hook, context, tmp_path):
    """``query={"lastId": 10}`` on publishers.list (this ended in "refusing to deliver a short result")."""
    everything = truth(hook, LISTS["keyset"], {})
    op = _generic(tmp_path, "publishers.list", {"lastId": 10}, page_size=4)
    op.hook.sleep = lambda seconds: None
    result = op.execute(context)
    assert exported_ids(Path(result["path"])) == [i for i in everything if i > 10]


def test_start_at_a_page_token_reads_the_rest(trackier_conn, hook, tmp_path):
    query = {**_click_window(trackier_conn), "end": _ago(trackier_conn, hours=0.1)}  # ended: no new clicks
    everything = truth(hook, LISTS["cursor"], query)
    first = hook.call("clicks.list", query={**query, "limit": 100})
    rest = [record_id(r) for page in hook.pages("clicks.list", query={**query, "pageToken": first["nextPageToken"]},
                                                page_size=100) for r in page]
    assert rest == everything[100:] and rest


@pytest.mark.parametrize(
    ("paging", "start", "field"),
    [(COUPONS, 0, "page"), (COUPONS, "two", "page"), (COUPONS, True, "page"), (PUBLISHERS, True, "lastId"),
     (PUBLISHERS, {"a": 1}, "lastId"), (CLICKS, ["a"], "pageToken")],
)
def test_a_bad_start_position_is_refused_before_any_request(trackier_conn, hook, paging, start, field):
    with pytest.raises(TrackierConfigError, match=field):
        next(hook.pages(paging.name, query={field: start}))
    assert trackier_conn.requests == []


def test_a_later_start_page_without_a_page_size_is_refused_where_it_cannot_be_counted(trackier_conn, hook):
    """notifications.list announces a total and has no default page size: the records page 2 skips cannot
    be counted, so the start is refused (pass page_size)."""
    notifications = OPERATIONS["notifications.list"].pages
    assert notifications.total and notifications.default_limit is None
    with pytest.raises(TrackierConfigError, match="page_size"):
        next(hook.pages("notifications.list", query={"page": 2}))
    assert trackier_conn.requests == []


# ------------------------------------------------------------------------------ a total Trackier may omit
def test_which_lists_may_omit_their_total():
    optional = sorted(name for name, op in OPERATIONS.items() if op.pages is not None and op.pages.total_optional)
    assert optional == ["impressions.list", "incent_offers.list"]
    assert INCENT_OFFERS.pages.total_optional


def _offers(tmp_path: Path, name: str) -> TrackierFetchIncentOffersOperator:
    op = TrackierFetchIncentOffersOperator(task_id="o", pub_id=1, source="s", page_size=6,
                                           output_path=str(tmp_path / name))
    op.hook.sleep = lambda seconds: None
    return op


def test_incent_offers_without_a_total_are_read_by_the_fallback_rule(trackier_conn, hook, context, tmp_path):
    """Trackier's own example answer has no ``total``: the export succeeds, with every offer once."""
    everything = truth(hook, LISTS["page-by-id"], {"pubId": 1, "source": "s"})
    assert len(everything) > 3 * 6
    trackier_conn.add_fault({"kind": "drift", "change": "remove", "field": "total", "path": INCENT_OFFERS.path})
    result = _offers(tmp_path, "offers.jsonl").execute(context)
    assert exported_ids(Path(result["path"])) == everything
    # pages of 6 until a short one, then one more that must be empty
    assert _pages(trackier_conn, INCENT_OFFERS.path) == 1 + len(everything) // 6 + (len(everything) % 6 > 0) + 1


def test_incent_offers_without_a_total_missing_records_in_a_middle_page_fail(trackier_conn, hook, context,
                                                                            tmp_path):
    everything = next(hook.pages("incent_offers.list", query={"pubId": 1, "source": "s"}, page_size=1000))
    short = json.dumps({"success": True, "campaigns": everything[6:9]})  # page 2 with 3 of its 6 offers
    for read in range(3):  # page 2 of each read (pages 1, 2 and the one after the short page, per read)
        trackier_conn.add_fault({"kind": "replace_body", "body": short, "path": INCENT_OFFERS.path,
                                 "skip": 1 + 3 * read, "times": 1})
    trackier_conn.add_fault({"kind": "drift", "change": "remove", "field": "total", "path": INCENT_OFFERS.path})
    with pytest.raises(TrackierPaginationError, match=r"(was short|already read).* kept changing"):
        _offers(tmp_path, "offers.jsonl").execute(context)
    assert list(tmp_path.iterdir()) == []


def test_the_docs_say_how_each_list_is_verified():
    """docs/operators.md's table names every paged operation once, in the row its paging description gives."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "operators.md").read_text()
    table = text[text.index("| Verified by | Lists |"):]
    rows = [line.split("|")[1:3] for line in table.splitlines()[2:] if line.startswith("|")]
    documented = {name: how.strip() for how, names in rows for name in re.findall(r"`([\w.]+)`", names)}

    def how(pages) -> str:
        if pages.style == "cursor":
            return "the cursor rules"
        if pages.total and pages.total_optional:
            return "the total when the answer carries it"
        if pages.total:
            return "the announced total"
        return "keyset order" if pages.style == "keyset" else "the fallback rule"

    expected = {name: how(op.pages) for name, op in OPERATIONS.items() if op.pages is not None}
    assert set(documented) == set(expected)
    assert all(documented[name].startswith(expected[name]) for name in expected), documented
