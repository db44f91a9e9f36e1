"""The one pagination loop, for the three ways Trackier pages a list.

- keyset: send ``lastId``, read the next one from the answer (campaigns, publishers, advertisers);
- page: ``page`` + ``limit`` (conversions, coupons, campaign timelines, incent offers);
- cursor: ``pageToken`` in, ``nextPageToken``/``hasNextPage`` out (clicks).

Pages are yielded one at a time and never accumulated. A server that answers a page it already sent (the
same records, or a cursor it already gave) raises ``TrackierPaginationError`` instead of looping forever.

Every page is checked inside the request that fetched it, so a malformed page is retried like a transient
fault and, if it stays malformed, fails the export instead of ending it early: a body that is not a JSON
object, records missing or not a list, a missing total where the endpoint always announces one
(``Pages.total``), or a last page (by the style's rules) that leaves fewer records than that total. A list
that is empty from its first page, with a total of 0 (or none, where the endpoint announces none), is a
legitimately empty window.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from trackier_provider.api.calls import check_limit
from trackier_provider.api.model import Pages, dig
from trackier_provider.exceptions import TrackierPaginationError, TrackierResponseError
from trackier_provider.hooks.envelopes import record_value

#: Inspects a decoded answer and raises ``TrackierResponseError`` when it is malformed.
Check = Callable[[Any], None]
#: Sends one request for a page (query parameters) and checks its answer with the given ``Check``.
FetchPage = Callable[[dict[str, Any], Check], Any]
#: Begins one page's request in the background; the returned completion waits for it and checks the answer.
StartPage = Callable[[dict[str, Any]], Callable[[Check], Any]]


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
    """The total number of records the server announces, for an endpoint that always announces one
    (``TrackierResponseError`` when it is missing); None for endpoints that announce none."""
    if pages.total is None:
        return None
    total = _whole(dig(body, pages.total))
    if total is None:
        raise _malformed(path, f"the answer has no record count at {pages.total!r}")
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


def _next_cursor(pages: Pages, path: str, body: Any, records: list[Any], cursor: Any, limit: int | None) -> Any:
    """The cursor for the next request, or None when this was the last page."""
    if pages.style == "keyset":
        last = body.get("lastId") if isinstance(body, Mapping) else None
        final = record_value(records[-1])
        if last in (None, "", 0) and isinstance(final, Mapping):
            last = final.get("id")
        return last if last not in (None, "") else None
    if pages.style == "page":
        page = int(cursor or 1)
        per_page = _per_page(body, limit, records)
        total = announced_total(pages, path, body)
        if total is not None and page * per_page >= total:
            return None
        return page + 1 if len(records) >= per_page else None
    if not (isinstance(body, Mapping) and body.get("hasNextPage") and body.get("nextPageToken")):
        return None
    return body["nextPageToken"]


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
    """Yield each page's records (a list), in order, until the last page.

    ``fetch`` sends one request and returns its checked answer. Without ``start`` every page is requested
    only when the previous one has been consumed (strictly sequential). With ``start`` (which begins a
    request in the background and returns its completion), the next page is requested before the current
    one is yielded, so waiting overlaps the consumer's work; and a page-numbered endpoint whose total is
    known keeps up to ``depth`` pages in flight (a number, or a function asked each time, e.g. a bound in
    bytes). At most ``depth`` pages are held besides the one yielded.
    """
    limit = check_limit(pages, limit, path)
    base = dict(params or {})
    if limit is not None:
        base["limit"] = limit
    cursor_param = pages.cursor_param
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
        records = records_of(body, pages.records, path)
        total = announced_total(pages, path, body)
        last = not records or _next_cursor(pages, path, body, records, cursor, limit) is None
        if last and total is not None and delivered + len(records) < total:
            raise _malformed(
                path,
                f"the list ended after {delivered + len(records)} records ({cursor_param}={cursor!r}) but the "
                f"server announced {total}; refusing to deliver a short result",
            )

    launch(first)
    while pending:
        cursor, _, complete = pending.popleft()
        body = complete(partial(check, cursor=cursor, delivered=delivered))
        records = records_of(body, pages.records, path)
        if not records:
            return
        fingerprint = _fingerprint(records)
        if fingerprint in seen_pages:
            raise TrackierPaginationError(
                f"{path} answered the same page twice ({cursor_param}={cursor!r}); stopping instead "
                "of looping forever. The server may be ignoring the paging parameter."
            )
        seen_pages.add(fingerprint)
        delivered += len(records)
        following = _next_cursor(pages, path, body, records, cursor, limit)
        if following is None:
            yield records
            return
        if not (pending and pending[0][0] == following):  # no page in flight, or a plan the answer outdated
            pending.clear()
            if following in seen_cursors:
                raise TrackierPaginationError(
                    f"{path} handed back {cursor_param}={following!r} a second time; stopping instead of "
                    "looping forever."
                )
            launch(following)
        total = announced_total(pages, path, body) if pages.style == "page" and start is not None else None
        if total is not None:
            last_page = -(-total // _per_page(body, limit, records))
            while len(pending) < (depth() if callable(depth) else depth) and pending[-1][0] < last_page:
                launch(pending[-1][0] + 1)
        yield records
