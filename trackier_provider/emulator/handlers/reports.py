"""Aggregate report endpoints ``/v2/reports/{campaign,publisher,advertiser,daily,goal,custom,subid}``."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.params import Params
from trackier_provider.emulator.reports import (
    CUSTOM_GROUPS,
    DEFAULT_KPIS,
    FIXED_GROUPS,
    KPIS,
    SUBID_GROUPS,
    ReportQuery,
    aggregate,
)
from trackier_provider.emulator.router import Call, Router
from trackier_provider.emulator.store import Collection

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

CACHE_SIZE = 256
#: The longest report window the emulator computes (a leap year); a longer one is refused with a 107.
MAX_REPORT_DAYS = 366


def _ids(app: EmulatorApp, p: Params, name: str, collection: Collection[int]) -> frozenset[int]:
    found = set()
    for ref in p.values(name):
        obj = app.store.resolve(collection, ref)
        found.add(int(obj["id"]) if obj else -1)
    return frozenset(found)


def build_query(app: EmulatorApp, kind: str, p: Params) -> ReportQuery:
    """Validate the report parameters (dates are local to ``zone``; ``end`` is inclusive)."""
    zone = p.zone()
    today = app.clock.now().astimezone(zone).date()
    start_day, end_day = p.day("start", today), p.day("end", today)
    if end_day < start_day:
        raise validation_error('"end" must be greater than or equal to "start"', variant="error_object")
    if end_day == date.max:  # the window ends at the start of the next day, which does not exist
        raise validation_error(f'"end" must be less than {date.max}', variant="error_object")
    if (end_day - start_day).days >= MAX_REPORT_DAYS:
        raise validation_error(
            f'"start" and "end" may span at most {MAX_REPORT_DAYS} days; request a longer period in parts',
            variant="error_object")
    if kind in FIXED_GROUPS:
        groups = FIXED_GROUPS[kind]
    else:
        groups = tuple(p.choices("group", CUSTOM_GROUPS if kind == "custom" else SUBID_GROUPS)) or (
            "campaign_name", "campaign_id")
    kpis = tuple(p.choices("kpi", KPIS)) or DEFAULT_KPIS
    return ReportQuery(
        groups=tuple(dict.fromkeys(groups)), kpis=tuple(dict.fromkeys(kpis)),
        start=datetime.combine(start_day, time.min, zone),
        end=datetime.combine(end_day + timedelta(days=1), time.min, zone), zone=zone,
        campaigns=_ids(app, p, "camp_ids", app.store.campaigns),
        publishers=_ids(app, p, "pub_ids", app.store.publishers),
        advertisers=_ids(app, p, "adv_ids", app.store.advertisers),
        countries=frozenset(p.values("filters", "country")),
    )


class ReportCache:
    """Results of settled windows never change, so they are kept (bounded, keyed by query and store version)."""

    def __init__(self) -> None:
        self._items: OrderedDict[Any, list[dict[str, Any]]] = OrderedDict()

    def get(self, key: Any) -> list[dict[str, Any]] | None:
        """A cached result, or None."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key: Any, rows: list[dict[str, Any]]) -> None:
        """Keep a result, evicting the least recently used."""
        self._items[key] = rows
        if len(self._items) > CACHE_SIZE:
            self._items.popitem(last=False)


def report(kind: str, app: EmulatorApp, cache: ReportCache, call: Call) -> dict[str, Any]:
    """``GET /v2/reports/<kind>`` -> ``{"records": [...]}``.

    Runs on a worker thread (an offloaded route): the store's lock is held only to read the query and the
    cache, not while the window's events are summed, so other requests are served meanwhile.
    """
    with app.store.lock:
        query = build_query(app, kind, call.params)
        now = app.clock.timestamp()
        settled = query.end.timestamp() + app.config.settle_seconds <= now
        key = (kind, query, app.store.version, id(app.store))
        rows = cache.get(key) if settled else None
        traffic = app.traffic
    if rows is None:
        rows = aggregate(traffic, query, now)
        if settled:
            with app.store.lock:
                cache.put(key, rows)
    return {"records": rows}


def register(router: Router, app: EmulatorApp) -> None:
    """Wire the aggregate reports (validation errors use the spec's single-object ``errors``)."""
    cache = ReportCache()
    for kind in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid"):
        router.add("GET", f"/v2/reports/{kind}", partial(report, kind, app, cache), variant="error_object",
                   offload=True)
