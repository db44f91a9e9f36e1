"""Aggregate reports: group clicks and conversions of a window and derive Trackier's KPIs.

Figures come from the same generated events as the click and conversion logs, so a report and a
log read of the same window agree. Money is summed in integer cents and printed with 2 decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from trackier_provider.emulator.traffic import Event, Traffic

KPIS = ("uniqueClicks", "rejectedClicks", "clicks", "grossClicks", "approvedConversions", "pendingConversions",
        "cancelledConversions", "rejectedConversions", "extConversions", "grossConversions", "cr", "impressions",
        "campaign_payout", "campaign_revenue", "payout", "revenue", "profit", "saleAmount", "pendingPayout",
        "pendingSaleAmount", "extPayout", "extSaleAmount", "extRevenue", "cancelledRevenue", "rejectedRevenue",
        "grossRevenue", "grossProfit", "grossSaleAmount", "epc", "ctr")
DEFAULT_KPIS = ("clicks", "approvedConversions", "payout", "revenue", "profit")
CUSTOM_GROUPS = ("campaign_name", "campaign_id", "campaign_long_id", "external_offer_id", "campaign_status",
                 "campaign_geo", "objective", "publisher", "publisher_id", "publisher_long_id", "aff_manager",
                 "source", "advertiser", "advertiser_id", "adv_manager", "goal_name", "goal_id", "ref_camp",
                 "ref_camp_id", "rlo_id", "lp_title", "lp_id", "os", "country", "hour", "created", "month",
                 "sl_name", "sl_id", "coupon")
SUBID_GROUPS = (*CUSTOM_GROUPS[:26], "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "city",
                "region", "isp", "conn", "app_name", "app_id", "cr_name")
FIXED_GROUPS = {
    "campaign": ("campaign_name", "campaign_id"),
    "publisher": ("publisher", "publisher_id"),
    "advertiser": ("advertiser", "advertiser_id"),
    "daily": ("created",),
    "goal": ("campaign_name", "campaign_id", "goal_name", "goal_id"),
}
# Which event dimension a group column is derived from.
DIMENSION = {"campaign_name": "campaign", "campaign_id": "campaign", "campaign_long_id": "campaign",
             "external_offer_id": "campaign", "campaign_status": "campaign", "campaign_geo": "campaign",
             "objective": "campaign", "publisher": "publisher", "publisher_id": "publisher",
             "publisher_long_id": "publisher", "aff_manager": "publisher", "advertiser": "advertiser",
             "advertiser_id": "advertiser", "adv_manager": "advertiser", "goal_name": "goal", "goal_id": "goal",
             "created": "date", "month": "month", "hour": "hour", "country": "country", "os": "os",
             "source": "source"}
STATUSES = ("approved", "pending", "cancelled", "rejected")
# Accumulator slots: gross, rejected, unique clicks; then per status: count, payout, revenue, sale.
CLICK_SLOTS = 3


@dataclass(frozen=True)
class ReportQuery:
    """A validated report request."""

    groups: tuple[str, ...]
    kpis: tuple[str, ...]
    start: datetime  # aware, zone-local midnight
    end: datetime    # aware, exclusive
    zone: ZoneInfo
    campaigns: frozenset[int]
    publishers: frozenset[int]
    advertisers: frozenset[int]
    countries: frozenset[str]


class LocalTime:
    """Fast UTC -> local conversion, caching the zone offset per UTC hour."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._offsets: dict[int, int] = {}

    def shift(self, ts: int) -> int:
        """``ts`` moved by the zone's UTC offset at that moment."""
        hour = ts // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            delta = datetime.fromtimestamp(hour * 3600, tz=timezone.utc).astimezone(self.zone).utcoffset()
            offset = self._offsets[hour] = int(delta.total_seconds()) if delta else 0
        return ts + offset


