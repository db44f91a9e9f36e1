"""Campaigns: keyset listing with filters, create/edit/delete, payouts and the change timeline."""

from __future__ import annotations

from datetime import datetime, time, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator import validation as v
from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.handlers.common import editable, lookup, now_iso, pick_fields
from trackier_provider.emulator.paging import keyset_page, offset_page
from trackier_provider.emulator.rng import draw, iso
from trackier_provider.emulator.router import Call, Router

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

STATUSES = ("active", "pending", "paused", "disabled", "expired")
FILTER_STATUSES = (*STATUSES, "suspended")
MODELS = ("cpa", "cpl", "cps", "cpi", "cpc", "cpm")
VISIBILITIES = ("public", "private", "permission")
CONV_TRACKING = ("postback", "iframe_https", "image_https")
MAX_AMOUNT = 10**12  # a payout or revenue above this is a client bug, not money
EDITABLE = ("advertiserId", "title", "description", "previewUrl", "url", "currency", "status", "commModel",
            "payoutCalParam", "device", "os", "visibility", "convTracking", "convTrackingDomain",
            "defaultGoalName", "categories", "trafficChannels", "redirectType", "appName", "appId",
            "fallbackUrl", "tags", "allowImp", "trackMultiConv", "convPending", "attributionWindow")
LIST_FILTERS = {"geo": "geo", "objective": "commModel", "category": "categories", "visibility": "visibility",
                "device": "device", "os": "os", "trafficChannels": "trafficChannels"}


def _as_list(value: Any) -> list[str]:
    return [str(x) for x in value] if isinstance(value, list) else [str(value)]


