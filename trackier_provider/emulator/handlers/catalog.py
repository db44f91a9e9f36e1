"""Categories, coupons and incent offers: the catalogue around campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackier_provider.emulator import validation as v
from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.handlers.common import done, editable, find_or_404, lookup, now_iso, pick_fields
from trackier_provider.emulator.paging import offset_page
from trackier_provider.emulator.rng import hex_id
from trackier_provider.emulator.router import Call, Router

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

ORG_ID = "5f0000000000000000000001"
COUPON_STATUSES = ("active", "pending", "expired")
COUPON_TYPES = ("generic", "exclusive", "one_time")
COUPON_FIELDS = ("code", "status", "type", "campaignId", "publisherIds", "excludedPubIds", "description",
                 "startDate", "endDate", "payouts")
OBJECTIVES = ("cpi", "cpa", "cpc", "cps", "cpm", "cpl")


# --- categories -------------------------------------------------------------------------------
def list_categories(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/categories``."""
    return {"categories": list(app.store.categories.all())}


def _category_name(call: Call) -> str:
    body = call.body()
    v.require(body, "name")
    v.of_type(body, "name", str, "string")
    return str(body["name"])


def create_category(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/categories``."""
    name = _category_name(call)
    categories = app.store.categories
    key = hex_id(app.store.seeds.salt("category"), 1000 + len(categories) + len(categories.deleted))
    category = {"_id": key, "name": name, "live": True, "created": now_iso(app), "org_id": ORG_ID}
    categories.put(category)
    return done("Category created successfully", category=category)


def get_category(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/categories/{id}`` (the spec answers a one-item list)."""
    return {"success": True, "category": [find_or_404(app.store.categories, call.path_params["id"], "Category")]}


def edit_category(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/categories/{id}``."""
    category = editable(find_or_404(app.store.categories, call.path_params["id"], "Category"))
    category["name"] = _category_name(call)
    app.store.categories.put(category)
    return done("Category updated successfully", category=category)


def delete_category(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``DELETE /v2/categories/{id}``."""
    app.store.categories.delete(find_or_404(app.store.categories, call.path_params["id"], "Category")["_id"])
    return done("Category deleted successfully")


# --- coupons ----------------------------------------------------------------------------------
def list_coupons(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/coupons``: page + limit with status/code/campaign/publisher filters."""
    p = call.params
    page = p.integer("page", 1, minimum=1)
    limit = p.integer("limit", 100, minimum=1, maximum=1000)
    direction = p.choice("direction", ("asc", "desc"), default="desc") or "desc"
    status = p.choice("filters", COUPON_STATUSES, sub="status")
    code = p.text("filters", "code")
    campaigns = set(p.values("filters", "campaignIds"))
    publishers = set(p.values("filters", "publisherIds"))
    rows = [c for c in app.store.coupons.all()
            if (status is None or c["status"] == status)
            and (code is None or code.lower() in c["code"].lower())
            and (not campaigns or str(c["campaignId"]) in campaigns)
            and (not publishers or publishers & set(c.get("publisherIds", [])))]
    rows.sort(key=lambda c: (c["created"], c["code"]), reverse=direction == "desc")
    return {"success": True, "coupons": offset_page(rows, page, limit),
            "pagination": {"perPage": limit, "currentPage": page, "total": len(rows)}, "direction": direction}


def _check_coupon(app: EmulatorApp, body: dict[str, Any]) -> None:
    v.of_type(body, "code", str, "string")
    v.one_of(body, "status", COUPON_STATUSES)
    v.one_of(body, "type", COUPON_TYPES)
    if "campaignId" in body:
        lookup(app, app.store.campaigns, str(body["campaignId"]), "Campaign")


def create_coupon(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/coupons``."""
    body = call.body()
    v.require(body, "code", "campaignId")
    _check_coupon(app, body)
    if app.store.coupons.find(str(body["code"])) is not None:
        raise validation_error(f'Coupon code "{body["code"]}" already exists')
    stamp = now_iso(app)
    coupon = {"_id": hex_id(app.store.seeds.salt("coupon"), 100_000 + len(app.store.coupons)), "org_id": ORG_ID,
              "status": "active", "type": "generic", "publisherIds": [], "excludedPubIds": [], "payouts": [],
              "created": stamp, "createdBy": "api"} | pick_fields(body, COUPON_FIELDS)
    coupon["campaignId"] = str(coupon["campaignId"])
    app.store.coupons.put(coupon)
    return done("Coupon created successfully", coupon=coupon)


def get_coupon(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/coupons/{code}``."""
    return {"coupon": find_or_404(app.store.coupons, call.path_params["code"], "Coupon"), "success": True}


def edit_coupon(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/coupons/{code}`` (the code itself cannot change)."""
    coupon = editable(find_or_404(app.store.coupons, call.path_params["code"], "Coupon"))
    body = call.body()
    _check_coupon(app, body)
    coupon.update({k: val for k, val in pick_fields(body, COUPON_FIELDS).items() if k != "code"})
    app.store.coupons.put(coupon)
    return done("Coupon updated successfully", coupon=coupon)


def delete_coupon(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``DELETE /v2/coupons/{code}``."""
    coupon = find_or_404(app.store.coupons, call.path_params["code"], "Coupon")
    app.store.coupons.delete(coupon["code"])
    return done("Coupon deleted successfully", coupon=coupon)


# --- incent offers ----------------------------------------------------------------------------
def _offer(campaign: dict[str, Any], publisher: dict[str, Any], source: str) -> dict[str, Any]:
    payouts = campaign.get("payouts") or [{}]
    return {
        "id": campaign["id"], "hashId": campaign["hashId"], "title": campaign["title"],
        "currency": campaign.get("currency", "USD"), "previewUrl": campaign.get("previewUrl", ""),
        "model": campaign.get("commModel", "cpa"), "device": campaign.get("device", []),
        "os": campaign.get("os", []), "categories": campaign.get("categories", []),
        "countries": campaign.get("geo", []), "defaultGoal": campaign.get("defaultGoalName", "Conversion"),
        "payouts": [{"payout": p.get("payout", 0), "revenue": p.get("revenue", 0), "coverage": p.get("geo", []),
                     "payoutType": "fixed"} for p in payouts],
        "trackingLink": (f"https://track.emulator.test/click?campaign_id={campaign['id']}"
                         f"&pub_id={publisher['id']}&source={source}"),
    }


def incent_offers(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/offers/incent``: active campaigns as incent offers for ``pubId``/``source``."""
    p = call.params
    pub_ref = p.required("pubId")
    source = p.required("source")
    page = p.integer("page", 1, minimum=1)
    limit = p.integer("limit", 100, minimum=1, maximum=1000)
    order = p.choice("order", ("asc", "desc"), default="asc")
    sort_by = p.choice("sortBy", ("payout", "id"), default="id")
    geo = p.values("filters", "geo")
    objective = p.values("filters", "objective")
    publisher = lookup(app, app.store.publishers, pub_ref, "Publisher")
    active = [_offer(c, publisher, source) for c in app.store.campaigns.all() if c.get("status") == "active"]
    rows = [o for o in active if (not geo or set(geo) & set(o["countries"]))
            and (not objective or o["model"] in objective)]
    rows.sort(key=lambda o: o["payouts"][0]["payout"] if sort_by == "payout" else o["id"], reverse=order == "desc")
    chosen = offset_page(rows, page, limit)
    return {"success": True, "campaigns": chosen, "page": page, "limit": limit, "total": len(rows),
            "count": len(chosen),
            "availableFilters": {"geo": sorted({g for o in active for g in o["countries"]}),
                                 "objective": sorted({o["model"] for o in active if o["model"] in OBJECTIVES})},
            "appliedFilters": {"geo": geo, "objective": objective}}


ROUTES = [
    ("GET", "/v2/categories", list_categories),
    ("POST", "/v2/categories", create_category),
    ("GET", "/v2/categories/{id}", get_category),
    ("POST", "/v2/categories/{id}", edit_category),
    ("DELETE", "/v2/categories/{id}", delete_category),
    ("GET", "/v2/coupons", list_coupons),
    ("POST", "/v2/coupons", create_coupon),
    ("GET", "/v2/coupons/{code}", get_coupon),
    ("POST", "/v2/coupons/{code}", edit_coupon),
    ("DELETE", "/v2/coupons/{code}", delete_coupon),
    ("GET", "/v2/offers/incent", incent_offers),
]


def register(router: Router, app: EmulatorApp) -> None:
    """Wire categories, coupons and incent offers."""
    router.add_all(ROUTES, app)
