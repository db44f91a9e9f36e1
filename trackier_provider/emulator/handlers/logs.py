"""Raw logs: ``/v2/network/conversions`` (page + limit) and ``/v2/reports/clicks`` (cursor)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time
from functools import partial
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.http import Response
from trackier_provider.emulator.paging import decode_token, encode_token
from trackier_provider.emulator.params import Params
from trackier_provider.emulator.router import Call, Router
from trackier_provider.emulator.store import Collection
from trackier_provider.emulator.traffic import Event, local, to_ts

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

CONVERSION_STATUSES = ("approved", "pending", "cancelled", "rejected", "extended")
CLICK_FIELDS = ("id", "source", "ipaddr", "ua", "os", "is_rejected", "is_unique", "is_bot", "city", "region",
                "isp", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "note", "ro", "gaid", "idfa",
                "app_id", "app_name", "android_id", "creative_name", "smart_link", "payout", "revenue", "brand",
                "conn", "lat", "long", "pub_impression_id", "device_lang", "pub_campaign_id", "sub_source",
                "click_domain", "release_order_id", "country", "browser", "referer", "device", "created",
                "campaign_id", "campaign_long_id", "campaign_name", "publisher_id", "publisher_long_id",
                "publisher_name", "advertiser_name", "advertiser_id", "landing_page_name", "landing_page_id",
                "landing_page_long_id")
CLICK_ALIASES = {"ua": "user_agent"}


def _label(field: str) -> str:
    return " ".join(part.upper() if len(part) <= 3 else part.title() for part in field.split("_"))


def _ids(app: EmulatorApp, p: Params, name: str, collection: Collection[int]) -> set[int]:
    found = (app.store.resolve(collection, ref) for ref in p.values(name))
    return {int(obj["id"]) if obj else -1 for obj in found}


def _event_filter(campaigns: set[int], publishers: set[int], extra: Callable[[Event], bool] | None = None,
                  ) -> Callable[[Event], bool] | None:
    if not campaigns and not publishers and extra is None:
        return None

    def keep(event: Event) -> bool:
        return ((not campaigns or event.campaign_id in campaigns)
                and (not publishers or event.publisher_id in publishers)
                and (extra is None or extra(event)))
    return keep


def _project(record: dict[str, Any], fields: list[str], aliases: dict[str, str]) -> dict[str, Any]:
    if not fields:
        return record
    return {f: record.get(aliases.get(f, f)) for f in fields}


def conversions(app: EmulatorApp, call: Call) -> dict[str, Any] | Response:
    """``GET /v2/network/conversions``: conversions with ``start <= created <= end`` (local to ``zone``)."""
    p = call.params
    zone = p.zone()
    start = to_ts(p.moment("start"), zone)
    end = to_ts(p.moment("end"), zone) + 1
    page = p.integer("page", 1, minimum=1)
    limit = p.integer("limit", 100, minimum=100, maximum=10000)
    status = p.choice("status", CONVERSION_STATUSES)
    fields = p.values("fields")
    source = p.text("source")
    now = app.clock.timestamp()
    traffic = app.traffic
    extras: list[Callable[[Event], bool]] = []
    if status is not None:
        extras.append(lambda e: traffic.conversion_status(e, now) == status)
    if source is not None:
        extras.append(lambda e: e.source == source)
    advertisers = _ids(app, p, "adv_ids", app.store.advertisers)
    if advertisers:
        extras.append(lambda e: app.store.seeds.advertiser_of(e.campaign_id) in advertisers)
    keep = _event_filter(_ids(app, p, "campaignIds", app.store.campaigns),
                         _ids(app, p, "publisherIds", app.store.publishers),
                         (lambda e: all(f(e) for f in extras)) if extras else None)
    window = traffic.conversions.indices(start, min(end, now + 1))
    pagination = {"perPage": limit, "currentPage": page}
    if fields:
        events, total = traffic.select(traffic.conversions, window, keep, (page - 1) * limit, limit, now, True)
        rows = [_project(traffic.conversion_record(e, now, zone), fields, {}) for e in events]
        return {"conversions": rows, "pagination": {**pagination, "total": total},
                "columns": {f: _label(f) for f in fields}}
    # The whole row: served from pre-rendered JSON (the emulator must outpace any client it benchmarks).
    encoded, total = traffic.conversion_rows(traffic.conversions, window, keep, (page - 1) * limit, limit, now, zone)
    sample = traffic.conversion_record(traffic.conversions.event(window.start), now, zone) if encoded else {}
    columns = {name: _label(name) for name in sample}
    tail = json.dumps({"pagination": {**pagination, "total": total}, "columns": columns}, separators=(",", ":"))
    return Response(200, b"".join((b'{"conversions":[', b",".join(encoded), b"],", tail[1:].encode())))


def clicks(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/reports/clicks``: cursor paging with ``pageToken`` / ``nextPageToken`` / ``hasNextPage``."""
    p = call.params
    zone = p.zone()
    today = datetime.combine(app.clock.now().astimezone(zone).date(), time.min)
    start = to_ts(p.moment("start", allow_date=True, default=today), zone)
    end = to_ts(p.moment("end", allow_date=True, end_of_day=True,
                         default=today.replace(hour=23, minute=59, second=59)), zone) + 1
    limit = p.integer("limit", 100, minimum=100, maximum=5000)
    fields = p.values("fields")
    for index, name in enumerate(fields):
        if name not in CLICK_FIELDS:
            raise validation_error(f'"fields[{index}]" must be one of [{", ".join(CLICK_FIELDS)}]')
    now = app.clock.timestamp()
    traffic = app.traffic
    token = p.text("pageToken")
    begin = traffic.clicks.first_at_or_after(start)
    if token is not None:
        state = decode_token(token)
        begin = max(begin, int(state.get("pageToken_skip", begin)))
    click_id = p.text("click_id")
    keep = _event_filter(_ids(app, p, "camp_ids", app.store.campaigns), _ids(app, p, "pub_ids", app.store.publishers),
                         (lambda e: traffic.clicks.event_id(e) == click_id) if click_id else None)
    window = range(begin, traffic.clicks.first_at_or_after(min(end, now + 1)))
    page: list[Event] = []
    following: Event | None = None
    for event in traffic.scan(traffic.clicks, window, now, conversions=False):
        if keep is None or keep(event):
            if len(page) == limit:
                following = event
                break
            page.append(event)
    body: dict[str, Any] = {
        "clicks": [_project(traffic.click_record(e, zone), fields, CLICK_ALIASES) for e in page],
        "pagination": {"perPage": limit},
        "nextPageToken": "",
        "hasNextPage": following is not None,
    }
    if following is not None:
        body["nextPageToken"] = encode_token({"lastTs": local(page[-1].ts, zone),
                                              "pageToken_skip": following.index})
    return body


def register(router: Router, app: EmulatorApp) -> None:
    """Wire the conversion and click logs."""
    router.add("GET", "/v2/network/conversions", partial(conversions, app))
    router.add("GET", "/v2/reports/clicks", partial(clicks, app))
