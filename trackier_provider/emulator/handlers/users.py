"""Publishers and advertisers (one generic implementation, UserCreate/UserEdit) and advertiser caps."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator import validation as v
from trackier_provider.emulator.errors import not_found, validation_error
from trackier_provider.emulator.handlers.common import done, editable, find_or_404, lookup, now_iso, pick_fields
from trackier_provider.emulator.paging import keyset_page
from trackier_provider.emulator.rng import hex_id
from trackier_provider.emulator.router import Call, Router
from trackier_provider.emulator.store import Collection

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

USER_STATUSES = ("active", "pending", "disabled", "rejected")
USER_FIELDS = ("username", "name", "email", "company", "phone", "status", "region", "ref_by", "tags",
               "customFields")
CAP_TYPES = ("conversions", "approvedConv", "revenue", "gross")
CAP_FIELDS = ("type", "pubCapType", "publishers", "geo", "daily", "monthly", "lifetime")
TEXT_FILTERS = ("email", "name", "company")


@dataclass(frozen=True)
class UserKind:
    """Which user collection an endpoint serves (``publisher`` or ``advertiser``)."""

    name: str
    plural: str
    label: str

    def collection(self, app: EmulatorApp) -> Collection[int]:
        """The store collection of this kind."""
        return app.store.publishers if self.name == "publisher" else app.store.advertisers


PUBLISHER = UserKind("publisher", "publishers", "Publisher")
ADVERTISER = UserKind("advertiser", "advertisers", "Advertiser")


def list_users(kind: UserKind, app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/<kind>s``: keyset from ``lastId``, ``limit`` default 5000, text/ids/status filters."""
    p = call.params
    last_id = p.integer("lastId", 0, minimum=0)
    limit = p.integer("limit", 5000, minimum=1, maximum=5000)
    texts = {name: (p.text("filters", name) or "").lower() for name in TEXT_FILTERS if p.text("filters", name)}
    ids = set(p.values("filters", "ids"))
    status = p.choice("filters", USER_STATUSES, sub="status")

    def keep(row: dict[str, Any]) -> bool:
        if ids and str(row["id"]) not in ids and row["hashId"] not in ids:
            return False
        if status and row.get("status") != status:
            return False
        return all(text in str(row.get(name, "")).lower() for name, text in texts.items())

    page, total = keyset_page(kind.collection(app).all(), last_id, limit, keep)
    # an empty page repeats the requested lastId: the spec types lastId as an integer, never null
    return {kind.plural: page, "lastId": page[-1]["id"] if page else last_id,
            "pagination": {"totalCount": total, "perPage": limit}}


def _check_user_body(kind: UserKind, app: EmulatorApp, body: dict[str, Any], own_id: int | None) -> None:
    for name in ("name", "email", "company", "phone", "username"):
        v.of_type(body, name, str, "string")
    v.email(body)
    v.one_of(body, "status", USER_STATUSES)
    if "password" in body:
        v.check_password(body["password"])
    if "email" in body:
        wanted = str(body["email"]).lower()
        for other in kind.collection(app).all():
            if str(other.get("email", "")).lower() == wanted and other["id"] != own_id:
                raise validation_error(f"{kind.label} with this email already exists")


