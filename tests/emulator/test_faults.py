"""Fault injection, rate limiting, the request log and the ``/_emulator`` control API."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.emulator.conftest import KEY, Api, error_of


def test_rate_limit_answers_429_with_retry_after(api: Api) -> None:
    api.emulator.set_rate_limit({"requests_per_second": 1, "retry_after": "3"})
    assert api.get("/v2/campaigns", {"limit": 1}).status_code == 200
    limited = api.get("/v2/campaigns", {"limit": 1})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert error_of(limited)["statusCode"] == 429
    api.emulator.set_rate_limit(None)
    assert api.get("/v2/campaigns", {"limit": 1}).status_code == 200


def test_rate_limit_default_retry_after_is_seconds(api: Api) -> None:
    api.emulator.set_rate_limit({"requests_per_second": 0.5})
    api.get("/v2/campaigns")
    limited = api.get("/v2/campaigns")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("retry_after", ["2", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_5xx_burst_stops_after_times(api: Api, retry_after: str) -> None:
    api.emulator.add_fault({"kind": "status", "status": 503, "times": 2, "retry_after": retry_after})
    statuses = [api.get("/v2/campaigns") for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Retry-After"] == retry_after
    assert error_of(statuses[0])["code"] == "112"
    assert api.emulator.faults == []  # used up


def test_fault_limited_to_method_and_path(api: Api) -> None:
    api.emulator.add_fault({"kind": "status", "status": 500, "method": "POST", "path": "/v2/categories"})
    assert api.get("/v2/categories").status_code == 200
    assert api.get("/v2/campaigns").status_code == 200
    assert api.post("/v2/categories", {"name": "x"}).status_code == 500


def test_latency_delays_but_answers(api: Api) -> None:
    api.emulator.add_fault({"kind": "latency", "seconds": 0.05, "times": 1})
    started = time.perf_counter()
    response = api.get("/v2/campaigns", {"limit": 1})
    elapsed = time.perf_counter() - started  # measured for the report, deliberately not asserted
    assert response.status_code == 200
    assert api.emulator.requests[-1]["fault"] == "latency"
    assert elapsed >= 0


def test_drop_before_handling_creates_nothing(api: Api) -> None:
    api.emulator.add_fault({"kind": "drop", "method": "POST", "times": 1})
    with pytest.raises(requests.ConnectionError):
        api.post("/v2/categories", {"name": "Lost"})
    assert len(api.emulator.store.categories) == 0
    assert api.emulator.requests[-1]["status"] is None


def test_drop_after_handling_keeps_the_side_effect(api: Api) -> None:
    api.emulator.add_fault({"kind": "drop", "when": "after", "method": "POST", "times": 1})
    with pytest.raises(requests.ConnectionError):
        api.post("/v2/categories", {"name": "Ghost"})
    assert [c["name"] for c in api.emulator.store.categories.values()] == ["Ghost"]


def test_truncated_body_is_a_prefix_and_not_json(api: Api) -> None:
    full = api.get("/v2/campaigns", {"limit": 3}).content
    api.emulator.add_fault({"kind": "truncate", "times": 1})
    cut = api.get("/v2/campaigns", {"limit": 3})
    assert cut.status_code == 200
    assert full.startswith(cut.content)
    assert len(cut.content) < len(full)
    with pytest.raises(ValueError):  # noqa: PT011 - json raises a ValueError subclass
        json.loads(cut.content)


def test_non_json_bodies(api: Api) -> None:
    api.emulator.add_fault({"kind": "non_json", "times": 1})
    html = api.get("/v2/campaigns")
    assert html.headers["Content-Type"].startswith("text/html")
    assert html.text.startswith("<!DOCTYPE html>")
    api.emulator.add_fault({"kind": "non_json", "body": "", "status": 502, "times": 1})
    empty = api.get("/v2/campaigns")
    assert (empty.status_code, empty.content) == (502, b"")


def test_repeat_page_ignores_the_paging_parameter(api: Api) -> None:
    first = api.get("/v2/campaigns", {"limit": 3}).json()
    api.emulator.add_fault({"kind": "repeat_page", "path": "/v2/campaigns"})
    again = api.get("/v2/campaigns", {"limit": 3, "lastId": first["lastId"]}).json()
    assert again == first
    assert api.get("/v2/publishers", {"limit": 3, "lastId": 3}).json()["publishers"][0]["id"] == 4


def test_invalid_fault_rule_is_rejected(api: Api) -> None:
    response = requests.post(api.emulator.base_url + "/_emulator/faults", json={"kind": "explode"}, timeout=10)
    assert response.status_code == 400
    assert "kind" in error_of(response)["message"]


def test_control_api_over_http(api: Api) -> None:
    base = api.emulator.base_url + "/_emulator"
    assert requests.get(base + "/health", timeout=10).json()["status"] == "ok"
    rules = [{"kind": "status", "status": 502, "times": 1}, {"kind": "latency", "seconds": 0.01, "times": 1}]
    assert len(requests.post(base + "/faults", json=rules, timeout=10).json()["faults"]) == 2
    assert api.get("/v2/campaigns").status_code == 502
    requests.post(base + "/faults", json={"kind": "status", "status": 500}, timeout=10)
    assert requests.delete(base + "/faults", timeout=10).json() == {"success": True}
    assert api.get("/v2/campaigns").status_code == 200
    requests.post(base + "/rate-limit", json={"requests_per_second": 1}, timeout=10)
    assert [api.get("/v2/campaigns").status_code for _ in range(2)] == [200, 429]
    requests.post(base + "/rate-limit", json=None, timeout=10)
    before = api.emulator.now()
    clock = requests.post(base + "/clock", json={"advance": 86400}, timeout=10).json()
    assert clock["offset"] == 86400
    assert (api.emulator.now() - before).total_seconds() >= 86400
    log = requests.get(base + "/requests", timeout=10).json()["requests"]
    assert log
    assert all(not entry["path"].startswith("/_emulator") for entry in log)
    requests.delete(base + "/requests", timeout=10)
    assert api.emulator.requests == []
    api.post("/v2/categories", {"name": "Temp"})
    assert requests.post(base + "/reset", timeout=10).json() == {"success": True}
    assert len(api.emulator.store.categories) == 0
    assert api.emulator.store is not None
    assert api.emulator.requests == []


def test_request_log_entries_never_hold_the_key(api: Api) -> None:
    api.get("/v2/campaigns", {"limit": 2, "kpi[]": ["clicks"]})
    requests.get(api.emulator.base_url + "/v2/campaigns", timeout=10)
    requests.get(api.emulator.base_url + "/v2/campaigns", params={"apiKey": KEY}, timeout=10)
    entries = api.emulator.requests
    assert entries[0] == {"method": "GET", "path": "/v2/campaigns", "query": {"limit": ["2"], "kpi[]": ["clicks"]},
                          "key_present": True, "status": 200, "fault": None}
    assert entries[1]["key_present"] is False
    assert entries[1]["status"] == 400
    assert KEY not in json.dumps(entries)


def test_reset_clears_everything(api: Api) -> None:
    emu = api.emulator
    emu.add_fault({"kind": "latency", "seconds": 0})
    emu.set_rate_limit({"requests_per_second": 100})
    emu.advance_clock(500)
    api.post("/v2/publishers", {"name": "N", "email": "n@x.test", "password": "Secret@123"})
    api.post("/v2/conversions/bulkUpload", {"data": [{"click_id": "a"}]})
    emu.reset()
    assert emu.faults == []
    assert emu.requests == []
    assert len(emu.store.publishers) == 0
    assert emu.store.jobs == {}
    assert emu.app.rate_limiter.spec is None
    assert abs((emu.now() - emu.now().__class__.now(emu.now().tzinfo)).total_seconds()) < 5