def list_campaigns(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/campaigns``: id order from ``lastId``, at most ``limit`` (default and max 1000)."""
    p = call.params
    last_id = p.integer("lastId", 0, minimum=0)
    limit = p.integer("limit", 1000, minimum=1, maximum=1000)
    p.choice("orderBy", ("created", "title"))
    p.choice("direction", ("asc", "desc"))
    status = p.choice("filters", FILTER_STATUSES, sub="status")
    wanted = {field: set(p.values("filters", name)) for name, field in LIST_FILTERS.items()
              if p.values("filters", name)}
    advertisers = {str(a) for a in p.values("advertiser")}
    found = (app.store.resolve(app.store.advertisers, a) for a in advertisers)
    adv_ids = {str(obj["id"]) for obj in found if obj is not None}

    def keep(row: dict[str, Any]) -> bool:
        if status is not None and row.get("status") != status:
            return False
        if advertisers and str(row.get("advertiserId")) not in adv_ids | advertisers:
            return False
        return all(wanted_values & set(_as_list(row.get(field, [])))
                   for field, wanted_values in wanted.items())

    page, _ = keyset_page(app.store.campaigns.all(), last_id, limit, keep)
    return {"campaigns": page, "lastId": page[-1]["id"] if page else None}


def _validate_payouts(body: dict[str, Any]) -> None:
    if "payouts" not in body:
        return
    payouts = body["payouts"]
    if not isinstance(payouts, list):
        raise validation_error('"payouts" must be an array')
    for index, item in enumerate(payouts):
        if not isinstance(item, dict):
            raise validation_error(f'"payouts[{index}]" must be of type object')
        for name in ("payout", "revenue", "geo"):
            if name not in item:
                raise validation_error(f'"payouts[{index}].{name}" is required')
        for name in ("payout", "revenue"):
            if not isinstance(item[name], (int, float)) or isinstance(item[name], bool) or item[name] < 0:
                raise validation_error(f'"payouts[{index}].{name}" must be a positive number')
            if item[name] > MAX_AMOUNT:
                raise validation_error(f'"payouts[{index}].{name}" must be less than or equal to {MAX_AMOUNT}')
        if not isinstance(item["geo"], list):
            raise validation_error(f'"payouts[{index}].geo" must be an array')


def _validate(app: EmulatorApp, body: dict[str, Any]) -> None:
    for name in ("title", "url", "currency", "description", "previewUrl"):
        v.of_type(body, name, str, "string")
    v.one_of(body, "status", STATUSES)
    v.one_of(body, "commModel", MODELS)
    v.one_of(body, "visibility", VISIBILITIES)
    v.one_of(body, "convTracking", CONV_TRACKING)
    if "advertiserId" in body and app.store.resolve(app.store.advertisers, str(body["advertiserId"])) is None:
        raise validation_error('"advertiserId" must be a valid advertiser id')
    _validate_payouts(body)


def _payouts(app: EmulatorApp, campaign: dict[str, Any], items: list[dict[str, Any]], created: float,
             ) -> list[dict[str, Any]]:
    seeds = app.store.seeds
    return [seeds.payout(campaign["hashId"], campaign["id"], n, campaign["currency"], campaign["commModel"],
                         float(item["payout"]), [str(g) for g in item["geo"]], created)
            | {"revenue": round(float(item["revenue"]), 2)} for n, item in enumerate(items, start=1)]


def _event(app: EmulatorApp, campaign: dict[str, Any], event: str) -> None:
    app.store.timeline.append({"campaignId": str(campaign["id"]), "event": event, "created": now_iso(app)})


def create_campaign(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/campaigns`` (CampaignCreate)."""
    body = call.body()
    v.require(body, "advertiserId", "title", "url", "currency", "convTracking", "payouts")
    _validate(app, body)
    store = app.store
    number = store.campaigns.next_id()
    advertiser = store.resolve(store.advertisers, str(body["advertiserId"])) or {}
    stamp = now_iso(app)
    campaign: dict[str, Any] = {
        "id": number, "hashId": store.seeds.hash_id("campaign", number), "status": "active", "commModel": "cpa",
        "visibility": "public", "geo": [], "device": [], "os": [], "categories": [], "tags": [],
        "trafficChannels": [], "redirectType": "302", "defaultGoalName": "Conversion",
        "created": stamp, "modified": stamp,
    }
    campaign.update(pick_fields(body, EDITABLE))
    campaign["advertiserId"] = str(advertiser.get("id", body["advertiserId"]))
    campaign["payouts"] = _payouts(app, campaign, body["payouts"], app.clock.timestamp())
    campaign["geo"] = sorted({g for item in campaign["payouts"] for g in item["geo"]})
    store.campaigns.put(campaign)
    store.touch()
    _event(app, campaign, "created")
    return {"campaign": campaign, "payouts": campaign["payouts"]}


def get_campaign(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/campaigns/{id}``."""
    return {"campaign": lookup(app, app.store.campaigns, call.path_params["id"], "Campaign")}


def edit_campaign(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/campaigns/{id}`` (CampaignEdit): merge the given fields."""
    campaign = editable(lookup(app, app.store.campaigns, call.path_params["id"], "Campaign"))
    body = call.body()
    _validate(app, body)
    old_status = campaign.get("status")
    campaign.update(pick_fields(body, EDITABLE))
    if "payouts" in body:
        campaign["payouts"] = _payouts(app, campaign, body["payouts"], app.clock.timestamp())
    campaign["modified"] = now_iso(app)
    app.store.campaigns.put(campaign)
    app.store.touch()
    _event(app, campaign, "status_changed" if campaign.get("status") != old_status else "updated")
    return {"campaign": campaign, "payouts": campaign.get("payouts", [])}


def delete_campaign(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``DELETE /v2/campaigns/{id}``."""
    campaign = lookup(app, app.store.campaigns, call.path_params["id"], "Campaign")
    app.store.campaigns.delete(campaign["id"])
    app.store.touch()
    _event(app, campaign, "deleted")
    return {"success": True, "message": "Campaign deleted successfully"}


def campaign_payouts(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/campaigns/{id}/payouts``."""
    return {"payouts": lookup(app, app.store.campaigns, call.path_params["id"], "Campaign").get("payouts", [])}


def _seeded_events(app: EmulatorApp, start: float, end: float) -> list[dict[str, Any]]:
    events = []
    salt = app.store.seeds.salt("campaign")
    for number in range(1, app.config.campaigns + 1):
        created = datetime.strptime(app.store.seeds.campaign(number)["created"], "%Y-%m-%dT%H:%M:%S.%fZ")
        first = created.replace(tzinfo=timezone.utc).timestamp()
        changed = first + 86400 * (1 + draw(salt, number) % 400)
        for stamp, name in ((first, "created"), (changed, "status_changed")):
            if start <= stamp < end:
                events.append({"campaignId": str(number), "event": name, "created": iso(stamp)})
    return events


def timelines(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/campaigns/timelines``: changes between ``start`` and ``end`` (UTC dates), paged."""
    p = call.params
    page = p.integer("page", 1, minimum=1)
    limit = p.integer("limit", 100, minimum=1, maximum=1000)
    today = app.clock.now().date()
    start_day, end_day = p.day("start", today), p.day("end", today)
    if end_day < start_day:
        raise validation_error('"end" must be greater than or equal to "start"', variant="success_errors")
    start = datetime.combine(start_day, time.min, timezone.utc).timestamp()
    end = datetime.combine(end_day, time.min, timezone.utc).timestamp() + 86400
    events = _seeded_events(app, start, end) + [
        e for e in app.store.timeline
        if start <= datetime.strptime(e["created"], "%Y-%m-%dT%H:%M:%S.%fZ")
        .replace(tzinfo=timezone.utc).timestamp() < end]
    events.sort(key=lambda e: (e["created"], int(e["campaignId"])))
    return {"success": True, "data": {"changedCampaigns": offset_page(events, page, limit), "page": page}}


ROUTES = [
    ("GET", "/v2/campaigns", list_campaigns),
    ("POST", "/v2/campaigns", create_campaign),
    ("GET", "/v2/campaigns/{id}/payouts", campaign_payouts),
    ("GET", "/v2/campaigns/{id}", get_campaign),
    ("POST", "/v2/campaigns/{id}", edit_campaign),
    ("DELETE", "/v2/campaigns/{id}", delete_campaign),
]


def register(router: Router, app: EmulatorApp) -> None:
    """Wire the campaign operations."""
    router.add("GET", "/v2/campaigns/timelines", partial(timelines, app), variant="success_errors")
    router.add_all(ROUTES, app)
