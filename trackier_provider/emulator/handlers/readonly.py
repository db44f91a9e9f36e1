"""Read-only catalogue operations: targeting data, sign-up and custom fields, notifications, the pixel and
postback logs, the impressions log and the fraud report.

Logs are derived from the generated traffic (every conversion fires a pixel and a postback, every click
comes with an impression), so they agree with the conversion and click logs of the same window and page
the way the catalogue says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from trackier_provider.emulator.handlers.resources import Obj, paged
from trackier_provider.emulator.reports import ReportQuery, aggregate
from trackier_provider.emulator.rng import hex_id, iso
from trackier_provider.emulator.router import Call
from trackier_provider.emulator.seed import CATALOG_EPOCH, COUNTRIES
from trackier_provider.emulator.traffic import Event, EventStream, local, to_ts

if TYPE_CHECKING:
    from trackier_provider.api import Operation
    from trackier_provider.emulator.app import EmulatorApp

DEVICES = ("desktop", "mobile", "tablet")
OSES = ("android", "ios", "windows", "macOs", "linux")
#: (region, country) pairs; each region has two cities and one ISP.
REGIONS = (("California", "US"), ("Texas", "US"), ("New York", "US"), ("England", "GB"), ("Scotland", "GB"),
           ("Maharashtra", "IN"), ("Karnataka", "IN"), ("Bavaria", "DE"), ("Ile-de-France", "FR"),
           ("Sao Paulo", "BR"), ("Java", "ID"), ("Ontario", "CA"), ("New South Wales", "AU"), ("Madrid", "ES"))
TARGETING_PAGE = 50
SIGNUP_FIELDS = (("skype_id", "Skype ID", "text", False), ("website", "Website", "url", True),
                 ("traffic_sources", "Traffic sources", "select", False))
CUSTOM_FIELDS = (("vertical", "Vertical", "select", ("finance", "gaming", "travel")),
                 ("kpi_notes", "KPI notes", "text", ()))
POSTBACK_FIELDS = ("clickId", "error", "campaign", "publisher", "userAgent", "url", "created", "requestIp", "host")
PIXEL_FIELDS = ("clickId", "error", "campaign", "publisher", "txnId", "couponCode", "saleAmount", "userAgent", "url",
                "created", "requestIp")


UTC = ZoneInfo("UTC")


def _stamp(number: int) -> str:
    return iso(CATALOG_EPOCH + number * 3600)


# ----------------------------------------------------------------------------- reference data
def _places(kind: str) -> list[Obj]:
    rows: list[Obj] = []
    for number, (region, country) in enumerate(REGIONS, start=1):
        if kind == "regions":
            rows.append({"id": hex_id(0x4E6, number), "name": region, "country": country})
        elif kind == "cities":
            rows += [{"id": hex_id(0xC17, number * 2 + k), "name": f"{region} City {k + 1}", "region": region,
                      "country": country} for k in range(2)]
        else:
            rows.append({"id": hex_id(0x15B, number), "name": f"{region} Telecom", "region": region,
                         "country": country})
    return [row | {"created": _stamp(n)} for n, row in enumerate(rows, start=1)]


def targeting_data(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """Devices, operating systems and countries (one list); regions, cities and ISPs filtered by ``q`` (name)
    and ``country``, ``TARGETING_PAGE`` a page."""
    kind = operation.action
    if kind in ("devices", "os", "countries"):
        names = {"devices": DEVICES, "os": OSES, "countries": COUNTRIES}[kind]
        return {"success": True, kind: list(names)}
    p = call.params
    text, country = (p.text("q") or "").lower(), p.text("country")
    rows = [r for r in _places(kind) if text in r["name"].lower() and country in (None, r["country"])]
    page = p.integer("page", 1, minimum=1)
    chosen = rows[(page - 1) * TARGETING_PAGE: page * TARGETING_PAGE]
    return {"success": True, kind: chosen, "pagination": [{"currentPage": page, "perPage": TARGETING_PAGE}]}


def signup_fields(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """The custom sign-up questions of publishers or advertisers."""
    return {"fields": [{"id": f"{operation.name.split('.')[0]}_{name}", "name": name, "label": label,
                        "type": kind, "required": required, "options": [], "hide": False}
                       for name, label, kind, required in SIGNUP_FIELDS]}


def custom_fields(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """The campaigns' custom fields (usable in ``filters[customFields]``)."""
    return {"fields": [{"_id": hex_id(0xCF, n), "id": name, "name": name, "label": label, "type": kind,
                        "required": False, "hidden": False, "validation": None, "isConsent": False,
                        "options": list(options), "pub_hide": 0}
                       for n, (name, label, kind, options) in enumerate(CUSTOM_FIELDS, start=1)]}


