"""The stored resources the generic CRUD serves: one ``Kind`` each, and the operations routed to it.

Objects carry the fields of Trackier's models (``models/*.yaml`` in the spec): what the create body gives,
defaults for the rest, ids, parent ids and timestamps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackier_provider.api import MODELS
from trackier_provider.emulator import validation as v
from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.handlers.common import now_iso, pick_fields
from trackier_provider.emulator.handlers.resources import Builder, Handler, Kind, Obj, array, crud, hash_of, table
from trackier_provider.emulator.rng import iso
from trackier_provider.emulator.seed import CATALOG_EPOCH

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

ADMIN_ID = 1
#: The network's team: the login user first, then two managers (``GET /v2/accounts``).
TEAM = (("Emulator Admin", "admin@example.com", "admin"), ("Morgan Manager", "morgan@example.com", "manager"),
        ("Riley Manager", "riley@example.com", "manager"))


def _stamped(app: EmulatorApp, obj: Obj) -> Obj:
    stamp = now_iso(app)
    return obj | {"created": stamp, "modified": stamp}


def _fields(body: Obj, *names: str) -> Obj:
    return pick_fields(body, names)


def subaccounts(kind: str) -> Builder:
    """SubAccountCreate -> a sub account of type ``kind`` (``sub_pub``, ``sub_adv``); the password is
    checked, then forgotten."""

    def build(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
        v.email(body)
        if "password" in body:
            v.check_password(body["password"])
        return _stamped(app, {"id": key, "hashId": key, "type": kind, "live": True, "phone": "", "meta": {}}
                        | _fields(body, "name", "email", "phone", "status", "meta", "username"))

    return build


def note(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """A note on a campaign, publisher or advertiser."""
    v.of_type(body, "message", str, "string")
    v.require(body, "message")
    return _stamped(app, {"id": key, "message": body["message"], "user_id": str(ADMIN_ID),
                          "resourceId": (parent or {}).get("hashId", "")})


def cap(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """Cap -> a campaign cap."""
    for name in ("hourly", "daily", "monthly", "lifetime"):
        v.of_type(body, name, (int, float), "number")
    return _stamped(app, {"_id": key, "campaignId": (parent or {}).get("hashId", ""), "publisherIds": [],
                          "landingPageIds": [], "geo": [], "daily": None, "monthly": None, "lifetime": None}
                    | _fields(body, "type", "goalId", "publisherIds", "pubCapType", "landingPageIds", "hourly",
                              "daily", "monthly", "lifetime", "enablePerMinuteCap", "visibility", "geo", "redirect"))


def landing_page(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """LandingPage -> a campaign landing page."""
    v.of_type(body, "url", str, "string")
    number = table(app, LANDING_PAGE).created
    return _stamped(app, {"_id": key, "displayId": number, "urls": [], "description": ""}
                    | _fields(body, "title", "previewLink", "url", "status", "lpType", "ruleVariable", "ruleValue",
                              "urls"))


def goal(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """GoalCreate -> a campaign goal."""
    array(body, "payouts", required=True)
    return _stamped(app, {"_id": key, "blacklistPostbackPubs": [], "whitelistPostbackPubs": [], "trackMultiConv": 0}
                    | _fields(body, "title", "value", "type", "payout_model", "payouts", "blacklistPostbackPubs",
                              "whitelistPostbackPubs", "trackMultiConv", "dcs"))


def rule(app: EmulatorApp, body: Any, key: str) -> Obj:
    """Rule -> a targeting rule."""
    if not isinstance(body, dict):
        raise validation_error('"rules" must be an array of objects')
    problems = MODELS["Rule"].problems(body)
    if problems:
        name, problem = problems[0]
        raise validation_error(f'"{name}" {problem}')
    return _stamped(app, {"_id": key, "values": []} | _fields(body, "variable", "logic", "condition", "values",
                                                               "osVersion"))


def targeting(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """TargetingCreate -> a targeting block with its rules."""
    items = array(body, "rules", required=True)
    rules = [rule(app, item, f"{key[:-4]}{index:04x}") for index, item in enumerate(items, start=1)]
    return _stamped(app, {"_id": key, "publisherIds": [], "excludedPubIds": [], "rules": rules}
                    | _fields(body, "name", "condition", "event", "publisherIds", "excludedPubIds"))


def postback(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """PostbackCreate -> a publisher postback."""
    return {"id": key, "eventId": None, "http": {}, "created": now_iso(app)} | {
        name: (str(value) if name in ("campaignId", "publisherId") else value)
        for name, value in _fields(body, "event", "eventId", "type", "data", "status", "allowedConvStatus",
                                   "publisherId", "campaignId", "blockZeroPayoutPb", "http").items()}


def smart_link(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """SmartlinkCreate -> a smart link (its answers carry the event as ``type``)."""
    return _stamped(app, {"id": key, "_id": key, "short_id": key[-6:], "org_id": "5f0000000000000000000001",
                          "status": "active", "description": "", "pb": bool(body.get("postback", False)),
                          "campaigns": [], "advs": [], "categories": [], "excludedOffers": [], "allowedPubs": [],
                          "blockedPubs": [], "appendUrl": "", "type": body["event"]}
                    | _fields(body, "name", "description", "status", "model", "categories", "advs",
                              "excludedOffers", "allowedPubs", "blockedPubs", "campaigns", "minp", "maxp"))


def tracking_domain(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """TrackingDomainCreate -> a tracking domain (its host is its key)."""
    v.of_type(body, "host", str, "string")
    host = str(body["host"]).strip().lower()
    if table(app, TRACKING_DOMAIN).find("", host) is not None:
        raise validation_error(f'Tracking domain "{host}" already exists')
    if body.get("def", 0) not in (0, 1) or isinstance(body.get("def"), bool):
        raise validation_error('"def" must be one of [0, 1]')
    return _stamped(app, {"_id": key, "host": host, "protocol": body.get("protocol", "https"),
                          "pubs": [str(p) for p in array(body, "pubs")], "isDefault": int(body.get("def", 0)),
                          "visibility": "public", "type": "custom", "status": "active"})


def fraud_rule(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """A fraud rule (the model requires a name, scope and action: defaults for the last two)."""
    v.require(body, "name")
    return {"_id": key, "scope": "click", "action": "mark", "status": "active"} | body


def team_member(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """An added team member."""
    v.email(body)
    wanted = str(body["email"]).lower()
    if any(str(m["email"]).lower() == wanted for m in table(app, TEAM_MEMBER).all("")):
        raise validation_error("Team member with this email already exists")
    return _member(app, int(key), body["name"], body["email"], body["type"], body["status"], now_iso(app))


def _member(app: EmulatorApp, number: int, name: str, mail: str, role: str, status: str, stamp: str) -> Obj:
    return {"id": number, "hashId": hash_of(app, "account", number), "name": name, "email": mail,
            "status": status, "type": role, "reportingManager": {"id": ADMIN_ID, "name": TEAM[0][0],
                                                                  "email": TEAM[0][1]},
            "created": stamp, "modified": stamp}


def seeded_team(app: EmulatorApp) -> list[Obj]:
    """The admin and two managers."""
    return [_member(app, n, name, mail, role, "active", iso(CATALOG_EPOCH))
            for n, (name, mail, role) in enumerate(TEAM, start=1)]


def invoice(app: EmulatorApp, body: Obj, parent: Obj | None, key: str) -> Obj:
    """InvoicesCreate -> a draft invoice of the user (publisher or advertiser) over ``start``..``end``."""
    return {"id": int(key), "hash_id": hash_of(app, "invoice", int(key)), "status": "draft",
            "item": "publisher", "item_id": str(body["user_id"]), "from_date": str(body["start"]),
            "to_date": str(body["end"]), "currency": str(body["invCurrency"]), "amount": 0.0,
            "created": now_iso(app)}


def seeded_deals(app: EmulatorApp) -> list[Obj]:
    """Three deals on the first campaigns (deals cannot be created through the API)."""
    deals = []
    for number in range(1, 4):
        campaign = app.store.campaigns.find(number) or app.store.seeds.campaign(number)
        deals.append({"id": hash_of(app, "deal", number), "name": f"Deal {number}",
                      "url": campaign["url"], "campaign_id": campaign["id"], "campaign_name": campaign["title"],
                      "inc_exc_pubs": "include", "publishers": [], "start": "2023-01-01", "end": "2030-12-31",
                      "status": "active", "description": "", "terms_conditions": "",
                      "created": iso(CATALOG_EPOCH)})
    return deals


PUBLISHER_SUBACCOUNT = Kind("Sub account", "id", subaccounts("sub_pub"), parent="publisher")
ADVERTISER_SUBACCOUNT = Kind("Advertiser sub account", "id", subaccounts("sub_adv"), parent="advertiser")
CAMPAIGN_NOTE = Kind("Campaign note", "id", note, parent="campaign")
PUBLISHER_NOTE = Kind("Publisher note", "id", note, parent="publisher")
ADVERTISER_NOTE = Kind("Advertiser note", "id", note, parent="advertiser")
CAP = Kind("Cap", "_id", cap, parent="campaign")
LANDING_PAGE = Kind("Landing page", "_id", landing_page, parent="campaign")
GOAL = Kind("Goal", "_id", goal, parent="campaign")
TARGETING = Kind("Targeting block", "_id", targeting, parent="campaign")
POSTBACK = Kind("Postback", "id", postback)
SMART_LINK = Kind("Smartlink", "id", smart_link)
TRACKING_DOMAIN = Kind("Tracking domain", "host", tracking_domain)
FRAUD_RULE = Kind("Fraud rule", "_id", fraud_rule)
TEAM_MEMBER = Kind("Team member", "id", team_member, numeric=True, seed=seeded_team)
INVOICE = Kind("Invoice", "id", invoice, numeric=True)
DEAL = Kind("Deal", "id", seed=seeded_deals)

#: resource -> kind, for every operation whose action is list/get/create/update/delete and that the
#: generic CRUD serves as is.
KINDS: dict[str, Kind] = {
    "publishers.subaccounts": PUBLISHER_SUBACCOUNT, "advertisers.subaccounts": ADVERTISER_SUBACCOUNT,
    "campaigns.notes": CAMPAIGN_NOTE, "publishers.notes": PUBLISHER_NOTE, "advertisers.notes": ADVERTISER_NOTE,
    "campaigns.caps": CAP, "campaigns.landing_pages": LANDING_PAGE, "campaigns.goals": GOAL,
    "campaigns.targetings": TARGETING, "postbacks": POSTBACK, "smart_links": SMART_LINK,
    "tracking_domains": TRACKING_DOMAIN, "fraud_rules": FRAUD_RULE, "team_members": TEAM_MEMBER,
    "invoices": INVOICE, "deals": DEAL,
}


def crud_routes(names: list[str]) -> dict[str, Handler]:
    """The generic handler of each named operation (its resource's kind, its action)."""
    routes: dict[str, Handler] = {}
    for name in names:
        resource, _, action = name.rpartition(".")
        routes[name] = crud(KINDS[resource], action)
    return routes
