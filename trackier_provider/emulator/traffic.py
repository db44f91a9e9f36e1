"""Clicks and conversions generated on demand: event *i* of a stream is a pure function of (seed, i).

Event *i* happens at ``TRAFFIC_EPOCH + i * 86400 // per_day`` seconds, so the events of any time window
are a contiguous index range and a page of millions of conversions is computed, never stored.
Conversions age: a share arrives late (up to ``settle_seconds`` after it happened) and each stays
``pending`` until its decision time (also within ``settle_seconds``), then becomes approved, rejected or
cancelled for good. A window that closed more than ``settle_seconds`` ago therefore never changes again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from trackier_provider.emulator.rng import draw, hex_id, mix, pick, stream
from trackier_provider.emulator.seed import COUNTRIES
from trackier_provider.emulator.store import Store

#: Rendered conversion rows kept for reuse (about 1.2 kB each); the cache is emptied when it grows past this.
ROW_CACHE_ENTRIES = 250_000
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

DAY = 86400
TRAFFIC_EPOCH = 1577836800  # 2020-01-01T00:00:00Z
OSES = ("Android 13.0", "iOS 17.1", "Windows 10", "macOS 14.0")
BROWSERS = ("Chrome 120", "Safari 17", "Firefox 121", "Edge 120")
DEVICES = ("mobile", "mobile", "desktop", "tablet")
SOURCES = ("social", "search", "native", "push", "email")
CITIES = ("Springfield", "Riverside", "Franklin", "Greenville", "Clinton")
GOALS = ((None, 100), ("Purchase", 200), ("Registration", 50))  # (name or default, payout percent)
LATE_SHARE = 77  # of 256: about 30 % of conversions arrive late


@dataclass(frozen=True)
class Event:
    """The attributes of one click or conversion that reports group by."""

    index: int
    ts: int
    h: int
    campaign_id: int
    publisher_id: int
    country: str
    os: str
    source: str
    goal: int


class EventStream:
    """Evenly spaced events of one kind (``clicks`` or ``conversions``) at ``per_day`` a day."""

    def __init__(self, seed: int, name: str, per_day: int, campaigns: int, publishers: int) -> None:
        self.salt = stream(seed, name)
        self.tag = self.salt & 0xFFFFFF
        self.per_day = per_day
        self.campaigns = campaigns
        self.publishers = publishers

    def first_at_or_after(self, ts: float) -> int:
        """The index of the first event at or after POSIX second ``ts`` (rounded up to a whole second)."""
        seconds = int(-(-ts // 1)) - TRAFFIC_EPOCH
        return max(0, -((-seconds * self.per_day) // DAY))

    def indices(self, start_ts: float, end_ts: float) -> range:
        """Indices of the events in ``[start_ts, end_ts)``."""
        if self.per_day <= 0 or end_ts <= start_ts:
            return range(0)
        return range(self.first_at_or_after(start_ts), self.first_at_or_after(end_ts))

    def time_of(self, index: int) -> int:
        """POSIX second of event ``index``."""
        return TRAFFIC_EPOCH + (index * DAY) // self.per_day

    def event(self, index: int) -> Event:
        """The grouping attributes of event ``index``."""
        h = draw(self.salt, index)
        goal = (h >> 56) % 10
        return Event(
            index=index,
            ts=self.time_of(index),
            h=h,
            campaign_id=h % self.campaigns + 1,
            publisher_id=(h >> 20) % self.publishers + 1,
            country=COUNTRIES[(h >> 40) % len(COUNTRIES)],
            os=OSES[(h >> 44) % len(OSES)],
            source=SOURCES[(h >> 48) % len(SOURCES)],
            goal=0 if goal < 7 else (1 if goal < 9 else 2),
        )

    def event_id(self, event: Event) -> str:
        """A stable, unique 24-hex id (time, stream tag, index)."""
        return hex_id(self.tag, event.index, stamp=event.ts)


class Traffic:
    """The click and conversion streams of one emulator plus the ageing rule of conversions."""

    def __init__(self, store: Store, seed: int, campaigns: int, publishers: int, conversions_per_day: int,
                 clicks_per_day: int, settle_seconds: float) -> None:
        self.store = store
        self.conversions = EventStream(seed, "conversions", conversions_per_day, campaigns, publishers)
        self.clicks = EventStream(seed, "clicks", clicks_per_day, campaigns, publishers)
        self.settle = settle_seconds
        self._rows: dict[tuple[int, str, str | None], bytes] = {}
        self._rows_revision: tuple[int, int, int, int] = (-1, -1, -1, -1)

    # --- ageing -------------------------------------------------------------------------------
    def conversion_status(self, event: Event, now: float) -> str | None:
        """None while the conversion has not arrived yet, else its status at ``now`` (the one ``editConv`` set,
        if any)."""
        h2 = mix(event.h)
        if (h2 & 0xFF) < LATE_SHARE and now < event.ts + ((h2 >> 8) & 0xFFFF) / 65536 * self.settle:
            return None
        edited = self.store.conversion_statuses.get(event.index)
        if edited is not None:
            return edited
        if now < event.ts + ((h2 >> 24) & 0xFFFF) / 65536 * self.settle:
            return "pending"
        verdict = (h2 >> 40) % 100
        return "approved" if verdict < 85 else ("rejected" if verdict < 95 else "cancelled")

    def settled_before(self, stream_: EventStream, now: float) -> int:
        """Index bound below which every conversion has arrived and is final."""
        return stream_.first_at_or_after(now - self.settle + 1) if self.settle else stream_.first_at_or_after(now + 1)

    # --- selection ----------------------------------------------------------------------------
    def select(self, stream_: EventStream, window: range, keep: Callable[[Event], bool] | None,
               offset: int, limit: int, now: float, conversions: bool) -> tuple[list[Event], int]:
        """Events of ``window`` that exist at ``now`` and pass ``keep``: ``limit`` from ``offset``, and the total.

        Without a filter the settled part of the window is counted arithmetically; only the young tail
        (and filtered queries) are scanned, one event at a time, never materialised in full.
        """
        if keep is None and conversions:
            settled = range(window.start, max(window.start, min(window.stop, self.settled_before(stream_, now))))
            young = [i for i in range(settled.stop, window.stop)
                     if self.conversion_status(stream_.event(i), now) is not None]
            total = len(settled) + len(young)
            chosen = [*settled[offset:offset + limit]]
            if len(chosen) < limit:
                skip = max(0, offset - len(settled))
                chosen += young[skip:skip + limit - len(chosen)]
            return [stream_.event(i) for i in chosen], total
        if keep is None:
            return [stream_.event(i) for i in window[offset:offset + limit]], len(window)
        page: list[Event] = []
        total = 0
        for event in self.scan(stream_, window, now, conversions):
            if keep(event):
                if offset <= total < offset + limit:
                    page.append(event)
                total += 1
        return page, total

    def scan(self, stream_: EventStream, window: Iterable[int], now: float, conversions: bool) -> Iterable[Event]:
        """Every event of ``window`` that exists at ``now``."""
        for index in window:
            event = stream_.event(index)
            if not conversions or self.conversion_status(event, now) is not None:
                yield event

    # --- records ------------------------------------------------------------------------------
    def _context(self, event: Event) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        store, seeds = self.store, self.store.seeds
        campaign = store.campaigns.find(event.campaign_id) or seeds.campaign(event.campaign_id)
        publisher = store.publishers.find(event.publisher_id) or seeds.publisher(event.publisher_id)
        adv_id = int(campaign.get("advertiserId") or 0) if str(campaign.get("advertiserId", "")).isdigit() else 0
        advertiser = store.advertisers.find(adv_id) or seeds.advertiser(seeds.advertiser_of(event.campaign_id))
        return campaign, publisher, advertiser

    def money(self, event: Event) -> tuple[int, int, int, str]:
        """(payout, revenue, sale) in cents and the currency of a conversion."""
        campaign = self.store.campaigns.find(event.campaign_id) or self.store.seeds.campaign(event.campaign_id)
        base = (campaign.get("payouts") or [{}])[0]
        percent = GOALS[event.goal][1]
        payout = round(float(base.get("payout", 1.0)) * percent)
        revenue = round(float(base.get("revenue", 1.5)) * percent)
        sale = 1000 + (event.h >> 8) % 20000 if campaign.get("commModel") == "cps" else 0
        return payout, revenue, sale, str(campaign.get("currency", "USD"))

    def goal(self, event: Event) -> tuple[str, str]:
        """(goal id, goal name) of a conversion."""
        campaign = self.store.campaigns.find(event.campaign_id) or self.store.seeds.campaign(event.campaign_id)
        name = GOALS[event.goal][0] or str(campaign.get("defaultGoalName") or "Conversion")
        return hex_id(self.conversions.tag ^ 0x5A5A5A, event.campaign_id * 10 + event.goal), name

    def conversion_rows(
        self, stream_: EventStream, window: range, keep: Callable[[Event], bool] | None, offset: int, limit: int,
        now: float, zone: ZoneInfo,
    ) -> tuple[list[bytes], int]:
        """``select`` for the conversion log, each row as its compact JSON (bytes), and the total.

        A row is rendered once and kept while the objects it names (campaign, publisher, advertiser) are
        unchanged: at most ``ROW_CACHE_ENTRIES`` rows, keyed by event, zone and status. A settled event's
        status can no longer change, so a cached settled row is served without rebuilding its event.
        """
        revision = (self.store.campaigns.revision, self.store.publishers.revision, self.store.advertisers.revision,
                    self.store.version)  # the version moves with every editConv
        if revision != self._rows_revision or len(self._rows) > ROW_CACHE_ENTRIES:
            self._rows.clear()
            self._rows_revision = revision
        rows, cache, zone_key = [], self._rows, zone.key
        if keep is None:
            settled = range(window.start, max(window.start, min(window.stop, self.settled_before(stream_, now))))
            for index in settled[offset:offset + limit]:
                row = cache.get((index, zone_key, None))
                if row is None:
                    row = cache[(index, zone_key, None)] = self._render(stream_.event(index), now, zone)
                rows.append(row)
            if len(rows) == limit:
                young = [i for i in range(settled.stop, window.stop)
                         if self.conversion_status(stream_.event(i), now) is not None]
                return rows, len(settled) + len(young)
        events, total = self.select(stream_, window, keep, offset + len(rows), limit - len(rows), now, True)
        settled_bound = self.settled_before(stream_, now)
        for event in events:
            key = (event.index, zone_key, None if event.index < settled_bound else self.conversion_status(event, now))
            row = cache.get(key)
            if row is None:
                row = cache[key] = self._render(event, now, zone)
            rows.append(row)
        return rows, total

    def _render(self, event: Event, now: float, zone: ZoneInfo) -> bytes:
        return _ENCODE(self.conversion_record(event, now, zone)).encode()

    def conversion_record(self, event: Event, now: float, zone: ZoneInfo) -> dict[str, Any]:
        """A Conversion-log row, timestamps in ``zone``."""
        campaign, publisher, advertiser = self._context(event)
        payout, revenue, sale, currency = self.money(event)
        goal_id, goal_name = self.goal(event)
        h = event.h
        elapsed = 30 + (h >> 12) % 7200
        record: dict[str, Any] = {
            "id": self.conversions.event_id(event),
            "click_id": hex_id(self.clicks.tag, mix(h) & 0xFFFFFFFFFF, stamp=event.ts - elapsed),
            "source": event.source,
            "elapsed_time": elapsed,
            "click_time": local(event.ts - elapsed, zone),
            "method": "postback",
            "ipaddr": _ip(h),
            "click_ip": _ip(h >> 3),
            "city": pick(h >> 9, CITIES),
            "region": f"Region {(h >> 14) % 20}",
            "isp": "Example Telecom",
            "os": event.os,
            "txn_id": f"TXN{event.index:012d}",
            "currency": currency,
            "payout": payout / 100,
            "revenue": revenue / 100,
            "sale": sale / 100,
            "country": event.country,
            "browser": pick(h >> 18, BROWSERS),
            "device": pick(h >> 22, DEVICES),
            "created": local(event.ts, zone),
            "status": self.conversion_status(event, now) or "pending",
            "advertiser_id": int(advertiser["id"]),
            "advertiser_long_id": advertiser["hashId"],
            "advertiser_name": advertiser["name"],
            "publisher_id": int(publisher["id"]),
            "publisher_long_id": publisher["hashId"],
            "publisher_name": publisher["name"],
            "publisher_company": publisher.get("company", ""),
            "campaign_id": int(campaign["id"]),
            "campaign_long_id": campaign["hashId"],
            "campaign_name": campaign["title"],
            "goal_id": goal_id,
            "goal_name": goal_name,
            "goal_value": None,
            "url_id": None,
            "url_long_id": None,
            "url_title": None,
            "coupon": "",
            "vta": 0,
            "user_id": None,
            "note": "",
        }
        for n in range(1, 11):
            record[f"p{n}"] = f"p{n}-{(h >> n) % 1000}" if n <= 2 else ""
            record[f"sub{n}"] = ""
        return record

    def click_record(self, event: Event, zone: ZoneInfo) -> dict[str, Any]:
        """A Clicks-log row, timestamps in ``zone``."""
        campaign, publisher, advertiser = self._context(event)
        h = event.h
        rejected, unique = self.click_flags(event)
        record: dict[str, Any] = {
            "id": self.clicks.event_id(event),
            "campaign_long_id": campaign["hashId"],
            "publisher_long_id": publisher["hashId"],
            "advertiser_long_id": advertiser["hashId"],
            "landing_page_long_id": None,
            "source": event.source,
            "ipaddr": _ip(h),
            "country": event.country,
            "region": f"Region {(h >> 14) % 20}",
            "city": pick(h >> 9, CITIES),
            "isp": "Example Telecom",
            "device": pick(h >> 22, DEVICES),
            "browser": pick(h >> 18, BROWSERS),
            "os": event.os,
            "user_agent": f"Mozilla/5.0 (emulated; {event.os})",
            "referer": None,
            "is_bot": 0,
            "is_unique": int(unique),
            "is_rejected": int(rejected),
            "created": local(event.ts, zone),
            "note": "",
            "payout": 0,
            "revenue": 0,
            "curr": campaign.get("currency", "USD"),
            "conn": "Cable/DSL",
            "lat": round(((h >> 24) % 18000) / 100 - 90, 2),
            "long": round(((h >> 30) % 36000) / 100 - 180, 2),
            "device_lang": "en",
            "campaign_id": int(campaign["id"]),
            "campaign_name": campaign["title"],
            "publisher_id": int(publisher["id"]),
            "publisher_name": publisher["name"],
            "advertiser_id": int(advertiser["id"]),
            "advertiser_name": advertiser["name"],
            "landing_page_id": None,
            "landing_page_name": "Default",
        }
        for n in range(1, 11):
            record[f"p{n}"] = f"p{n}-{(h >> n) % 1000}" if n <= 2 else None
        return record

    @staticmethod
    def click_flags(event: Event) -> tuple[bool, bool]:
        """(rejected, unique) of a click, as in :meth:`click_record`."""
        roll = (event.h >> 52) % 100
        return roll < 5, roll < 70


def _ip(h: int) -> str:
    return f"{10 + h % 200}.{(h >> 8) % 256}.{(h >> 16) % 256}.{1 + (h >> 24) % 254}"


def local(ts: float, zone: ZoneInfo) -> str:
    """Format POSIX seconds as ``YYYY-MM-DD HH:MM:SS`` in ``zone``."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def to_ts(naive: datetime, zone: ZoneInfo) -> float:
    """POSIX seconds of a naive local date-time in ``zone``."""
    return naive.replace(tzinfo=zone).timestamp()