# ----------------------------------------------------------------------------- windows of generated traffic
def _window(app: EmulatorApp, call: Call, zone: ZoneInfo) -> tuple[float, float]:
    """``start``..``end`` (dates or date-times, local to ``zone``; default: today) as POSIX seconds."""
    p = call.params
    today = datetime.combine(app.clock.now().astimezone(zone).date(), time.min)
    start = p.moment("start", allow_date=True, default=today)
    end = p.moment("end", allow_date=True, end_of_day=True, default=today + timedelta(hours=23, minutes=59,
                                                                                     seconds=59))
    return to_ts(start, zone), to_ts(end, zone) + 1


def _events(app: EmulatorApp, call: Call, stream: EventStream, conversions: bool, default_limit: int,
            zone: ZoneInfo = UTC) -> tuple[list[Event], int, int, int]:
    """One page of the window's events: (events, page, limit, total)."""
    start, end = _window(app, call, zone)
    p = call.params
    page, limit = p.integer("page", 1, minimum=1), p.integer("limit", default_limit, minimum=1, maximum=10000)
    now = app.clock.timestamp()
    window = stream.indices(start, min(end, now + 1))
    events, total = app.traffic.select(stream, window, None, (page - 1) * limit, limit, now, conversions)
    return events, page, limit, total


def _names(app: EmulatorApp, event: Event) -> tuple[Obj, Obj]:
    store = app.store
    campaign = store.campaigns.find(event.campaign_id) or store.seeds.campaign(event.campaign_id)
    publisher = store.publishers.find(event.publisher_id) or store.seeds.publisher(event.publisher_id)
    return campaign, publisher


def _log(app: EmulatorApp, call: Call, fields: tuple[str, ...], render: Callable[[Event], Obj]) -> Obj:
    events, page, limit, total = _events(app, call, app.traffic.conversions, True, 100)
    chosen = call.params.values("fields") or list(fields)
    logs = [{k: val for k, val in render(e).items() if k in chosen} for e in events]
    return {"success": True, "logs": logs, "error_list": [], "selected_fields": chosen, "page": page,
            "limit": limit, "count": total, "fields": list(fields), "filter": {}}


