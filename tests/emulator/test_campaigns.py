"""Campaign endpoints: keyset paging, filters, create validation, edit, payouts, timelines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Api, error_of

NEW_CAMPAIGN: dict[str, Any] = {
    "advertiserId": "2", "title": "Emulated launch", "url": "https://example.com/?c={click_id}", "currency": "USD",
    "convTracking": "postback", "payouts": [{"payout": 1.25, "revenue": 2.5, "geo": ["US", "GB"]}],
}


def test_keyset_paging_returns_every_campaign_once(api: Api) -> None:
    seen: list[int] = []
    last_id = 0
    for _ in range(20):
        body = api.get("/v2/campaigns", {"limit": 5, "lastId": last_id}).json()
        assert set(body) == {"campaigns", "lastId"}  # no "success" key on this list
        if not body["campaigns"]:
            assert body["lastId"] is None
            break
        seen += [c["id"] for c in body["campaigns"]]
        last_id = body["lastId"]
    assert seen == list(range(1, 13))


def test_status_geo_objective_and_advertiser_filters(api: Api) -> None:
    every = api.get("/v2/campaigns").json()["campaigns"]
    active = api.get("/v2/campaigns", {"filters[status]": "active"}).json()["campaigns"]
    assert active
    assert {c["status"] for c in active} == {"active"}
    assert len(active) == sum(c["status"] == "active" for c in every)
    geo = every[0]["geo"][0]
    by_geo = api.get("/v2/campaigns", {"filters[geo][]": [geo]}).json()["campaigns"]
    assert by_geo
    assert all(geo in c["geo"] for c in by_geo)
    model = every[0]["commModel"]
    by_model = api.get("/v2/campaigns", {"filters[objective][]": [model]}).json()["campaigns"]
    assert by_model
    assert all(c["commModel"] == model for c in by_model)
    by_adv = api.get("/v2/campaigns", {"advertiser[]": ["3"]}).json()["campaigns"]
    assert by_adv
    assert {c["advertiserId"] for c in by_adv} == {"3"}


def test_bad_status_filter_is_107(api: Api) -> None:
    response = api.get("/v2/campaigns", {"filters[status]": "sleeping"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "107"
    assert "must be one of" in error_of(response)["message"]


@pytest.mark.parametrize("missing", ["advertiserId", "title", "url", "currency", "convTracking", "payouts"])
def test_create_requires_fields(api: Api, missing: str) -> None:
    body = {k: v for k, v in NEW_CAMPAIGN.items() if k != missing}
    response = api.post("/v2/campaigns", body)
    assert response.status_code == 400
    assert error_of(response) == {"statusCode": 400, "code": "107", "codeMsg": "VALIDATION_ERROR",
                                  "message": f'"{missing}" is required'}


def test_create_validates_payout_rows_and_enums(api: Api) -> None:
    bad_payout = dict(NEW_CAMPAIGN, payouts=[{"payout": 1, "revenue": 2}])
    assert error_of(api.post("/v2/campaigns", bad_payout))["message"] == '"payouts[0].geo" is required'
    bad_tracking = dict(NEW_CAMPAIGN, convTracking="pixel")
    assert "must be one of" in error_of(api.post("/v2/campaigns", bad_tracking))["message"]


def test_create_get_edit_and_store(api: Api) -> None:
    created = api.post("/v2/campaigns", NEW_CAMPAIGN).json()
    campaign = created["campaign"]
    assert campaign["id"] == 13
    assert created["payouts"][0]["payout"] == 1.25
    assert campaign["geo"] == ["GB", "US"]
    assert api.get(f"/v2/campaigns/{campaign['hashId']}").json()["campaign"]["title"] == "Emulated launch"
    edited = api.post(f"/v2/campaigns/{campaign['id']}", {"status": "paused", "title": "Renamed"}).json()
    assert edited["campaign"]["status"] == "paused"
    assert api.emulator.store.campaigns[13]["title"] == "Renamed"
    listed = api.get("/v2/campaigns", {"lastId": 12}).json()["campaigns"]
    assert [c["id"] for c in listed] == [13]


def test_edit_of_seeded_campaign_overlays_it(api: Api) -> None:
    api.post("/v2/campaigns/4", {"title": "Edited seed"})
    assert api.get("/v2/campaigns/4").json()["campaign"]["title"] == "Edited seed"
    api.emulator.reset()
    assert api.get("/v2/campaigns/4").json()["campaign"]["title"] != "Edited seed"


def test_unknown_campaign_is_109(api: Api) -> None:
    response = api.get("/v2/campaigns/999")
    assert response.status_code == 400
    assert error_of(response)["code"] == "109"
    assert error_of(response)["codeMsg"] == "RESOURCE_NOT_FOUND"


def test_payouts_of_a_campaign(api: Api) -> None:
    payouts = api.get("/v2/campaigns/2/payouts").json()["payouts"]
    assert payouts
    assert payouts[0]["campaignId"] == api.get("/v2/campaigns/2").json()["campaign"]["hashId"]


def test_timelines_page_and_include_api_changes(api: Api) -> None:
    first = api.get("/v2/campaigns/timelines", {"start": "2023-01-01", "end": "2023-01-01", "page": 1,
                                                "limit": 5}).json()
    assert first["success"] is True
    assert first["data"]["page"] == 1
    assert 0 < len(first["data"]["changedCampaigns"]) <= 5
    api.post("/v2/campaigns/5", {"status": "paused"})
    today = api.emulator.now().date().isoformat()
    changes = api.get("/v2/campaigns/timelines", {"start": today, "end": today}).json()["data"]["changedCampaigns"]
    assert {"campaignId": "5", "event": "status_changed"} in [
        {k: c[k] for k in ("campaignId", "event")} for c in changes]


def test_timelines_error_uses_success_false_envelope(api: Api) -> None:
    response = api.get("/v2/campaigns/timelines", {"start": "2023-02-01", "end": "2023-01-01"})
    assert response.status_code == 400
    assert response.json()["success"] is False
