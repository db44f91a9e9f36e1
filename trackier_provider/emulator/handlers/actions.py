"""The catalogue operations that are not plain CRUD: campaign settings and bulk edits, campaign access,
payouts and targeting rules inside their parents, tracking links, conversion look-ups and status changes,
invoices' preview, manager assignment, e-mails and stats adjustments.

Each handler takes ``(app, operation, call)``; the query was checked against the catalogue before.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from trackier_provider.emulator import validation as v
from trackier_provider.emulator.errors import ApiError, not_found, validation_error
from trackier_provider.emulator.handlers.common import done, editable, lookup, now_iso
from trackier_provider.emulator.handlers.objects import INVOICE, TARGETING, TEAM_MEMBER, rule
from trackier_provider.emulator.handlers.resources import Kind, Obj, array, body_of, hash_of, new_key, table
from trackier_provider.emulator.http import Response, json_response
from trackier_provider.emulator.router import Call

if TYPE_CHECKING:
    from trackier_provider.api import Operation
    from trackier_provider.emulator.app import EmulatorApp

TRACKING_HOST = "https://track.emulator.test"


def _campaign(app: EmulatorApp, call: Call, name: str = "id") -> Obj:
    return lookup(app, app.store.campaigns, call.path_params[name], "Campaign")


def _save_campaign(app: EmulatorApp, campaign: Obj, changes: Obj) -> Obj:
    edited = editable(campaign) | changes | {"modified": now_iso(app)}
    app.store.campaigns.put(edited)
    app.store.touch()
    return edited


# ----------------------------------------------------------------------------- campaign settings
def campaign_settings(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """Thumbnail, S2S and impression tracking, postback settings: the body's fields saved on the campaign."""
    campaign = _campaign(app, call, operation.path_params[0].name)
    body = body_of(operation, call)
    if operation.name == "campaigns.thumbnail.update":
        image = body.get("image")
        if not isinstance(image, dict):
            raise validation_error('"image" is required')
        body = {"thumbnail": f"{TRACKING_HOST}/thumbnails/{campaign['hashId']}/{image['filename']}"}
    elif operation.name == "campaigns.postback_settings.update":
        goals = array(body, "goals")
        if not all(isinstance(g, dict) for g in goals):
            raise validation_error('"goals" must be an array of objects')
        body = {"postbackSettings": goals}
    _save_campaign(app, campaign, body)
    return done("Campaign updated successfully")