def pixel_logs(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/network/pixellogs``: the pixel call of every conversion of the window."""
    conversions = app.traffic.conversions

    def render(event: Event) -> Obj:
        campaign, publisher = _names(app, event)
        return {"clickId": hex_id(app.traffic.clicks.tag, event.index), "error": "", "campaign": campaign["title"],
                "publisher": publisher["name"], "txnId": f"TXN{event.index:012d}", "couponCode": "",
                "saleAmount": 0, "userAgent": "Mozilla/5.0", "url": f"https://track.emulator.test/pixel?"
                f"txn_id=TXN{event.index:012d}", "created": iso(event.ts), "requestIp": "203.0.113.7",
                "id": conversions.event_id(event)}

    return _log(app, call, PIXEL_FIELDS, render)


def postback_logs(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/network/postbacklogs``: the advertiser postback of every conversion of the window."""

    def render(event: Event) -> Obj:
        campaign, publisher = _names(app, event)
        return {"clickId": hex_id(app.traffic.clicks.tag, event.index), "error": "", "campaign": campaign["title"],
                "publisher": publisher["name"], "userAgent": "advertiser-server/1.0",
                "url": f"https://track.emulator.test/acquisition?click_id={event.index}", "created": iso(event.ts),
                "requestIp": "198.51.100.4", "host": "track.emulator.test"}

    return _log(app, call, POSTBACK_FIELDS, render)


def postbacks_sent(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/reports/postback``: the publisher postback sent for every conversion of the window."""
    events, page, limit, total = _events(app, call, app.traffic.conversions, True, 100)
    logs = []
    for event in events:
        campaign, publisher = _names(app, event)
        logs.append({"postback_id": hex_id(0x9B, event.publisher_id), "campaign": campaign["title"],
                     "publisher": publisher["name"], "conversion_id": app.traffic.conversions.event_id(event),
                     "status": "success", "attempts": 1, "server_message": "OK", "latency": "120ms",
                     "request_url": f"https://publisher{event.publisher_id}.example.com/pb?txn=TXN{event.index}",
                     "created": iso(event.ts)})
    return {"success": True, "logs": logs, "pagination": {"perPage": limit, "currentPage": page, "total": total}}


def impressions(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/network/impressions``: an impression before every click of the window (``zone`` honoured)."""
    zone = call.params.zone()
    events, page, limit, total = _events(app, call, app.traffic.clicks, False, 100, zone)
    rows = []
    for event in events:
        campaign, publisher = _names(app, event)
        rows.append({"id": hex_id(0x1AA, event.index, stamp=event.ts - 5), "source": event.source,
                     "country": event.country, "os": event.os, "created": local(event.ts - 5, zone),
                     "campaign_id": campaign["id"], "campaign_long_id": campaign["hashId"],
                     "campaign_name": campaign["title"], "publisher_id": publisher["id"],
                     "publisher_long_id": publisher["hashId"], "publisher_name": publisher["name"],
                     "currency": campaign.get("currency", "USD"), "payout": 0, "revenue": 0})
    return {"impressions": rows, "pagination": {"perPage": limit, "currentPage": page, "total": total},
            "columns": {name: name.replace("_", " ").title() for name in (rows[0] if rows else {})}}


def notifications(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/network/notifications``: two a day (a campaign and a publisher change) over the window."""
    start, end = _window(app, call, UTC)
    rows: list[Obj] = []
    day = int(start // 86400)
    while day * 86400 < end and len(rows) < 2 * 366:
        for kind in ("campaign", "publisher"):
            number = day % 5 + 1
            rows.append({"_id": hex_id(0x40, day * 2 + len(rows) % 2, stamp=day * 86400),
                         "org_id": "5f0000000000000000000001", "target": "admins",
                         "message": f"{kind.title()} {number} was updated", "resourceLink": f"/{kind}s/{number}",
                         "relatedObject": {"type": kind, "id": number}, "created": iso(day * 86400 + 3600)})
        day += 1
    return paged(operation, call, [r for r in rows if start <= _seconds(r["created"]) < end])


def _seconds(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def fraud_report(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/reports/fraud``: rejected and gross conversions per campaign over the window (UTC days)."""
    p = call.params
    today = app.clock.now().date()
    start, end = p.day("start", today), p.day("end", today)
    query = ReportQuery(groups=("campaign_name", "campaign_id"),
                        kpis=("rejectedConversions", "grossConversions", "payout", "revenue"),
                        start=datetime.combine(start, time.min, UTC),
                        end=datetime.combine(end + timedelta(days=1), time.min, UTC), zone=UTC,
                        campaigns=frozenset(), publishers=frozenset(), advertisers=frozenset(),
                        countries=frozenset())
    return {"records": aggregate(app.traffic, query, app.clock.timestamp())}
