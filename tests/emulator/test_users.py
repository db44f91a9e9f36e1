"""Publishers, advertisers and advertiser caps."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Api, error_of

GOOD_PASSWORD = "Secret@123"
PASSWORD_ERROR = {"success": False, "errors": [{"statusCode": 400, "code": "107", "codeMsg": "VALIDATION_ERROR",
                                                "message": "Password criteria not met!"}]}


def test_publisher_keyset_paging_returns_each_once(api: Api) -> None:
    seen: list[int] = []
    last_id = 0
    while True:
        body = api.get("/v2/publishers", {"limit": 4, "lastId": last_id}).json()
        assert body["pagination"] == {"totalCount": 9, "perPage": 4}
        if not body["publishers"]:
            break
        seen += [p["id"] for p in body["publishers"]]
        last_id = body["lastId"]
    assert seen == list(range(1, 10))


def test_publisher_default_limit_is_5000(api: Api) -> None:
    assert api.get("/v2/publishers").json()["pagination"]["perPage"] == 5000


def test_publisher_filters(api: Api) -> None:
    by_ids = api.get("/v2/publishers", {"filters[ids][]": ["3", "5"]}).json()
    assert [p["id"] for p in by_ids["publishers"]] == [3, 5]
    assert by_ids["pagination"]["totalCount"] == 2
    by_email = api.get("/v2/publishers", {"filters[email]": "publisher7@"}).json()["publishers"]
    assert [p["id"] for p in by_email] == [7]
    name = by_ids["publishers"][0]["name"]
    assert 3 in [p["id"] for p in api.get("/v2/publishers", {"filters[name]": name}).json()["publishers"]]


def test_create_publisher_never_returns_or_logs_password(api: Api) -> None:
    response = api.post("/v2/publishers", {"name": "New Pub", "email": "new@pub.test", "password": GOOD_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["publisher"]["id"] == 10
    assert GOOD_PASSWORD not in response.text
    assert "password" not in api.emulator.store.publishers[10]
    assert GOOD_PASSWORD not in str(api.emulator.requests)
    assert api.get("/v2/publishers/10").json()["publisher"]["email"] == "new@pub.test"


@pytest.mark.parametrize("password", ["Short@1", "alllower@123", "ALLUPPER@123", "NoDigits@abc", "NoSpecial123",
                                      "Way@TooLong12345678", "Bad!Special1"])
def test_password_rule_exact_body(api: Api, password: str) -> None:
    response = api.post("/v2/publishers", {"name": "P", "email": "p@pub.test", "password": password})
    assert response.status_code == 400
    assert response.json() == PASSWORD_ERROR


@pytest.mark.parametrize("password", ["Abcdef1-", "Abcdefghijklm1@#", "xY9$xxxx", "Q&w3erty"])
def test_password_rule_accepts_valid_passwords(api: Api, password: str) -> None:
    assert api.post("/v2/publishers", {"name": "P", "email": "p@pub.test", "password": password}).status_code == 200


def test_duplicate_email_is_107(api: Api) -> None:
    response = api.post("/v2/publishers", {"name": "Dup", "email": "PUBLISHER2@example.com",
                                           "password": GOOD_PASSWORD})
    assert response.status_code == 400
    assert error_of(response)["code"] == "107"
    assert "already exists" in error_of(response)["message"]


def test_create_publisher_validation_messages(api: Api) -> None:
    assert error_of(api.post("/v2/publishers", {"name": "x", "password": GOOD_PASSWORD}))["message"] == \
        '"email" is required'
    bad_email = api.post("/v2/publishers", {"name": "x", "email": "nope", "password": GOOD_PASSWORD})
    assert error_of(bad_email)["message"] == '"email" must be a valid email'


def test_edit_and_delete_publisher(api: Api) -> None:
    edited = api.post("/v2/publishers/2", {"status": "disabled", "company": "Edited Co"}).json()
    assert edited["publisher"]["company"] == "Edited Co"
    assert api.post("/v2/publishers/2", {"password": "weak"}).json() == PASSWORD_ERROR
    deleted = api.delete("/v2/publishers/2").json()
    assert deleted["success"] is True
    assert error_of(api.get("/v2/publishers/2"))["code"] == "109"
    ids = [p["id"] for p in api.get("/v2/publishers").json()["publishers"]]
    assert 2 not in ids
    assert 2 in api.emulator.store.publishers.deleted


def test_advertisers_list_and_crud(api: Api) -> None:
    body = api.get("/v2/advertisers", {"limit": 3}).json()
    assert [a["id"] for a in body["advertisers"]] == [1, 2, 3]
    assert body["lastId"] == 3
    assert body["pagination"]["totalCount"] == 4
    created = api.post("/v2/advertisers", {"name": "Adv", "email": "adv@x.test", "password": GOOD_PASSWORD}).json()
    assert created["advertiser"]["id"] == 5
    assert api.get(f"/v2/advertisers/{created['advertiser']['hashId']}").json()["advertiser"]["name"] == "Adv"


def test_advertiser_caps_crud(api: Api) -> None:
    base = "/v2/advertisers/2/caps"
    assert api.get(base).json()["caps"] == []
    assert error_of(api.post(base, {"daily": 5}))["message"] == '"type" is required'
    assert "must be one of" in error_of(api.post(base, {"type": "clicks"}))["message"]
    created = api.post(base, {"type": "conversions", "daily": 10, "geo": ["US"]}).json()
    assert created["success"] is True
    cap_id = created["cap"]["_id"]
    assert api.get(f"{base}/{cap_id}").json()["cap"]["daily"] == 10
    assert api.post(f"{base}/{cap_id}", {"monthly": 100}).json()["cap"]["monthly"] == 100
    assert [c["_id"] for c in api.get(base).json()["caps"]] == [cap_id]
    assert error_of(api.get(f"/v2/advertisers/3/caps/{cap_id}"))["code"] == "109"
    assert api.delete(f"{base}/{cap_id}").json()["success"] is True
    assert error_of(api.get(f"{base}/{cap_id}"))["code"] == "109"
    assert error_of(api.get("/v2/advertisers/99/caps"))["code"] == "109"
