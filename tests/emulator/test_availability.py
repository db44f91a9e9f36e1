"""The emulator stays available and honest (issue: hostile use of the emulator itself), over real HTTP.

A long report is computed off the event loop while other clients are served; a report window longer than the
emulator computes is refused at once; every malformed fault rule is a 400 that changes nothing; fault fields
cannot add headers or a body where HTTP allows none; request bodies in flight are capped in total.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.emulator.conftest import KEY, Api, assert_serving, error_of, read_response
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
from trackier_provider.emulator.errors import ApiError
from trackier_provider.emulator.handlers.reports import MAX_REPORT_DAYS
from trackier_provider.emulator.http import MAX_BODY_BYTES, MAX_BUFFERED_BYTES


def test_health_and_api_answer_while_a_long_report_is_computed() -> None:
    # Enough clicks that a year's report takes seconds of computing (tens of milliseconds a day), so the other
    # requests are surely answered while it runs; what is asserted is order (they come back before it), not a
    # duration.
    config = EmulatorConfig(api_key=KEY, clicks_per_day=500, conversions_per_day=50)
    with TrackierEmulator(config, port=0) as emu, socket.create_connection(("127.0.0.1", emu.port)) as report:
        today = emu.now().date()
        window = f"start={today.replace(year=today.year - 1) + timedelta(days=1)}&end={today}"
        report.sendall(f"GET /v2/reports/daily?{window} HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\n\r\n".encode())
        health = requests.get(emu.base_url + "/_emulator/health", timeout=60)
        campaigns = Api(emu).get("/v2/campaigns", {"limit": 2})
        report.setblocking(False)
        with pytest.raises(BlockingIOError):  # no byte of the report's answer yet: it is still being computed
            report.recv(1)
        report.setblocking(True)
        report.settimeout(300)
        answer, _ = read_response(report)
    assert health.json()["status"] == "ok"
    assert [c["id"] for c in campaigns.json()["campaigns"]] == [1, 2]
    assert answer.status == 200
    assert len({row["created"] for row in json.loads(answer.body)["records"]}) == MAX_REPORT_DAYS - 1


@pytest.mark.parametrize("years", [1.1, 100])
def test_a_report_window_longer_than_the_emulator_computes_is_refused_at_once(api: Api, years: float) -> None:
    today = api.emulator.now().date()
    response = api.get("/v2/reports/campaign", {"start": f"{today.year - int(years) - 1}-01-01",
                                                "end": today.isoformat()})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["codeMsg"]) == ("107", "VALIDATION_ERROR")
    assert f"at most {MAX_REPORT_DAYS} days" in error["message"]
    assert isinstance(response.json()["errors"], dict)  # the reports' own error envelope


MALFORMED_RULES: dict[str, tuple[Any, str]] = {
    "path a number": ({"kind": "drop", "path": 5}, '"path"'),
    "path a list": ({"kind": "status", "path": ["/v2"]}, '"path"'),
    "path not a path": ({"kind": "status", "path": "v2/campaigns"}, '"path"'),
    "non_json body a number": ({"kind": "non_json", "body": 123}, '"body"'),
    "replace_body without body": ({"kind": "replace_body"}, '"body"'),
    "replace_body body an object": ({"kind": "replace_body", "body": {"a": 1}}, '"body"'),
    "retry_after injecting a header": ({"kind": "status", "retry_after": "1\r\nSet-Cookie: pwn=1"}, '"retry_after"'),
    "retry_after a word": ({"kind": "status", "retry_after": "soon"}, '"retry_after"'),
    "status 101": ({"kind": "status", "status": 101}, '"status"'),
    "status 1000": ({"kind": "status", "status": 1000}, '"status"'),
    "status true": ({"kind": "status", "status": True}, '"status"'),
    "non_json on 204": ({"kind": "non_json", "status": 204}, '"status" 204'),
    "replace_body on 304": ({"kind": "replace_body", "status": 304, "body": "{}"}, '"status" 304'),
    "times zero": ({"kind": "status", "times": 0}, '"times"'),
    "skip negative": ({"kind": "status", "skip": -1}, '"skip"'),
    "method a number": ({"kind": "status", "method": 7}, '"method"'),
    "method with a space": ({"kind": "status", "method": "GET /x"}, '"method"'),
    "latency seconds text": ({"kind": "latency", "seconds": "5"}, '"seconds"'),
    "field of another kind": ({"kind": "drop", "status": 500}, "drop rules take no field 'status'"),
    "not an object": ("status", "must be an object"),
}


def test_twenty_malformed_rules_are_listed() -> None:
    assert len(MALFORMED_RULES) == 20


@pytest.mark.parametrize(("rule", "named"), MALFORMED_RULES.values(), ids=MALFORMED_RULES.keys())
def test_a_malformed_fault_rule_is_refused_and_changes_nothing(api: Api, rule: Any, named: str) -> None:
    control = api.emulator.base_url + "/_emulator/faults"
    good = {"kind": "latency", "seconds": 0}
    response = requests.post(control, json=[good, rule], timeout=10)  # a list is all or nothing
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["codeMsg"]) == ("107", "VALIDATION_ERROR")
    assert named in error["message"]
    assert requests.get(control, timeout=10).json() == {"faults": []}
    assert [api.get("/v2/campaigns", {"limit": 1}).status_code for _ in range(3)] == [200, 200, 200]
    assert api.get("/v2/reports/campaign").status_code == 200
    with pytest.raises(ApiError):
        api.emulator.add_fault(rule)  # the Python API refuses it the same way
    assert api.emulator.faults == []


def test_retry_after_reaches_the_header_only_as_seconds_or_a_date(api: Api) -> None:
    api.emulator.add_fault([{"kind": "status", "status": 429, "retry_after": 3, "times": 1},
                            {"kind": "status", "status": 503, "retry_after": "Wed, 21 Oct 2026 07:28:00 GMT",
                             "times": 1}])
    first, second = api.get("/v2/campaigns"), api.get("/v2/campaigns")
    assert (first.status_code, first.headers["Retry-After"]) == (429, "3")
    assert (second.status_code, second.headers["Retry-After"]) == (503, "Wed, 21 Oct 2026 07:28:00 GMT")
    assert "Set-Cookie" not in first.headers


def test_a_bodyless_status_fault_is_sent_without_a_body(emu: TrackierEmulator) -> None:
    emu.add_fault([{"kind": "status", "status": 204, "times": 1}, {"kind": "status", "status": 304, "times": 1}])
    request = f"GET /v2/campaigns?limit=2 HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(request * 3)  # pipelined: a stray body would be read as the start of the next answer
        no_content, rest = read_response(sock)
        not_modified, rest = read_response(sock, rest)
        ok, rest = read_response(sock, rest)
    assert (no_content.status, no_content.body) == (204, b"")
    assert "content-length" not in no_content.headers
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert ok.status == 200 and rest == b""


def test_request_bodies_in_flight_are_capped_in_total(emu: TrackierEmulator) -> None:
    size = MAX_BODY_BYTES - 1024
    fit = MAX_BUFFERED_BYTES // size  # partial bodies the server may hold at once
    head = (f"POST /v2/categories HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    held = []
    try:
        for _ in range(fit):
            sock = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
            sock.sendall(head + b" " * 1000)  # the body is announced, barely started
            held.append(sock)
        assert_serving(emu.port)  # requests without a body are served meanwhile
        with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
            sock.sendall(head + b" " * 1000)
            refused, _ = read_response(sock)
        assert refused.status == 503
        assert refused.headers["connection"] == "close"
        assert "too many request bodies" in refused.error()["message"]
        assert refused.error()["code"] == "112"
    finally:
        for sock in held:
            sock.close()
    # The closed connections give their share back: a new announced body is taken again (the server's
    # "100 Continue" says so at once; poll until it has seen the closes, a bounded number of times).
    statuses = []
    for _ in range(200):
        with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
            sock.sendall(head.replace(b"\r\n\r\n", b"\r\nExpect: 100-continue\r\n\r\n"))
            statuses.append(read_response(sock)[0].status)
        if statuses[-1] == 100:
            break
    assert statuses[-1] == 100, statuses
    assert set(statuses) <= {100, 503}


def test_unknown_method_on_a_known_path_is_405_with_allow(api: Api) -> None:
    response = api.request("TRACE", "/v2/campaigns")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert error_of(response)["statusCode"] == 405
    assert api.request("TRACE", "/v2/nowhere").status_code == 404


class TestComposition:
    """Several fault rules matching one request: all apply in the documented order, or one is refused."""

    def test_two_unscoped_drift_rules_both_apply(self, api: Api) -> None:
        api.emulator.add_fault([{"kind": "drift", "change": "remove", "field": "title", "records": "campaigns"},
                                {"kind": "drift", "change": "as_string", "field": "id", "records": "campaigns"}])
        campaign = api.get("/v2/campaigns", {"limit": 1}).json()["campaigns"][0]
        assert "title" not in campaign
        assert campaign["id"] == "1"
        assert api.emulator.requests[-1]["fault"] == "drift"

    def test_drift_then_truncate(self, api: Api) -> None:
        intact = api.get("/v2/campaigns", {"limit": 1}).content
        api.emulator.add_fault([{"kind": "truncate", "times": 1},
                                {"kind": "drift", "change": "as_string", "field": "id", "records": "campaigns"}])
        cut = api.get("/v2/campaigns", {"limit": 1}).content
        drifted = api.get("/v2/campaigns", {"limit": 1}).content
        assert drifted != intact and b'"id":"1"' in drifted
        assert drifted.startswith(cut) and len(cut) == len(drifted) // 2

    def test_answering_rules_with_times_form_a_sequence(self, api: Api) -> None:
        api.emulator.add_fault([{"kind": "status", "status": 502, "times": 1},
                                {"kind": "status", "status": 503, "times": 2},
                                {"kind": "latency", "seconds": 0}])
        assert [api.get("/v2/campaigns").status_code for _ in range(4)] == [502, 503, 503, 200]

    def test_an_answering_rule_that_could_never_apply_is_refused(self, api: Api) -> None:
        api.emulator.add_fault({"kind": "status", "status": 500, "path": "/v2/campaigns"})
        response = requests.post(api.emulator.base_url + "/_emulator/faults", timeout=10,
                                 json={"kind": "drop", "path": "/v2/campaigns/1"})
        assert response.status_code == 400
        assert "would never apply" in error_of(response)["message"]
        assert len(api.emulator.faults) == 1
        # a narrower rule first, then the broad one: both apply, each to its own requests
        api.emulator.clear_faults()
        api.emulator.add_fault([{"kind": "status", "status": 502, "path": "/v2/campaigns/1"},
                                {"kind": "status", "status": 500, "path": "/v2/campaigns"}])
        assert [api.get(p).status_code for p in ("/v2/campaigns/1", "/v2/campaigns")] == [502, 500]


def test_edit_conv_changes_the_status_the_log_and_reports_show(api: Api) -> None:
    day = (api.emulator.now() - timedelta(days=3)).date().isoformat()
    window = {"start": f"{day} 00:00:00", "end": f"{day} 00:59:59", "limit": 100}
    before = api.get("/v2/network/conversions", window).json()["conversions"]
    target = next(c for c in before if c["status"] == "approved")
    report = {"start": day, "end": day, "kpi[]": ["approvedConversions", "rejectedConversions"]}
    totals = api.get("/v2/reports/daily", report).json()["records"]
    response = api.post("/v2/editConv", params={"id": target["id"], "status": "rejected"})
    assert response.status_code == 200, response.text
    after = {c["id"]: c["status"] for c in api.get("/v2/network/conversions", window).json()["conversions"]}
    assert after == {c["id"]: ("rejected" if c["id"] == target["id"] else c["status"]) for c in before}
    changed = api.get("/v2/reports/daily", report).json()["records"]
    assert sum(r["approvedConversions"] for r in changed) == sum(r["approvedConversions"] for r in totals) - 1
    assert sum(r["rejectedConversions"] for r in changed) == sum(r["rejectedConversions"] for r in totals) + 1
