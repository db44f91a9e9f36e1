"""The one pagination loop, for the three ways Trackier pages a list.

- keyset: send ``lastId``, read the next one from the answer (campaigns, publishers, advertisers);
- page: ``page`` + ``limit`` (conversions, coupons, campaign timelines, incent offers);
- cursor: ``pageToken`` in, ``nextPageToken``/``hasNextPage`` out (clicks).

**The invariant: a read is exact or it fails.** Every record that exists on the server for the whole duration
of a read appears exactly once; a record created or deleted during the read may or may not appear; nothing
else does. Pages are yielded one at a time and never accumulated; the loop keeps one 64-bit hash per record
read (about 80 bytes each in a Python set), to recognise a record it has already delivered. A false match of
two hashes could only make a read start again or fail, never drop a record.

Every page is checked inside the request that fetched it, before it is handed over, so a malformed page is
retried like a transient fault and, if it stays malformed, fails the read instead of ending it early:

- the answer is a JSON object holding a list of records, and no record appears twice in one page;
- a total where the endpoint announces one (``Pages.total``; an endpoint whose answers may omit it is
  ``Pages.total_optional``), and a last page (by the style's rules) that brings the records read to exactly
  that total (a start position such as ``page=3`` counts the records it skips);
- keyset: every record's id is above the ``lastId`` sent, and the ``lastId`` answered is not below the page's
  last id (overlapping keysets); a page with records names the position after it (a ``lastId``, else its last
  record's id), as a read that could not ask for the next page would end short;
- cursor: ``hasNextPage`` is present and a boolean, a next flag comes with a token and a token with a flag,
  and an empty page never says more follow.

What the read sees of a list that moves under it, and what it does:

- a record it already delivered comes again (a page shifted forward: something was inserted before the read
  position, or a record moved there when its sort key changed), or a page-numbered list's total falls (a
  delete before the read position shifts the rest back, so one record would be skipped): the read cannot
  repair that, and raises ``TrackierPageShiftError``. An export that owns its output (``restarting``)
  discards what it wrote and starts again, at most ``MAX_RESTARTS`` times, then fails with
  ``TrackierPaginationError`` and writes nothing; any other reader fails at once;
- a later page announces a larger total than an earlier one (records were added): the read goes on to the
  new end, and parallel planning plans the extra pages; a page fetched ahead that still carries the smaller
  total is fetched again;
- a page-numbered list whose answer carries no total (``total_optional``, or an endpoint that announces
  none) is read until a short page, and a short page must be followed by an empty one (one more request):
  records missing from a middle page therefore fail the read instead of ending it early.

Keyset lists do not shift (a delete leaves later ids where they are, a new record gets a larger id); cursor
lists are logs read forward. On a page-numbered list the checks see every shift except one: a delete before
the read position and an insert after it between the same two requests leave the total and the pages'
records consistent. Trackier lists new records at one end (newest first or last, by creation time or id),
where an insert always shows as a repeated record or a larger total. A server that answers a page it already
sent (the same records, or a cursor it already gave) raises ``TrackierPaginationError`` instead of looping
forever.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import msgspec

from trackier_provider.api.calls import check_limit
from trackier_provider.api.model import Pages, dig
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierPageShiftError,
    TrackierPaginationError,
    TrackierResponseError,
)
from trackier_provider.hooks.envelopes import record_value

log = logging.getLogger(__name__)

#: Inspects a decoded answer and raises ``TrackierResponseError`` when it is malformed.
Check = Callable[[Any], None]
#: Sends one request for a page (query parameters) and checks its answer with the given ``Check``.
FetchPage = Callable[[dict[str, Any], Check], Any]
#: Begins one page's request in the background; the returned completion waits for it and checks the answer.
StartPage = Callable[[dict[str, Any]], Callable[[Check], Any]]
T = TypeVar("T")

#: How many times an export that owns its output starts again after the list moved under it.
MAX_RESTARTS = 2


def _malformed(path: str, problem: str) -> TrackierResponseError:
    return TrackierResponseError(problem, status=200, method="GET", endpoint=path)


def records_of(body: Any, key: str, path: str) -> list[Any]:
    """The list of records under ``key`` (dotted) of an answer, or ``TrackierResponseError`` saying why not."""
    if not isinstance(body, Mapping):
        kind = "null" if body is None else type(body).__name__
        raise _malformed(path, f"expected a JSON object holding {key!r}, got {kind}")
    parent: Any = body
    for part in key.split("."):
        if not isinstance(parent, Mapping) or part not in parent:
            raise _malformed(path, f"the answer has no {key!r} (keys: {', '.join(map(str, body)) or 'none'})")
        parent = parent[part]
    if not isinstance(parent, list):
        kind = "null" if parent is None else type(parent).__name__
        raise _malformed(path, f"expected a list under {key!r}, got {kind}")
    return parent


def records_check(key: str, path: str) -> Check:
    """A ``Check`` for a single-answer endpoint: the answer must hold a list of records under ``key``."""

    def check(body: Any) -> None:
        records_of(body, key, path)

    return check


def _whole(value: Any) -> int | None:
    """A count from an answer (``3000`` or ``"3000"``), or None when absent or not a whole number."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 and str(number) == str(value).strip() else None


