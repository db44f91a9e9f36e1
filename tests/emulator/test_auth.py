"""Authentication exactly as Trackier does it: 101, 102, 105 and the login endpoint's 113."""

from __future__ import annotations

import requests

from tests.emulator.conftest import KEY, Api, error_of
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator


def test_missing_key_is_101(api: Api) -> None:
    response = requests.get(api.emulator.base_url + "/v2/campaigns", timeout=10)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"statusCode": 400, "code": "101", "codeMsg": "API_KEY_MISSING",
                                           "message": "API Key is not found in request headers or query params"}]}


def test_wrong_key_is_102(api: Api) -> None:
    response = requests.get(api.emulator.base_url + "/v2/publishers", headers={"X-Api-Key": "nope"}, timeout=10)
    assert response.status_code == 400
    assert error_of(response)["code"] == "102"
    assert error_of(response)["codeMsg"] == "INVALID_API_KEY"


def test_ip_outside_whitelist_is_105() -> None:
    config = EmulatorConfig(api_key=KEY, ip_whitelist=["203.0.113.0/24", "10.1.2.3"])
    with TrackierEmulator(config, port=0) as emulator:
        response = requests.get(emulator.base_url + "/v2/campaigns", headers={"X-Api-Key": KEY}, timeout=10)
    assert response.status_code == 400
    assert error_of(response)["code"] == "105"
    assert error_of(response)["codeMsg"] == "IP_NOT_WHITELISTED"


def test_whitelist_including_loopback_lets_requests_through() -> None:
    with TrackierEmulator(EmulatorConfig(api_key=KEY, ip_whitelist=["127.0.0.1"]), port=0) as emulator:
        response = requests.get(emulator.base_url + "/v2/campaigns", headers={"X-Api-Key": KEY}, timeout=10)
    assert response.status_code == 200


def test_login_returns_the_api_key(api: Api) -> None:
    cfg = api.emulator.config
    body = {"email": cfg.login_email, "password": cfg.login_password, "networkUrl": cfg.network_url + "/"}
    response = requests.post(api.emulator.base_url + "/v2/login", json=body, timeout=10)  # no key needed
    assert response.status_code == 200
    data = response.json()
    assert data["success"] is True
    assert data["data"]["key"] == KEY
    assert data["data"]["user"]["email"] == cfg.login_email
    assert isinstance(data["data"]["type"], str)


def test_wrong_login_is_401_113(api: Api) -> None:
    cfg = api.emulator.config
    body = {"email": cfg.login_email, "password": "Wrong@123", "networkUrl": cfg.network_url}
    response = api.post("/v2/login", body)
    assert response.status_code == 401
    assert error_of(response) == {"statusCode": 401, "code": "113", "codeMsg": "UNAUTHORIZID_USER",
                                  "message": "Invalid email or password"}
    assert cfg.login_password not in str(api.emulator.requests)


def test_login_requires_all_fields(api: Api) -> None:
    response = api.post("/v2/login", {"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert error_of(response)["message"] == '"networkUrl" is required'
