"""The one pagination loop, for the three ways Trackier pages a list.

- keyset: send ``lastId``, read the next one from the answer (campaigns, publishers, advertisers);
- page: ``page`` + ``limit`` (conversions, coupons, campaign timelines, incent offers);
- cursor: ``pageToken`` in, ``nextPageToken``/``hasNextPage`` out (clicks).

Pages are yielded one at a time and never accumulated. A server that answers a page it already sent (the
same records, or a cursor it already gave) raises ``TrackierPaginationError`` instead of looping forever.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from trackier_provider.exceptions import TrackierConfigError, TrackierPaginationError

Style = Literal["keyset", "page", "cursor"]
FetchPage = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Paging:
    """How one list endpoint pages: its path, where the records sit in the answer, and limit bounds."""

    path: str
    records: str
    style: Style
    default_limit: int | None = None
    min_limit: int | None = None
    max_limit: int | None = None

    def check_limit(self, limit: int | None) -> int | None:
        """Validate a page size against the endpoint's documented bounds before any request."""
        if limit is None:
            return self.default_limit
        if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
            raise TrackierConfigError("page_size", f"must be a positive integer, got {limit!r}")
        if (self.min_limit and limit < self.min_limit) or (self.max_limit and limit > self.max_limit):
            raise TrackierConfigError(
                "page_size",
                f"{limit} is outside {self.min_limit or 1}..{self.max_limit} for {self.path}",
                "Pick a page size within Trackier's documented range.",
            )
        return limit


CAMPAIGNS = Paging("/v2/campaigns", "campaigns", "keyset", default_limit=1000)
PUBLISHERS = Paging("/v2/publishers", "publishers", "keyset", default_limit=1000)
ADVERTISERS = Paging("/v2/advertisers", "advertisers", "keyset", default_limit=1000)
CONVERSIONS = Paging("/v2/network/conversions", "conversions", "page", 1000, 100, 10000)
COUPONS = Paging("/v2/coupons", "coupons", "page", default_limit=100)
CAMPAIGN_TIMELINES = Paging("/v2/campaigns/timelines", "data.changedCampaigns", "page", default_limit=100)
INCENT_OFFERS = Paging("/v2/offers/incent", "campaigns", "page", default_limit=100)
CLICKS = Paging("/v2/reports/clicks", "clicks", "cursor", 1000, 100, 5000)

_CURSOR_PARAM = {"keyset": "lastId", "page": "page", "cursor": "pageToken"}


def dig(payload: Any, dotted: str) -> Any:
    """Follow a dotted path such as ``data.changedCampaigns`` into a decoded JSON answer."""
    for part in dotted.split("."):
        if not isinstance(payload, Mapping):
            return None
        payload = payload.get(part)
    return payload


def _fingerprint(records: list[Any]) -> tuple[Any, ...]:
    first, last = records[0], records[-1]

    def ident(record: Any) -> Any:
        if isinstance(record, Mapping) and (record.get("id") is not None or record.get("_id") is not None):
            return record.get("id", record.get("_id"))
        return json.dumps(record, sort_keys=True, default=str)

    return (len(records), ident(first), ident(last))


def _next_cursor(paging: Paging, body: Any, records: list[Any], cursor: Any, limit: int | None) -> Any:
    """The cursor for the next request, or None when this was the last page."""
    if paging.style == "keyset":
        last = body.get("lastId") if isinstance(body, Mapping) else None
        if last in (None, "", 0) and isinstance(records[-1], Mapping):
            last = records[-1].get("id")
        return last if last not in (None, "") else None
    if paging.style == "page":
        page = int(cursor or 1)
        pagination = body.get("pagination") if isinstance(body, Mapping) else None
        per_page = limit or len(records)
        if isinstance(pagination, Mapping):
            total = pagination.get("total")
            per_page = int(pagination.get("perPage") or per_page)
            if total is not None and page * per_page >= int(total):
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
) -> Iterator[list[Any]]:
    """Yield each page's records (a list) until the last page; ``fetch`` sends one request."""
    limit = paging.check_limit(limit)
    base = dict(params or {})
    if limit is not None:
        base["limit"] = limit
    cursor_param = _CURSOR_PARAM[paging.style]
    cursor = base.pop(cursor_param, None)
    seen_pages: set[tuple[Any, ...]] = set()
    seen_cursors: set[Any] = {cursor} if cursor is not None else set()
    while True:
        request = dict(base)
        if cursor is not None:
            request[cursor_param] = cursor
        body = fetch(request)
        records = dig(body, paging.records)
        if not records:
            return
        if not isinstance(records, list):
            raise TrackierPaginationError(
                f"{paging.path}: expected a list under {paging.records!r}, got {type(records).__name__}"
            )
        fingerprint = _fingerprint(records)
        if fingerprint in seen_pages:
            raise TrackierPaginationError(
                f"{paging.path} answered the same page twice ({cursor_param}={cursor!r}); stopping instead "
                "of looping forever. The server may be ignoring the paging parameter."
            )
        seen_pages.add(fingerprint)
        yield records
        cursor = _next_cursor(paging, body, records, cursor, limit)
        if cursor is None:
            return
        if cursor in seen_cursors:
            raise TrackierPaginationError(
                f"{paging.path} handed back {cursor_param}={cursor!r} a second time; stopping instead of "
                "looping forever."
            )
        seen_cursors.add(cursor)
