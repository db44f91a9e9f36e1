"""The emulator's catalogue resources are stateful: what is created is listed, edits show, deletes are 109.

Table-driven over the resources the generic CRUD serves (plus payouts and targeting rules, kept inside their
campaign and block); every request goes over HTTP and errors are checked in Trackier's envelopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.emulator.conftest import Api, error_of
from tests.emulator.test_contract import (
    CAP,
    DOMAIN,
    FRAUD_RULE,
    GOAL,
    LANDING_PAGE,
    MEMBER,
    NOTE,
    PAYOUT,
    POSTBACK,
    RULE,
    SMART_LINK,
    SUBACCOUNT,
    TARGETING,
    dig,
)
from trackier_provider.api import OPERATIONS


def send(api: Api, name: str, ids: dict[str, Any], body: Any = None, **params: Any) -> Any:
    operation = OPERATIONS[name]
    return api.request(operation.method, operation.path.format(**ids), json=body, params=params or None)


def records(api: Api, resource: str, ids: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    name = f"{resource}.list"
    answer = send(api, name, ids, **params)
    assert answer.status_code == 200, answer.text
    return dig(answer.json(), OPERATIONS[name].records_at or "")


@dataclass
class Resource:
    """How to exercise one resource: its parent ids, a create body, where the new key is, an edit."""

    name: str
    parent: dict[str, Any]
    body: dict[str, Any]
    key_param: str
    key_field: str
    edit: dict[str, Any]

    def key_of(self, api: Api, answer: dict[str, Any]) -> str:
        """The new object's key: from the create answer where it holds the object, else the newest listed."""
        result = OPERATIONS[f"{self.name}.create"].result
        if result:
            return str(dig(answer, result)[self.key_field])
        return str(records(api, self.name, self.parent, limit=1000)[-1][self.key_field])


RESOURCES = [
    Resource("publishers.subaccounts", {"publisherId": 2}, SUBACCOUNT, "id", "id", {"status": "paused"}),
    Resource("advertisers.subaccounts", {"advertiserId": 2}, SUBACCOUNT, "id", "id", {"status": "paused"}),
    Resource("campaigns.notes", {"campId": 2}, NOTE, "noteId", "id", {"message": "Edited"}),
    Resource("publishers.notes", {"pubId": 2}, NOTE, "noteId", "id", {}),
    Resource("advertisers.notes", {"advId": 2}, NOTE, "noteId", "id", {}),
    Resource("campaigns.caps", {"id": 2}, CAP, "capId", "_id", {"campaignId": "2", "daily": 99}),
    Resource("campaigns.landing_pages", {"id": 2}, LANDING_PAGE, "lpId", "_id", {**LANDING_PAGE, "title": "New"}),
    Resource("campaigns.goals", {"id": 2}, GOAL, "goalId", "_id", {"title": "Sale", "value": "sale"}),
    Resource("campaigns.targetings", {"id": 2}, TARGETING, "id", "_id", {"name": "Renamed"}),
    Resource("postbacks", {}, POSTBACK, "id", "id", {"status": "pending"}),
    Resource("smart_links", {}, SMART_LINK, "id", "id", {"status": "disabled"}),
    Resource("tracking_domains", {}, DOMAIN, "domain", "host", {"protocol": "http"}),
    Resource("fraud_rules", {}, FRAUD_RULE, "id", "_id", {"proxyCheck": 0}),
]


def _ids(resource: Resource, key: str) -> dict[str, Any]:
    create = OPERATIONS[f"{resource.name}.create"]
    parent = {create.path_params[0].name: next(iter(resource.parent.values()))} if resource.parent else {}
    # the object's operations name the parent by their own placeholder (``campId`` vs ``id``)
    sample = next(OPERATIONS[n] for n in (f"{resource.name}.delete", f"{resource.name}.update") if n in OPERATIONS)
    names = [p.name for p in sample.path_params]
    values = [*parent.values(), key]
    return dict(zip(names, values, strict=True))


@pytest.mark.parametrize("resource", RESOURCES, ids=[r.name for r in RESOURCES])
def test_created_objects_are_listed_edited_and_deleted(api: Api, resource: Resource) -> None:
    created = send(api, f"{resource.name}.create", resource.parent, resource.body)
    assert created.status_code == 200, created.text
    key = resource.key_of(api, created.json())
    assert key in {str(r[resource.key_field]) for r in records(api, resource.name, resource.parent, limit=1000)}
    ids = _ids(resource, key)
    if f"{resource.name}.update" in OPERATIONS:
        edited = send(api, f"{resource.name}.update", ids, resource.edit)
        assert edited.status_code == 200, edited.text
        listed = {str(r[resource.key_field]): r for r in records(api, resource.name, resource.parent, limit=1000)}
        assert {k: listed[key].get(k) for k in resource.edit} == resource.edit
    assert send(api, f"{resource.name}.delete", ids).status_code == 200
    assert key not in {str(r[resource.key_field]) for r in records(api, resource.name, resource.parent, limit=1000)}
    again = send(api, f"{resource.name}.get", ids) if f"{resource.name}.get" in OPERATIONS else send(
        api, f"{resource.name}.delete", ids)
    assert again.status_code == 400 and error_of(again)["code"] == "109"


