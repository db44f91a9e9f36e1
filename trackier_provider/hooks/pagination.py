"""The one pagination loop, for the three ways Trackier pages a list.

- keyset: send ``lastId``, read the next one from the answer (campaigns, publishers, advertisers);
- page: ``page`` + ``limit`` (conversions, coupons, campaign timelines, incent offers);
- cursor: ``pageToken`` in, ``nextPageToken``/``hasNextPage`` out (clicks).

Pages are yielded one at a time and never accumulated. A server that answers a page it already sent (the
same records, or a cursor it already gave) raises ``TrackierPaginationError`` instead of looping forever.

Every page is checked inside the request that fetched it, so a malformed page is retried like a transient
fault and, if it stays malformed, fails the export instead of ending it early: a body that is not a JSON
object, records missing or not a list, a missing total where the endpoint always announces one
(``Paging.total``), or a last page (by the style's rules) that leaves fewer records than that total. A list
that is empty from its first page, with a total of 0 (or none, where the endpoint announces none), is a
legitimately empty window.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from trackier_provider.exceptions import TrackierConfigError, TrackierPaginationError, TrackierResponseError
from trackier_provider.hooks.envelopes import record_value
from trackier_provider.validation import check_number

Style = Literal["keyset", "page", "cursor"]
#: Inspects a decoded answer and raises ``TrackierResponseError`` when it is malformed.
Check = Callable[[Any], None]
#: Sends one request for a page (query parameters) and checks its answer with the given ``Check``.
FetchPage = Callable[[dict[str, Any], Check], Any]
#: Begins one page's request in the background; the returned completion waits for it and checks the answer.
StartPage = Callable[[dict[str, Any]], Callable[[Check], Any]]


@dataclass(frozen=True)
class Paging:
    """How one list endpoint pages: its path, where the records sit in the answer, and limit bounds."""

    path: str
    records: str
    style: Style
    default_limit: int | None = None
    min_limit: int | None = None
    max_limit: int | None = None
    #: Where the answer announces the list's total (dotted), for endpoints that always announce one.
    total: str | None = None

    def check_limit(self, limit: int | None) -> int | None:
        """Validate a page size against the endpoint's documented bounds before any request."""
        if limit is None:
            return self.default_limit
        limit = check_number("page_size", limit, whole=True, above=0)
        if (self.min_limit and limit < self.min_limit) or (self.max_limit and limit > self.max_limit):
            raise TrackierConfigError(
                "page_size",
                f"{limit} is outside {self.min_limit or 1}..{self.max_limit} for {self.path}",
                "Pick a page size within Trackier's documented range.",
            )
        return limit


def paging_of(name: str, path: str | None = None) -> Paging:
    """The ``Paging`` of catalogue list operation ``name`` (``path``: its template with ids filled in)."""
    from trackier_provider.api.catalogue import OPERATIONS

    operation = OPERATIONS[name]
    pages = operation.pages
    if pages is None:
        raise ValueError(f"{name} does not page")
    return Paging(path or operation.path, pages.records, pages.style, pages.default_limit, pages.min_limit,
                  pages.max_limit, pages.total)


CAMPAIGNS = paging_of("campaigns.list")
PUBLISHERS = paging_of("publishers.list")
ADVERTISERS = paging_of("advertisers.list")
CONVERSIONS = paging_of("conversions.list")
COUPONS = paging_of("coupons.list")
CAMPAIGN_TIMELINES = paging_of("campaigns.timelines.list")
INCENT_OFFERS = paging_of("incent_offers.list")
CLICKS = paging_of("clicks.list")

_CURSOR_PARAM = {"keyset": "lastId", "page": "page", "cursor": "pageToken"}


def dig(payload: Any, dotted: str) -> Any:
    """Follow a dotted path such as ``data.changedCampaigns`` into a decoded JSON answer."""
    for part in dotted.split("."):
        if not isinstance(payload, Mapping):
            return None
        payload = payload.get(part)
    return payload


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


def announced_total(paging: Paging, body: Any) -> int | None:
    """The total number of records the server announces, for an endpoint that always announces one
    (``TrackierResponseError`` when it is missing); None for endpoints that announce none."""
    if paging.total is None:
        return None
    total = _whole(dig(body, paging.total))
    if total is None:
        raise _malformed(paging.path, f"the answer has no record count at {paging.total!r}")
    return total


def _fingerprint(records: list[Any]) -> tuple[Any, ...]:
    first, last = record_value(records[0]), record_value(records[-1])  # records kept as sent: decoded

    def ident(record: Any) -> Any:
        if isinstance(record, Mapping) and (record.get("id") is not None or record.get("_id") is not None):
            return record.get("id", record.get("_id"))
        return json.dumps(record, sort_keys=True, default=str)

    return (len(records), ident(first), ident(last))