def create_user(kind: UserKind, app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/<kind>s`` (UserCreate); the password is validated, then forgotten."""
    body = call.body()
    v.require(body, "name", "email", "password")
    _check_user_body(kind, app, body, None)
    collection = kind.collection(app)
    number = collection.next_id()
    stamp = now_iso(app)
    user: dict[str, Any] = {"id": number, "hashId": app.store.seeds.hash_id(kind.name, number),
                            "status": "active", "company": "", "tags": [], "managers": [],
                            "region": {"currency": "USD", "lang": "en"}, "currency": "USD",
                            "created": stamp, "modified": stamp}
    user.update(pick_fields(body, USER_FIELDS))
    collection.put(user)
    app.store.touch()
    return done(f"{kind.label} created successfully", **{kind.name: user})


def get_user(kind: UserKind, app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/<kind>s/{id}``."""
    return {kind.name: lookup(app, kind.collection(app), call.path_params["id"], kind.label)}


def edit_user(kind: UserKind, app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/<kind>s/{id}`` (UserEdit)."""
    user = editable(lookup(app, kind.collection(app), call.path_params["id"], kind.label))
    body = call.body()
    _check_user_body(kind, app, body, user["id"])
    user.update(pick_fields(body, USER_FIELDS))
    user["modified"] = now_iso(app)
    kind.collection(app).put(user)
    app.store.touch()
    return {kind.name: user}


def delete_user(kind: UserKind, app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``DELETE /v2/<kind>s/{id}``."""
    user = lookup(app, kind.collection(app), call.path_params["id"], kind.label)
    kind.collection(app).delete(user["id"])
    app.store.touch()
    return done(f"{kind.label} deleted successfully")


def _check_cap(body: dict[str, Any]) -> None:
    v.one_of(body, "type", CAP_TYPES)
    v.one_of(body, "pubCapType", ("each", "group"))
    for name in ("daily", "monthly", "lifetime"):
        v.of_type(body, name, int, "number")
        if isinstance(body.get(name), int) and body[name] < 0:
            raise validation_error(f'"{name}" must be greater than or equal to 0')


def _cap(app: EmulatorApp, call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
    advertiser = lookup(app, app.store.advertisers, call.path_params["advertiser_id"], "Advertiser")
    cap = find_or_404(app.store.advertiser_caps, call.path_params["cap_id"], "Cap")
    if cap["advertiserId"] != str(advertiser["id"]):
        raise not_found("Cap")
    return advertiser, cap


def list_caps(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/advertisers/{advertiser_id}/caps``."""
    advertiser = lookup(app, app.store.advertisers, call.path_params["advertiser_id"], "Advertiser")
    caps = [c for c in app.store.advertiser_caps.all() if c["advertiserId"] == str(advertiser["id"])]
    return {"success": True, "caps": caps}


def create_cap(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/advertisers/{advertiser_id}/caps``."""
    advertiser = lookup(app, app.store.advertisers, call.path_params["advertiser_id"], "Advertiser")
    body = call.body()
    v.require(body, "type")
    _check_cap(body)
    caps = app.store.advertiser_caps
    stamp = now_iso(app)
    cap = {"_id": hex_id(app.store.seeds.salt("advertiser") ^ 0xCA9, len(caps) + len(caps.deleted) + 1),
           "advertiserId": str(advertiser["id"]), "pubCapType": "group", "publishers": [], "geo": [],
           "created": stamp, "modified": stamp} | pick_fields(body, CAP_FIELDS)
    caps.put(cap)
    return done("Cap created successfully", cap=cap)


def get_cap(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/advertisers/{advertiser_id}/caps/{cap_id}``."""
    return {"success": True, "cap": _cap(app, call)[1]}


def edit_cap(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/advertisers/{advertiser_id}/caps/{cap_id}``."""
    cap = editable(_cap(app, call)[1])
    body = call.body()
    _check_cap(body)
    cap.update(pick_fields(body, CAP_FIELDS))
    cap["modified"] = now_iso(app)
    app.store.advertiser_caps.put(cap)
    return done("Cap updated successfully", cap=cap)


def delete_cap(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``DELETE /v2/advertisers/{advertiser_id}/caps/{cap_id}``."""
    app.store.advertiser_caps.delete(_cap(app, call)[1]["_id"])
    return done("Cap deleted successfully")


def register(router: Router, app: EmulatorApp) -> None:
    """Wire publisher, advertiser and advertiser-cap operations."""
    for kind in (PUBLISHER, ADVERTISER):
        base = f"/v2/{kind.plural}"
        router.add("GET", base, partial(list_users, kind, app))
        router.add("POST", base, partial(create_user, kind, app))
    caps = "/v2/advertisers/{advertiser_id}/caps"
    router.add("GET", caps, partial(list_caps, app))
    router.add("POST", caps, partial(create_cap, app))
    router.add("GET", caps + "/{cap_id}", partial(get_cap, app))
    router.add("POST", caps + "/{cap_id}", partial(edit_cap, app))
    router.add("DELETE", caps + "/{cap_id}", partial(delete_cap, app))
    for kind in (PUBLISHER, ADVERTISER):
        item = f"/v2/{kind.plural}/{{id}}"
        router.add("GET", item, partial(get_user, kind, app))
        router.add("POST", item, partial(edit_user, kind, app))
        router.add("DELETE", item, partial(delete_user, kind, app))