def test_objects_belong_to_their_parent(api: Api) -> None:
    send(api, "campaigns.caps.create", {"id": 2}, CAP)
    assert records(api, "campaigns.caps", {"id": 3}) == []
    missing = send(api, "campaigns.caps.list", {"id": 999})
    assert missing.status_code == 400 and error_of(missing)["code"] == "109"
    hashed = api.get("/v2/campaigns/2").json()["campaign"]["hashId"]
    assert len(records(api, "campaigns.caps", {"id": hashed})) == 1  # a hash id names the same campaign


def test_a_page_list_pages_as_the_catalogue_says(api: Api) -> None:
    for number in range(5):
        assert send(api, "postbacks.create", {}, {**POSTBACK, "data": f"https://example.com/{number}"}).ok
    first, second, third = (records(api, "postbacks", {}, page=page, limit=2) for page in (1, 2, 3))
    assert [len(first), len(second), len(third)] == [2, 2, 1]
    assert len({p["id"] for p in first + second + third}) == 5


@pytest.mark.parametrize(
    ("name", "ids", "body", "message"),
    [
        ("campaigns.caps.create", {"id": 2}, {"type": "conversion", "visibility": "public"},
         '"pubCapType" is required'),
        ("campaigns.caps.create", {"id": 2}, {**CAP, "type": "sales"}, '"type" must be one of'),
        ("postbacks.create", {}, {**POSTBACK, "event": "install"}, '"event" must be one of'),
        ("team_members.create", {}, {**MEMBER, "email": "not-an-email"}, '"email" must be a valid email'),
        ("publishers.subaccounts.create", {"publisherId": 2}, {**SUBACCOUNT, "password": "weak"},
         "Password criteria not met!"),
        ("campaigns.targetings.create", {"id": 2}, {**TARGETING, "rules": [{"variable": "country"}]},
         '"logic" is required'),
    ],
)
def test_bad_bodies_are_107_in_the_routes_envelope(api: Api, name: str, ids: dict[str, Any], body: dict[str, Any],
                                                    message: str) -> None:
    answer = send(api, name, ids, body)
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "107" and message in error_of(answer)["message"]


def test_required_query_parameters_are_107(api: Api) -> None:
    answer = api.get("/v2/invoices", params={"start": "2026-01-01"})
    assert answer.status_code == 400 and error_of(answer)["message"] == '"end" is required'


def test_payouts_live_in_their_campaign(api: Api) -> None:
    created = send(api, "campaigns.payouts.create", {"id": 2}, PAYOUT).json()["payout"]
    assert created["_id"] in {p["_id"] for p in api.get("/v2/campaigns/2").json()["campaign"]["payouts"]}
    edited = send(api, "campaigns.payouts.update", {"id": 2, "payoutId": created["_id"]}, {**PAYOUT, "payout": 9})
    assert edited.json()["payout"]["payout"] == 9
    assert send(api, "campaigns.payouts.delete", {"id": 2, "payoutId": created["_id"]}).ok
    assert created["_id"] not in {p["_id"] for p in records(api, "campaigns.payouts", {"id": 2})}
    gone = send(api, "campaigns.payouts.delete", {"id": 2, "payoutId": created["_id"]})
    assert gone.status_code == 400 and error_of(gone)["code"] == "109"


def test_deleting_a_blocks_last_rule_deletes_the_block(api: Api) -> None:
    block = send(api, "campaigns.targetings.create", {"id": 2}, TARGETING).json()["ruleblock"]
    ids = {"campId": 2, "id": block["_id"]}
    added = send(api, "campaigns.targetings.rules.create", ids, {"rules": [{**RULE, "variable": "os"}]}).json()
    rules = added["ruleblock"]["rules"]
    assert [r["variable"] for r in rules] == ["country", "os"]
    for rule in rules:
        assert send(api, "campaigns.targetings.rules.delete", {**ids, "ruleId": rule["_id"]}).ok
    gone = send(api, "campaigns.targetings.get", ids)
    assert gone.status_code == 400 and error_of(gone)["code"] == "109"


def test_reset_forgets_what_the_api_created(api: Api) -> None:
    send(api, "postbacks.create", {}, POSTBACK)
    assert records(api, "postbacks", {})
    api.emulator.reset()
    assert records(api, "postbacks", {}) == []
    assert [m["id"] for m in records(api, "team_members", {})] == [1, 2, 3]  # the seeded team is back


def test_campaign_access_grants_and_revokes(api: Api) -> None:
    grant = {"campaign_ids": [2], "publisher_ids": [3], "type": "assign"}
    assert send(api, "campaigns.access.update", {}, grant).ok
    listed = records(api, "campaigns.access", {}, **{"filters[publisherIds][]": "3"})
    assert [(r["campaignId"], r["publisherId"], r["status"]) for r in listed] == [("2", "3", "approved")]
    assert send(api, "campaigns.access.update", {}, {**grant, "type": "remove"}).ok
    assert records(api, "campaigns.access", {}, **{"filters[publisherIds][]": "3"}) == []