def _per_page(body: Any, limit: int | None, records: list[Any]) -> int:
    """Records a full page holds: the server's ``pagination.perPage``, else the requested limit, else this page's."""
    pagination = body.get("pagination") if isinstance(body, Mapping) else None
    announced = _whole(pagination.get("perPage")) if isinstance(pagination, Mapping) else None
    return announced or limit or len(records)


def _next_cursor(paging: Paging, body: Any, records: list[Any], cursor: Any, limit: int | None) -> Any:
    """The cursor for the next request, or None when this was the last page."""
    if paging.style == "keyset":
        last = body.get("lastId") if isinstance(body, Mapping) else None
        final = record_value(records[-1])
        if last in (None, "", 0) and isinstance(final, Mapping):
            last = final.get("id")
        return last if last not in (None, "") else None
    if paging.style == "page":
        page = int(cursor or 1)
        per_page = _per_page(body, limit, records)
        total = announced_total(paging, body)
        if total is not None and page * per_page >= total:
            return None
        return page + 1 if len(records) >= per_page else None
    if not (isinstance(body, Mapping) and body.get("hasNextPage") and body.get("nextPageToken")):
        return None
    return body["nextPageToken"]


def iter_pages(
    fetch: FetchPage,
    paging: Paging,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    start: StartPage | None = None,
    depth: int | Callable[[], int] = 1,
) -> Iterator[list[Any]]:
    """Yield each page's records (a list), in order, until the last page.

    ``fetch`` sends one request and returns its checked answer. Without ``start`` every page is requested
    only when the previous one has been consumed (strictly sequential). With ``start`` (which begins a
    request in the background and returns its completion), the next page is requested before the current
    one is yielded, so waiting overlaps the consumer's work; and a page-numbered endpoint whose total is
    known keeps up to ``depth`` pages in flight (a number, or a function asked each time, e.g. a bound in bytes).
At most ``depth`` pages are held besides the one yielded.
    """
    limit = paging.check_limit(limit)
    base = dict(params or {})
    if limit is not None:
        base["limit"] = limit
    cursor_param = _CURSOR_PARAM[paging.style]
    first = base.pop(cursor_param, None)
    seen_pages: set[tuple[Any, ...]] = set()
    seen_cursors: set[Any] = set()
    pending: deque[tuple[Any, dict[str, Any], Callable[[Check], Any]]] = deque()
    delivered = 0

    def launch(cursor: Any) -> None:
        request = dict(base)
        if cursor is not None:
            request[cursor_param] = cursor
        seen_cursors.add(cursor)
        complete = start(request) if start is not None else partial(fetch, request)
        pending.append((cursor, request, complete))

    def check(body: Any, cursor: Any, delivered: int) -> None:
        records = records_of(body, paging.records, paging.path)
        total = announced_total(paging, body)
        last = not records or _next_cursor(paging, body, records, cursor, limit) is None
        if last and total is not None and delivered + len(records) < total:
            raise _malformed(
                paging.path,
                f"the list ended after {delivered + len(records)} records ({cursor_param}={cursor!r}) but the "
                f"server announced {total}; refusing to deliver a short result",
            )

    launch(first)
    while pending:
        cursor, _, complete = pending.popleft()
        body = complete(partial(check, cursor=cursor, delivered=delivered))
        records = records_of(body, paging.records, paging.path)
        if not records:
            return
        fingerprint = _fingerprint(records)
        if fingerprint in seen_pages:
            raise TrackierPaginationError(
                f"{paging.path} answered the same page twice ({cursor_param}={cursor!r}); stopping instead "
                "of looping forever. The server may be ignoring the paging parameter."
            )
        seen_pages.add(fingerprint)
        delivered += len(records)
        following = _next_cursor(paging, body, records, cursor, limit)
        if following is None:
            yield records
            return
        if not (pending and pending[0][0] == following):  # no page in flight, or a plan the answer outdated
            pending.clear()
            if following in seen_cursors:
                raise TrackierPaginationError(
                    f"{paging.path} handed back {cursor_param}={following!r} a second time; stopping instead of "
                    "looping forever."
                )
            launch(following)
        total = announced_total(paging, body) if paging.style == "page" and start is not None else None
        if total is not None:
            last_page = -(-total // _per_page(body, limit, records))
            while len(pending) < (depth() if callable(depth) else depth) and pending[-1][0] < last_page:
                launch(pending[-1][0] + 1)
        yield records