def _day(local_ts: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(days=local_ts // 86400)).strftime("%Y-%m-%d")


def aggregate(traffic: Traffic, query: ReportQuery, now: float) -> list[dict[str, Any]]:
    """Group the window's clicks and conversions by ``query.groups`` and compute ``query.kpis``."""
    store = traffic.store
    campaign_of = {n: store.campaigns.find(n) or store.seeds.campaign(n)
                   for n in range(1, traffic.conversions.campaigns + 1)}
    adv_of = {n: int(c["advertiserId"]) if str(c.get("advertiserId", "")).isdigit() else 0
              for n, c in campaign_of.items()}
    dims = tuple(dict.fromkeys(DIMENSION.get(g, "none") for g in query.groups))
    clock = LocalTime(query.zone)
    extract: dict[str, Callable[[Event], Any]] = {
        "campaign": lambda e: e.campaign_id, "publisher": lambda e: e.publisher_id,
        "advertiser": lambda e: adv_of[e.campaign_id], "goal": lambda e: (e.campaign_id, e.goal),
        "date": lambda e: _day(clock.shift(e.ts)), "month": lambda e: _day(clock.shift(e.ts))[:7],
        "hour": lambda e: (clock.shift(e.ts) % 86400) // 3600, "country": lambda e: e.country,
        "os": lambda e: e.os, "source": lambda e: e.source, "none": lambda e: "",
    }
    getters = [extract[d] for d in dims]

    def keep(e: Event) -> bool:
        return ((not query.campaigns or e.campaign_id in query.campaigns)
                and (not query.publishers or e.publisher_id in query.publishers)
                and (not query.advertisers or adv_of[e.campaign_id] in query.advertisers)
                and (not query.countries or e.country in query.countries))

    totals: dict[tuple[Any, ...], list[int]] = {}
    start, end = query.start.timestamp(), min(query.end.timestamp(), now + 1)
    for event in traffic.scan(traffic.clicks, traffic.clicks.indices(start, end), now, conversions=False):
        if keep(event):
            slot = _slot(totals, tuple(g(event) for g in getters), campaign_of[event.campaign_id])
            rejected, unique = traffic.click_flags(event)
            slot[0] += 1
            slot[1] += rejected
            slot[2] += unique
    for event in traffic.scan(traffic.conversions, traffic.conversions.indices(start, end), now, conversions=True):
        if keep(event):
            slot = _slot(totals, tuple(g(event) for g in getters), campaign_of[event.campaign_id])
            status = traffic.conversion_status(event, now) or "pending"
            base = CLICK_SLOTS + 4 * STATUSES.index(status)
            payout, revenue, sale, _ = traffic.money(event)
            slot[base] += 1
            slot[base + 1] += payout
            slot[base + 2] += revenue
            slot[base + 3] += sale
    rows = [_row(traffic, query, dims, key, acc, campaign_of) for key, acc in totals.items()]
    rows.sort(key=lambda r: [str(r.get(g, "")) for g in query.groups])
    return rows


def _slot(totals: dict[tuple[Any, ...], list[int]], key: tuple[Any, ...], campaign: dict[str, Any]) -> list[int]:
    full = (*key, campaign.get("currency", "USD"))
    slot = totals.get(full)
    if slot is None:
        slot = totals[full] = [0] * (CLICK_SLOTS + 4 * len(STATUSES))
    return slot


def _column(traffic: Traffic, group: str, value: Any, campaign_of: dict[int, dict[str, Any]]) -> Any:
    store = traffic.store
    dim = DIMENSION.get(group, "none")
    if dim == "campaign":
        c = campaign_of[value]
        return {"campaign_name": c["title"], "campaign_id": c["id"], "campaign_long_id": c["hashId"],
                "external_offer_id": "", "campaign_status": c.get("status", ""),
                "campaign_geo": ",".join(c.get("geo", [])), "objective": c.get("commModel", "")}[group]
    if dim in ("publisher", "advertiser"):
        kind = store.publishers if dim == "publisher" else store.advertisers
        seeded = store.seeds.publisher if dim == "publisher" else store.seeds.advertiser
        obj = kind.find(value) or seeded(max(1, value))
        return {"publisher": obj["name"], "advertiser": obj["name"], "publisher_id": obj["id"],
                "advertiser_id": obj["id"], "publisher_long_id": obj["hashId"], "aff_manager": "",
                "adv_manager": ""}[group]
    if dim == "goal":
        campaign_id, goal = value
        goal_id, goal_name = traffic.goal(Event(0, 0, 0, campaign_id, 1, "", "", "", goal))
        return goal_id if group == "goal_id" else goal_name
    return value


def _row(traffic: Traffic, query: ReportQuery, dims: tuple[str, ...], key: tuple[Any, ...], acc: list[int],
         campaign_of: dict[int, dict[str, Any]]) -> dict[str, Any]:
    by_dim = dict(zip(dims, key[:-1], strict=True))
    row: dict[str, Any] = {g: _column(traffic, g, by_dim[DIMENSION.get(g, "none")], campaign_of)
                           for g in query.groups}
    row["currency"] = key[-1]
    figures = kpis(acc)
    for name in query.kpis:
        row[name] = figures[name]
    return row


def kpis(acc: list[int]) -> dict[str, Any]:
    """Every KPI from one accumulator (counts as ints, money as 2-decimal numbers)."""
    gross_clicks, rejected_clicks, unique_clicks = acc[:CLICK_SLOTS]
    per = {s: acc[CLICK_SLOTS + 4 * i: CLICK_SLOTS + 4 * i + 4] for i, s in enumerate(STATUSES)}
    clicks = gross_clicks - rejected_clicks
    money = lambda cents: round(cents / 100, 2)  # noqa: E731
    gross = [sum(per[s][i] for s in STATUSES) for i in range(4)]
    approved = per["approved"]
    return {
        "uniqueClicks": unique_clicks, "rejectedClicks": rejected_clicks, "clicks": clicks,
        "grossClicks": gross_clicks, "approvedConversions": approved[0], "pendingConversions": per["pending"][0],
        "cancelledConversions": per["cancelled"][0], "rejectedConversions": per["rejected"][0],
        "extConversions": 0, "grossConversions": gross[0],
        "cr": round(approved[0] / clicks * 100, 2) if clicks else 0, "impressions": 0,
        "campaign_payout": money(approved[1]), "campaign_revenue": money(approved[2]),
        "payout": money(approved[1]), "revenue": money(approved[2]), "profit": money(approved[2] - approved[1]),
        "saleAmount": money(approved[3]), "pendingPayout": money(per["pending"][1]),
        "pendingSaleAmount": money(per["pending"][3]), "extPayout": 0, "extSaleAmount": 0, "extRevenue": 0,
        "cancelledRevenue": money(per["cancelled"][2]), "rejectedRevenue": money(per["rejected"][2]),
        "grossRevenue": money(gross[2]), "grossProfit": money(gross[2] - gross[1]),
        "grossSaleAmount": money(gross[3]), "epc": round(approved[2] / 100 / clicks, 4) if clicks else 0,
        "ctr": 0,
    }