def delete_thumbnail(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``DELETE /v2/campaigns/{id}/thumbnail``: 109 when the campaign has none."""
    campaign = _campaign(app, call)
    if not campaign.get("thumbnail"):
        raise not_found("Thumbnail")
    _save_campaign(app, campaign, {"thumbnail": ""})
    return done("Thumbnail deleted successfully")


def _campaigns_of(app: EmulatorApp, refs: Any) -> list[Obj]:
    if not isinstance(refs, list) or not refs:
        raise validation_error('"campaignIds" must be a non-empty array')
    found = []
    for ref in refs:
        campaign = app.store.resolve(app.store.campaigns, str(ref))
        if campaign is None:
            raise validation_error(f'"campaignIds" contains an unknown campaign: {ref}')
        found.append(campaign)
    return found


def bulk_status(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/campaigns/status``: one status for many campaigns."""
    body = body_of(operation, call)
    campaigns = _campaigns_of(app, body["campaignIds"])
    for campaign in campaigns:
        _save_campaign(app, campaign, {"status": body["status"]})
    return done(f"{len(campaigns)} campaign(s) updated")


def bulk_edit(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/campaigns/bulkEdit``: status, visibility (``vis``) and currency of many campaigns."""
    body = body_of(operation, call)
    fields = body["fields"]
    if not isinstance(fields, dict):
        raise validation_error('"fields" must be of type object')
    v.one_of(fields, "status", ("active", "pending", "paused", "disabled", "expired"))
    v.one_of(fields, "vis", ("public", "private", "permission"))
    changes = {("visibility" if k == "vis" else k): val for k, val in fields.items()
               if k in ("status", "vis", "currency")}
    campaigns = _campaigns_of(app, body["campaignIds"])
    for campaign in campaigns:
        _save_campaign(app, campaign, changes)
    return done(f"{len(campaigns)} campaign(s) updated")


def campaign_categories(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/campaigns/categories``: the network's categories."""
    return {"categories": list(app.store.categories.all())}


# ----------------------------------------------------------------------------- payouts (inside the campaign)
def _payout_index(campaign: Obj, call: Call) -> int:
    wanted = call.path_params["payoutId"]
    for index, item in enumerate(campaign.get("payouts", [])):
        if item.get("_id") == wanted:
            return index
    raise not_found("Payout")


def _payout(app: EmulatorApp, campaign: Obj, body: Obj, key: str, created: str) -> Obj:
    array(body, "geo", required=True)
    for name in ("payout", "revenue"):
        v.of_type(body, name, (int, float), "number")
    item = app.store.seeds.payout(campaign["hashId"], campaign["id"], 0, str(body.get("currency") or
                                  campaign.get("currency", "USD")), campaign.get("commModel", "cpa"),
                                  float(body["payout"]), [str(g) for g in body["geo"]], 0)
    extra: Obj = {k: body[k] for k in ("region", "city", "goalId", "landingPages") if k in body}
    if "pubIds" in body:  # a payout answer holds them as one comma-separated string
        extra["pubIds"] = ",".join(str(p) for p in array(body, "pubIds"))
    return item | extra | {"_id": key, "revenue": round(float(body["revenue"]), 2), "created": created}


def payout_create(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/campaigns/{id}/payouts``: a payout appended to the campaign's payouts."""
    campaign = _campaign(app, call)
    body = body_of(operation, call)
    count = len(campaign.get("payouts", []))
    key = f"{campaign['hashId'][:14]}{count + 1 + len(app.store.timeline):010x}"
    while any(p.get("_id") == key for p in campaign.get("payouts", [])):
        key = f"{key[:14]}{int(key[14:], 16) + 1:010x}"
    item = _payout(app, campaign, body, key, now_iso(app))
    _save_campaign(app, campaign, {"payouts": [*campaign.get("payouts", []), item]})
    return {"success": True, "payout": item}


def payout_update(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/campaigns/{id}/payouts/{payoutId}``: the payout replaced by the body's."""
    campaign = _campaign(app, call)
    index = _payout_index(campaign, call)
    old = campaign["payouts"][index]
    item = _payout(app, campaign, body_of(operation, call), old["_id"], old["created"])
    payouts = [*campaign["payouts"]]
    payouts[index] = item
    _save_campaign(app, campaign, {"payouts": payouts})
    return {"success": True, "payout": item}


def payout_delete(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``DELETE /v2/campaigns/{id}/payouts/{payoutId}``."""
    campaign = _campaign(app, call)
    index = _payout_index(campaign, call)
    _save_campaign(app, campaign, {"payouts": [p for i, p in enumerate(campaign["payouts"]) if i != index]})
    return done("Payout deleted successfully")


# ----------------------------------------------------------------------------- targeting rules
def _block(app: EmulatorApp, call: Call) -> tuple[str, Obj]:
    scope = str(_campaign(app, call, "campId")["id"])
    block = table(app, TARGETING).find(scope, call.path_params["id"])
    if block is None:
        raise not_found("Targeting block")
    return scope, block


def _rule_index(block: Obj, call: Call) -> int:
    for index, item in enumerate(block["rules"]):
        if item["_id"] == call.path_params["ruleId"]:
            return index
    raise not_found("Rule")


def rules_create(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST .../targetings/{id}/rules``: rules appended to the block (at most 100)."""
    scope, block = _block(app, call)
    items = body_of(operation, call).get("rules")
    if not isinstance(items, list) or not items:
        raise validation_error('"rules" must be a non-empty array')
    if len(block["rules"]) + len(items) > 100:
        raise validation_error("A targeting block holds at most 100 rules")
    added = [rule(app, item, new_key(app, TARGETING)) for item in items]
    block = block | {"rules": [*block["rules"], *added], "modified": now_iso(app)}
    table(app, TARGETING).put(scope, block["_id"], block)
    return done("Rules added successfully", ruleblock=block)


def rule_update(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST .../rules/{ruleId}``: the rule replaced by the body's (same id)."""
    scope, block = _block(app, call)
    index = _rule_index(block, call)
    old = block["rules"][index]
    item = rule(app, body_of(operation, call), old["_id"]) | {"created": old["created"]}
    rules = [*block["rules"]]
    rules[index] = item
    table(app, TARGETING).put(scope, block["_id"], block | {"rules": rules, "modified": now_iso(app)})
    return done("Rule updated successfully", rule=item)


def rule_delete(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``DELETE .../rules/{ruleId}``: deleting a block's last rule deletes the block."""
    scope, block = _block(app, call)
    index = _rule_index(block, call)
    rules = [r for i, r in enumerate(block["rules"]) if i != index]
    if rules:
        table(app, TARGETING).put(scope, block["_id"], block | {"rules": rules, "modified": now_iso(app)})
    else:
        table(app, TARGETING).remove(scope, block["_id"])
    return done("Rule deleted successfully")


# ----------------------------------------------------------------------------- campaign access
#: Access entries, keyed ``"<campaign id>:<publisher id>"``; and conversion status changes, by conversion id.
ACCESS = Kind("Campaign access", "_id")


def access_list(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/campaigns/access``: filters ``campaignIds``, ``publisherIds``, ``accessStatus``."""
    p = call.params
    campaigns, publishers = set(p.values("filters", "campaignIds")), set(p.values("filters", "publisherIds"))
    status = p.text("filters", "accessStatus")
    rows = [row for row in table(app, ACCESS).all("")
            if (not campaigns or {row["campaignId"], row["campaign"]["hashId"]} & campaigns)
            and (not publishers or {row["publisherId"], row["publisher"]["hashId"]} & publishers)
            and (status is None or row["status"] == status)]
    return {"accessList": rows, "pagination": {"perPage": len(rows), "currentPage": 1, "total": len(rows)}}


def access_update(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/campaigns/access``: assign (approved), block (denied), remove or unblock (no entry)."""
    body = body_of(operation, call)
    pairs: list[list[Obj]] = []
    for name, collection in (("campaign_ids", app.store.campaigns), ("publisher_ids", app.store.publishers)):
        found = [app.store.resolve(collection, str(ref)) for ref in array(body, name, required=True)]
        pairs.append([obj for obj in found if obj is not None])
        if len(pairs[-1]) < len(found):
            raise validation_error(f'"{name}" contains an unknown id')
    entries = table(app, ACCESS)
    for campaign in pairs[0]:
        for publisher in pairs[1]:
            key = (int(campaign["id"]), int(publisher["id"]))
            if body["type"] in ("remove", "unblock"):
                entries.remove("", f"{key[0]}:{key[1]}")
                continue
            kind = campaign.get("visibility") if campaign.get("visibility") in ("private", "permission") else "private"
            entries.put("", f"{key[0]}:{key[1]}", {
                "_id": hash_of(app, "access", key[0] * 100_000 + key[1]), "type": kind,
                "created": now_iso(app), "campaignId": str(key[0]), "publisherId": str(key[1]),
                "status": "approved" if body["type"] == "assign" else "denied",
                "campaign": {k: campaign[k] for k in ("title", "status", "hashId", "id")},
                "publisher": {"name": publisher["name"], "company": publisher.get("company", ""),
                              "hashId": publisher["hashId"], "id": publisher["id"]},
            })
    return done("Campaign access updated successfully")


# ----------------------------------------------------------------------------- tracking links
def tracking_link(app: EmulatorApp, operation: Operation, call: Call) -> Response | Obj:
    """``POST /v2/trackingLink/{campId}/{pubId}``: options from the query or the JSON body; errors use the
    spec's ``{"success": false, "error": {...}}`` envelope."""
    try:
        campaign = _campaign(app, call, "campId")
        publisher = lookup(app, app.store.publishers, call.path_params["pubId"], "Publisher")
        options = {k: vals[-1] for k, vals in call.params.flat.items()} | body_of(operation, call)
    except ApiError as error:
        return json_response({"success": False, "error": {"code": int(error.code), "message": error.message}},
                             error.status)
    host = options.get("tracking_domain") or options.get("domain")
    base = f"https://{host}" if host else TRACKING_HOST
    query = {"campaign_id": campaign["id"], "pub_id": publisher["id"]}
    for name in ("source", "url", "url_id", "prl", "gaid", "idfa"):
        if options.get(name):
            query[name] = options[name]
    if options.get("deeplink"):
        query["url"] = options["deeplink"]
    for name, value in (options.get("tracking_params") or {}).items():
        query[name] = value
    url = f"{base}/click?{urlencode(query)}"
    answer: Obj = {"success": True, "url": url, "tracking_url": url,
                   "shortLink": f"{base}/s/{campaign['hashId'][-6:]}{publisher['hashId'][-6:]}"}
    if str(options.get("click_pixel")).lower() == "true":
        answer["click_pixel"] = f'<script src="{url}&format=js"></script>'
    if str(options.get("impression_pixel")).lower() == "true":
        answer["impression_pixel"] = f'<img src="{base}/impression?{urlencode(query)}" />'
    return answer


# ----------------------------------------------------------------------------- conversions
def _conversion_index(app: EmulatorApp, conversion_id: str | None, txn_id: str | None) -> int | None:
    stream = app.traffic.conversions
    if conversion_id:
        if len(conversion_id) != 24 or conversion_id[8:14] != f"{stream.tag:06x}":
            return None
        try:
            return int(conversion_id[14:], 16)
        except ValueError:
            return None
    if txn_id and txn_id.startswith("TXN") and txn_id[3:].isdigit():
        return int(txn_id[3:])
    return None


def _existing(app: EmulatorApp, index: int | None, day: str | None) -> Any:
    if index is None:
        return None
    stream, now = app.traffic.conversions, app.clock.timestamp()
    if index >= stream.first_at_or_after(now + 1):
        return None
    event = stream.event(index)
    if app.traffic.conversion_status(event, now) is None:
        return None
    if day is not None and datetime.fromtimestamp(event.ts, timezone.utc).date().isoformat() != day:
        return None
    return event


def find_conversion(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/reports/findConv``: the conversion id of ``txn_id`` on ``date`` (UTC), else 404."""
    day = call.params.day("date")
    event = _existing(app, _conversion_index(app, None, call.params.required("txn_id")), day.isoformat())
    if event is None:
        raise ApiError(404, "109", "Conversion not found", variant="success_errors")
    return {"success": True, "conversion": {"id": app.traffic.conversions.event_id(event)}}


def change_conversion(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/editConv``: a conversion found by ``id`` or ``txn_id`` + ``date`` gets ``status``, which the
    conversion log, ``findConv`` and the reports show from then on (``Store.conversion_statuses``).

    The ``is_multiple`` header (``true`` or ``false``, else 107) asks for every conversion with the same
    ``txn_id`` and ``date``: the emulator's transaction ids are each one conversion's, so it changes that one.
    """
    p = call.params
    if call.request.headers.get("is_multiple", "true").lower() not in ("true", "false"):
        raise validation_error('"is_multiple" must be one of [true, false]')
    if not (p.text("id") or p.text("click_id") or (p.text("txn_id") and p.text("date"))):
        raise validation_error("id, click_id or txn_id with date is required")
    index = _conversion_index(app, p.text("id"), p.text("txn_id"))
    event = _existing(app, index, p.text("date") if not p.text("id") else None)
    if event is None:
        raise not_found("Conversion")
    app.store.conversion_statuses[event.index] = str(p.required("status"))
    app.store.touch()  # cached rows and settled reports show the old status
    return done("Conversion status updated successfully")


# ----------------------------------------------------------------------------- network
def assign_managers(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/publishers/assign-managers``: the team members become the publishers' managers."""
    body = body_of(operation, call)
    managers = []
    for ref in array(body, "manager_ids"):
        member = table(app, TEAM_MEMBER).find("", str(ref))
        if member is None:
            raise validation_error(f'"manager_ids" contains an unknown team member: {ref}')
        managers.append({"id": member["id"], "name": member["name"], "email": member["email"]})
    changed = []
    for ref in array(body, "ids"):
        publisher = lookup(app, app.store.publishers, str(ref), "Publisher")
        publisher = editable(publisher) | {"managers": managers, "modified": now_iso(app)}
        app.store.publishers.put(publisher)
        changed.append({k: publisher[k] for k in ("id", "name", "email")} | {"managers": managers})
    app.store.touch()
    return done("Managers assigned successfully", publishers=changed)


def transactions(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/publishers/{id}/transactions``: the publisher's approved invoices as debits."""
    publisher = lookup(app, app.store.publishers, call.path_params["id"], "Publisher")
    mine = [i for i in table(app, INVOICE).all("") if i["item_id"] in (str(publisher["id"]), publisher["hashId"])]
    return {"success": True, "payments": [], "transactions": [
        {"_id": i["hash_id"], "user_id": publisher["hashId"], "org_id": "5f0000000000000000000001",
         "type": "invoice", "note": f"Invoice {i['id']}", "credit": 0, "debit": i["amount"], "system": "invoice",
         "live": True, "created": i["created"], "modified": i["created"]} for i in mine]}


def invoice_preview(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``GET /v2/invoices/preview``: an HTML summary of what an invoice over the window would hold."""
    p = call.params
    start, end = p.day("start"), p.day("end")
    if end < start:
        raise validation_error('"end" must be greater than or equal to "start"', variant="success_errors")
    user = p.required("user_id")
    return {"success": True, "data": f"<h1>Invoice preview</h1><p>{user}: {start} to {end}, "
                                     f"{p.text('prefType')}</p>"}


def send_email(app: EmulatorApp, operation: Operation, call: Call) -> Response | Obj:
    """``POST /v2/smtp/send-email``: errors use the spec's ``{"success": false, "message"}`` envelope."""
    try:
        body = body_of(operation, call)
        v.require(body, "template_name", "user_id")
    except ApiError as error:
        return json_response({"success": False, "message": error.message}, error.status)
    return done(f"Email {body['template_name']} queued")


def adjust_stats(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """``POST /v2/reports/adjuststats``: checked and acknowledged (generated reports do not change)."""
    body = body_of(operation, call)
    v.of_type(body, "quantity", (int, float), "number")
    lookup(app, app.store.campaigns, str(body["campaignId"]), "Campaign")
    return done("Stats adjusted successfully")
