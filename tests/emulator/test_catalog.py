"""Categories, coupons and incent offers."""

from __future__ import annotations

from tests.emulator.conftest import Api, error_of


def test_categories_crud(api: Api) -> None:
    seeded = api.get("/v2/categories").json()["categories"]
    assert len(seeded) == 8
    created = api.post("/v2/categories", {"name": "Crypto"}).json()
    assert created["success"] is True
    category_id = created["category"]["_id"]
    assert api.get(f"/v2/categories/{category_id}").json()["category"][0]["name"] == "Crypto"
    assert api.post(f"/v2/categories/{category_id}", {"name": "Web3"}).json()["category"]["name"] == "Web3"
    assert api.delete(f"/v2/categories/{category_id}").json()["success"] is True
    assert error_of(api.get(f"/v2/categories/{category_id}"))["code"] == "109"
    assert error_of(api.post("/v2/categories", {}))["message"] == '"name" is required'


def test_coupon_paging_returns_each_once(api: Api) -> None:
    codes: list[str] = []
    page = 1
    while True:
        body = api.get("/v2/coupons", {"page": page, "limit": 4}).json()
        assert body["pagination"]["total"] == 6
        assert body["pagination"]["currentPage"] == page
        if not body["coupons"]:
            break
        codes += [c["code"] for c in body["coupons"]]
        page += 1
    assert len(codes) == 6 == len(set(codes))


def test_coupon_filters_create_and_fetch(api: Api) -> None:
    active = api.get("/v2/coupons", {"filters[status]": "active"}).json()["coupons"]
    assert all(c["status"] == "active" for c in active)
    by_campaign = api.get("/v2/coupons", {"filters[campaignIds][]": ["2"]}).json()["coupons"]
    assert by_campaign
    assert all(c["campaignId"] == "2" for c in by_campaign)
    created = api.post("/v2/coupons", {"code": "WELCOME10", "campaignId": "3", "status": "active"}).json()
    assert created["coupon"]["code"] == "WELCOME10"
    fetched = api.get("/v2/coupons/WELCOME10").json()
    assert fetched["success"] is True
    assert fetched["coupon"]["campaignId"] == "3"
    duplicate = api.post("/v2/coupons", {"code": "WELCOME10", "campaignId": "3"})
    assert error_of(duplicate)["code"] == "107"
    assert error_of(api.post("/v2/coupons", {"code": "X", "campaignId": "404"}))["code"] == "109"
    assert error_of(api.get("/v2/coupons/NOPE"))["code"] == "109"


def test_incent_offers_require_pub_and_source(api: Api) -> None:
    assert error_of(api.get("/v2/offers/incent", {"source": "s"}))["message"] == '"pubId" is required'
    assert error_of(api.get("/v2/offers/incent", {"pubId": "1"}))["message"] == '"source" is required'


def test_incent_offers_page_and_filter(api: Api) -> None:
    body = api.get("/v2/offers/incent", {"pubId": "1", "source": "app", "limit": 2, "page": 1}).json()
    assert body["success"] is True
    assert body["limit"] == 2
    assert body["count"] == len(body["campaigns"])
    ids: list[int] = []
    for page in range(1, body["total"] // 2 + 2):
        ids += [o["id"] for o in api.get("/v2/offers/incent", {"pubId": "1", "source": "app", "limit": 2,
                                                               "page": page}).json()["campaigns"]]
    assert len(ids) == body["total"] == len(set(ids))
    geo = body["availableFilters"]["geo"][0]
    filtered = api.get("/v2/offers/incent", {"pubId": "1", "source": "app", "filters[geo][]": [geo]}).json()
    assert filtered["appliedFilters"]["geo"] == [geo]
    assert all(geo in o["countries"] for o in filtered["campaigns"])
