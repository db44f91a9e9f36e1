"""The request log keeps secrets out however their names are spelled, wherever the client put them."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from tests.emulator.conftest import Api
from trackier_provider.emulator.requestlog import is_secret

SECRET_NAMES = ["password", "filters[password]", "filters[Password][]", "api_key[]", "api_key", "apiKey",
                "APIKEY", "X-Api-Key", "x_api_key", "token", "security_token", "accessToken", "newPassword",
                "key", "Key[]", "client_secret", "Authorization", "cookie", "session_id", "filters[auth]"]
PUBLIC_NAMES = ["limit", "kpi[]", "filters[status]", "pageToken", "nextPageToken", "lastId", "monkey",
                "group[]", "start", "zone", "campaign_ids[]"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name: str) -> None:
    assert is_secret(name)


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_public_names(name: str) -> None:
    assert not is_secret(name)


def test_secrets_in_query_body_and_headers_never_reach_the_log(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="trackier_provider")
    query = {name: f"q-s3cr3t-{index}" for index, name in enumerate(SECRET_NAMES)}
    query.update({"limit": "2", "pageToken": "cursor-1"})
    headers = {"Authorization": "Bearer h-s3cr3t-1", "Cookie": "sid=h-s3cr3t-2", "X-Token": "h-s3cr3t-3"}
    body = {"name": "Shoes", "password": "b-s3cr3t-1", "filters": {"apiKey": "b-s3cr3t-2"}}
    api.get("/v2/campaigns", query, headers=headers)
    api.post("/v2/categories", body, params={"token": "q-s3cr3t-post"}, headers=headers)
    api.post("/v2/login", {"email": "a@b.c", "password": "b-s3cr3t-3", "networkUrl": "https://x"},
             params={"apiKey": "q-s3cr3t-login"})
    requests.get(api.emulator.base_url + "/v2/nothing", params={"X-API-KEY": "q-s3cr3t-404"}, timeout=10)
    api.session.headers["X-Api-Key"] = "h-s3cr3t-wrong-key"
    api.get("/v2/campaigns", {"Api_Key[]": "q-s3cr3t-wrong"})

    entries = api.emulator.requests
    over_http = requests.get(api.emulator.base_url + "/_emulator/requests", timeout=10).text
    emulator_logs = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("trackier_provider"))
    for text in (json.dumps(entries), over_http, emulator_logs):
        assert "s3cr3t" not in text
        assert api.emulator.api_key not in text
    assert [e["status"] for e in entries] == [200, 200, 401, 404, 400]
    first = entries[0]["query"]
    assert {name: first[name] for name in SECRET_NAMES} == {name: ["***"] for name in SECRET_NAMES}
    assert (first["limit"], first["pageToken"]) == (["2"], ["cursor-1"])
    assert entries[-1]["query"] == {"Api_Key[]": ["***"]}