def announced_total(pages: Pages, path: str, body: Any) -> int | None:
    """The total number of records the server announces; None for endpoints that announce none, or where
    the answer omits it and the endpoint's answers may (``total_optional``). ``TrackierResponseError`` when
    an endpoint that always announces one did not."""
    if pages.total is None:
        return None
    value = dig(body, pages.total)
    if value is None and pages.total_optional:
        return None
    total = _whole(value)
    if total is None:
        raise _malformed(path, f"the answer has no record count at {pages.total!r}")
    return total


class _Ids(msgspec.Struct):
    """The two id fields of a record, all that paging needs of it; msgspec skips the rest unbuilt."""

    id: Any = None
    underscore_id: Any = msgspec.field(default=None, name="_id")


#: Reads only the id fields of a record kept as sent; msgspec skips the other fields unbuilt. Measured with
#: benchmarks/export_throughput.py (200,000 records, one page at a time, client CPU): 3.6 s decoding each
#: record whole (twice), 1.7 s reading only its ids (once); a page's ids in one call (its records joined
#: into one array) was no faster (2.0 s), the join costing what the fewer calls saved.
_DECODE_IDS = msgspec.json.Decoder(_Ids).decode


def record_id(record: Any) -> Any:
    """The id of a record (``id``, else ``_id``), or None when it has none; of a record kept as the server sent
    it (``msgspec.Raw``) only the id fields are decoded. The one place that knows how records are represented."""
    if type(record) is msgspec.Raw:
        try:
            found = _DECODE_IDS(record)
        except msgspec.DecodeError:  # not an object: no id (ValidationError derives from DecodeError)
            return None
        values: tuple[Any, Any] = (found.id, found.underscore_id)
    elif isinstance(record, Mapping):
        values = (record.get("id"), record.get("_id"))
    else:
        return None
    for value in values:
        if value is not None and not isinstance(value, (dict, list)):
            return value
    return None


def _identity(record: Any) -> Any:
    """What recognises a record again: its id, else its whole JSON (for the repeated-page check only)."""
    found = record_id(record)
    if found is not None:
        return found
    return json.dumps(record_value(record), sort_keys=True, default=str)


def _fingerprint(records: list[Any]) -> tuple[Any, ...]:
    return (len(records), _identity(records[0]), _identity(records[-1]))


def _number(value: Any) -> int | None:
    """An id or cursor as a number when it is one (``42`` or ``"42"``), for keyset order checks."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _per_page(body: Any, limit: int | None, records: list[Any]) -> int:
    """Records a full page holds: the server's ``pagination.perPage``, else the requested limit, else this page's."""
    pagination = body.get("pagination") if isinstance(body, Mapping) else None
    announced = _whole(pagination.get("perPage")) if isinstance(pagination, Mapping) else None
    return announced or limit or len(records)


def _keyset_next(body: Any, records: list[Any]) -> Any:
    last = body.get("lastId") if isinstance(body, Mapping) else None
    if last in (None, "", 0):
        last = record_id(records[-1])
    return last if last not in (None, "") else None


def _next_cursor(pages: Pages, path: str, body: Any, records: list[Any], cursor: Any, limit: int | None) -> Any:
    """The cursor for the next request, or None when this was the last page (a page-numbered list without a
    total goes on after a short page, to confirm that the next one is empty)."""
    if pages.style == "keyset":
        return _keyset_next(body, records)
    if pages.style == "page":
        page = int(cursor or 1)
        total = announced_total(pages, path, body)
        if total is None:
            return page + 1
        per_page = _per_page(body, limit, records)
        return page + 1 if page * per_page < total and len(records) >= per_page else None
    if not (isinstance(body, Mapping) and body.get("hasNextPage") is True and body.get("nextPageToken")):
        return None
    return body["nextPageToken"]


def _start_position(pages: Pages, path: str, first: Any, limit: int | None) -> Any:
    """Check a start position given in the query (``page``, ``lastId`` or ``pageToken``) before any request."""
    if first is None:
        return None
    name = pages.cursor_param
    if pages.style == "page":
        page = _whole(first)
        if page is None or page < 1:
            raise TrackierConfigError(name, f"{first!r} is not a page number", "Pass a whole number from 1.")
        if page > 1 and pages.total is not None and limit is None:
            raise TrackierConfigError(
                name, f"starting at page {page} of {path} needs a page size, to count the records skipped",
                "Pass page_size as well.",
            )
        return page
    if pages.style == "keyset":
        if isinstance(first, bool) or not isinstance(first, (int, str)) or str(first).strip() == "":
            raise TrackierConfigError(name, f"{first!r} is not a record id", "Pass the id to continue after.")
        return first
    if not isinstance(first, str) or not first.strip():
        raise TrackierConfigError(name, f"{first!r} is not a page token", "Pass a nextPageToken Trackier answered.")
    return first


@dataclass
class _Page:
    """A page requested: its cursor, its completion, whether it was begun ahead of the pages before it (so its
    first answer may predate a total they announced), and the largest total known when begun."""

    cursor: Any
    complete: Callable[[Check], Any]
    ahead: bool
    high_at_start: int | None
    answers: int = 0
    #: The hashes of the ids of the records of its last checked answer (read once, in ``check``).
    id_keys: list[int] = field(default_factory=list)


def iter_pages(
    fetch: FetchPage,
    pages: Pages,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    start: StartPage | None = None,
    depth: int | Callable[[], int] = 1,
) -> Iterator[list[Any]]:
    """Yield each page's records (a list), in order, until the last page (the checks: see the module).

    ``fetch`` sends one request and returns its checked answer. Without ``start`` every page is requested
    only when the previous one has been consumed (strictly sequential). With ``start`` (which begins a
    request in the background and returns its completion), the next page is requested before the current
    one is yielded, so waiting overlaps the consumer's work; and a page-numbered endpoint whose total is
    known keeps up to ``depth`` pages in flight (a number, or a function asked each time, e.g. a bound in
    bytes). At most ``depth`` pages are held besides the one yielded.
    A start position in ``params`` (``page``, ``lastId`` or ``pageToken``) is checked before any request.
    """
    limit = check_limit(pages, limit, path)
    base = dict(params or {})
    if limit is not None:
        base["limit"] = limit
    cursor_param = pages.cursor_param
    first = _start_position(pages, path, base.pop(cursor_param, None), limit)
    first_page = first if pages.style == "page" and first is not None else 1
    # With a keyset start the records before it are skipped, and no answer says how many: no count check.
    counted = not (pages.style == "keyset" and first is not None)
    seen_pages: set[tuple[Any, ...]] = set()
    seen_cursors: set[Any] = set()
    seen_ids: set[int] = set()
    pending: deque[_Page] = deque()
    state: dict[str, Any] = {"delivered": 0, "high": None, "short": None}

    def launch(cursor: Any) -> None:
        request = dict(base)
        if cursor is not None:
            request[cursor_param] = cursor
        seen_cursors.add(cursor)
        complete = start(request) if start is not None else partial(fetch, request)
        pending.append(_Page(cursor, complete, start is not None, state["high"]))

    def check(body: Any, page: _Page) -> None:
        """Everything a page must satisfy before it is handed over (raises; see the module docstring)."""
        page.answers += 1
        records = records_of(body, pages.records, path)
        total = announced_total(pages, path, body)
        where = f"{cursor_param}={page.cursor!r}"
        if pages.style == "cursor":
            _check_cursor(path, body, records, where)
        if records and _fingerprint(records) in seen_pages:
            raise TrackierPaginationError(
                f"{path} answered the same page twice ({where}); stopping instead of looping forever. "
                "The server may be ignoring the paging parameter."
            )
        ids = [record_id(record) for record in records]
        keys = page.id_keys = [hash(i) for i in ids if i is not None]
        if len(set(keys)) != len(keys):
            raise _malformed(path, f"a record appears twice in one page ({where})")
        if pages.style == "keyset":
            _check_keyset(path, body, records, ids, page.cursor, where)
        if records:
            repeated = sum(1 for k in keys if k in seen_ids)
            if repeated:
                raise TrackierPageShiftError(
                    f"{path}: {repeated} record(s) of the page at {where} were already read: the list "
                    "moved under the read (records inserted before the read position, or moved there)"
                )
        if state["short"] is not None and records:
            raise TrackierPageShiftError(
                f"{path}: the page before {where} was short ({state['short']}) although more records "
                "follow: records are missing from it, or the list moved under the read"
            )
        high = state["high"]
        if total is not None and high is not None and total < high and pages.style == "page":
            if page.ahead and page.answers == 1 and page.high_at_start != high:  # begun before that total came
                raise _malformed(path, f"the page at {where} predates a larger total; fetching it again")
            raise TrackierPageShiftError(
                f"{path}: the list shrank from {high} to {total} records while it was read ({where}): "
                "records after the deleted ones moved back a page"
            )
        if total is None or not counted:
            return
        skipped = (first_page - 1) * _per_page(body, limit, records) if pages.style == "page" else 0
        expected = max(0, total - skipped)
        read = state["delivered"] + len(records)
        last = not records or _next_cursor(pages, path, body, records, page.cursor, limit) is None
        if last and read < expected:
            raise _malformed(
                path,
                f"the list ended after {read} records ({where}) but the server announced {total}"
                f"{f' ({skipped} of them before page {first_page})' if skipped else ''}; "
                "refusing to deliver a short result",
            )
        if last and read > expected and pages.style == "page":
            raise _malformed(
                path, f"the list holds {read} records at its last page ({where}) but the server announced "
                f"{total}; refusing to deliver records the total does not account for",
            )

    launch(first)
    while pending:
        page = pending.popleft()
        body = page.complete(partial(check, page=page))
        records = records_of(body, pages.records, path)
        if not records:
            return
        total = announced_total(pages, path, body)
        if total is not None and (state["high"] is None or total > state["high"]):
            state["high"] = total
        seen_pages.add(_fingerprint(records))
        if not page.answers:  # a fetch that returned its answer unchecked: read the ids here
            check(body, page)
        seen_ids.update(page.id_keys)
        state["delivered"] += len(records)
        following = _next_cursor(pages, path, body, records, page.cursor, limit)
        if pages.style == "page" and total is None:
            per_page = _per_page(body, limit, records)
            state["short"] = f"{len(records)} of {per_page} records" if len(records) < per_page else None
        if following is None:
            yield records
            return
        if not (pending and pending[0].cursor == following):  # no page in flight, or a plan the answer outdated
            pending.clear()
            if following in seen_cursors:
                raise TrackierPaginationError(
                    f"{path} handed back {cursor_param}={following!r} a second time; stopping instead of "
                    "looping forever."
                )
            launch(following)
        high = state["high"] if pages.style == "page" and start is not None and total is not None else None
        if high is not None:
            last_page = -(-high // _per_page(body, limit, records))
            while len(pending) < (depth() if callable(depth) else depth) and pending[-1].cursor < last_page:
                launch(pending[-1].cursor + 1)
        yield records


def _check_cursor(path: str, body: Any, records: list[Any], where: str) -> None:
    """A cursor page says plainly whether more follow, and a token comes with that flag, and only with it."""
    more = body.get("hasNextPage")
    token = body.get("nextPageToken")
    if not isinstance(more, bool):
        problem = "has no 'hasNextPage'" if more is None else f"has hasNextPage={more!r}, not true or false"
        raise _malformed(path, f"the page at {where} {problem}")
    if more and not (isinstance(token, str) and token):
        raise _malformed(path, f"the page at {where} says more pages follow but gives no nextPageToken ({token!r})")
    if not more and token not in (None, ""):
        raise _malformed(path, f"the page at {where} gives a nextPageToken but says no more pages follow")
    if more and not records:
        raise _malformed(path, f"the page at {where} is empty but says more pages follow")


def _check_keyset(path: str, body: Any, records: list[Any], ids: list[Any], cursor: Any, where: str) -> None:
    """Keyset pages do not overlap: every id is above the ``lastId`` sent, and the next ``lastId`` is not
    below this page's last id (checked where ids are numbers); a page with records names the position after
    it (its ``lastId``, else its last record's id)."""
    after = _number(cursor)
    numbers = [n for n in map(_number, ids) if n is not None]
    if after is not None and numbers and min(numbers) <= after:
        raise _malformed(path, f"the page at {where} holds id {min(numbers)}, not after the lastId sent: keyset "
                               "pages overlap")
    after_page = _keyset_next(body, records) if records else None
    if records and after_page is None:
        raise _malformed(path, f"the page at {where} gives no lastId and its last record has no id: the page "
                               "after it cannot be asked for")
    following = _number(after_page)
    if following is not None and numbers and following < max(numbers):
        raise _malformed(path, f"the page at {where} answers lastId {following}, below its own id {max(numbers)}: "
                               "the next page would overlap this one")


def restarting(export: Callable[[], T], *, what: str) -> T:
    """Run ``export`` (one whole read that discards its own partial output when it raises, as
    ``outputs.write_pages`` does) and run it again when the list moved under it (``TrackierPageShiftError``),
    at most ``MAX_RESTARTS`` times; then fail with ``TrackierPaginationError``. ``what`` names the list in
    messages."""
    restarts = 0
    while True:
        try:
            return export()
        except TrackierPageShiftError as shift:
            if restarts == MAX_RESTARTS:
                raise TrackierPaginationError(
                    f"{shift}. {what} kept changing while it was read: {MAX_RESTARTS + 1} reads in a row were "
                    "interrupted, and nothing was delivered. Narrow the read (a shorter window, filters) or run "
                    "it again when the list is quieter."
                ) from shift
            restarts += 1
            log.warning("%s; starting %s again from the beginning (restart %d of %d)", shift, what, restarts,
                        MAX_RESTARTS)
