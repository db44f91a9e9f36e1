"""Hostile HTTP input: each malformed request gets its 4xx/5xx in Trackier's envelope and the server serves on.

Requests whose framing cannot be trusted are answered and the connection is closed (a request pipelined
behind them is never read); well-framed requests that are refused keep their keep-alive connection.
"""

from __future__ import annotations

import socket

import pytest

from tests.emulator.conftest import (
    GOOD_REQUEST,
    KEY,
    Api,
    assert_good_answer,
    assert_serving,
    error_of,
    exchange,
    read_response,
)
from trackier_provider.emulator import TrackierEmulator
from trackier_provider.emulator.http import MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADERS, MAX_JSON_DEPTH


def _post(*fields: str, body: bytes = b"", path: str = "/v2/categories") -> bytes:
    head = "".join(f"{field}\r\n" for field in ("Host: t", f"X-Api-Key: {KEY}", *fields))
    return f"POST {path} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body


def _json_post(body: bytes) -> bytes:
    return _post(f"Content-Length: {len(body)}", "Content-Type: application/json", body=body)


def _nested(levels: int) -> bytes:
    return b'{"x":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


BROKEN_FRAMING = {
    "negative Content-Length": (_post("Content-Length: -1"), 400),
    "Content-Length far below zero": (_post("Content-Length: -100000"), 400),
    "signed Content-Length": (_post("Content-Length: +2", body=b"{}"), 400),
    "hex Content-Length": (_post("Content-Length: 0x2", body=b"{}"), 400),
    "Content-Length with underscore": (_post("Content-Length: 1_0"), 400),
    "empty Content-Length": (_post("Content-Length:"), 400),
    "conflicting Content-Length fields": (_post("Content-Length: 2", "Content-Length: 3", body=b"{}"), 400),
    "conflicting Content-Length list": (_post("Content-Length: 2, 3", body=b"{}"), 400),
    "Content-Length and Transfer-Encoding": (
        _post("Content-Length: 2", "Transfer-Encoding: chunked", body=b"0\r\n\r\n"), 400),
    "chunked body": (_post("Transfer-Encoding: chunked", body=b"2\r\n{}\r\n0\r\n\r\n"), 411),
    "chunked not last": (_post("Transfer-Encoding: chunked, gzip"), 400),
    "unknown transfer coding": (_post("Transfer-Encoding: gzip"), 501),
    "body over the limit": (_post(f"Content-Length: {MAX_BODY_BYTES + 1}"), 413),
    "Content-Length of 30 digits": (_post("Content-Length: " + "9" * 30), 413),
    "head over the limit": (_post("X-Pad: " + "a" * MAX_HEADER_BYTES), 431),
    "too many header fields": (_post(*[f"X-N{i}: 1" for i in range(MAX_HEADERS)]), 431),
    "garbage request line": (b"HELLO THERE\r\n\r\n", 400),
    "binary request line": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    "request line without version": (b"GET /v2/campaigns\r\nHost: t\r\n\r\n", 400),
    "space in target": (b"GET /v2/camp aigns HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    "raw non-ASCII target": ("GET /v2/cämpaigns HTTP/1.1\r\nHost: t\r\n\r\n".encode(), 400),
    "HTTP/2.0": (b"GET /v2/campaigns HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    "space before the colon": (_post("Content-Length : 2", body=b"{}"), 400),
    "folded header line": (_post("X-A: 1", " folded"), 400),
    "header without colon": (_post("NoColonHere"), 400),
    "NUL in a header value": (_post("X-A: a\x00b"), 400),
    "two Host fields": (_post("Host: other"), 400),
    "bare LF line ends": (b"GET /v2/campaigns HTTP/1.1\nHost: t\n\n", 400),
    "Transfer-Encoding on HTTP/1.0": (b"POST /v2/categories HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
}


@pytest.mark.parametrize(("data", "status"), BROKEN_FRAMING.values(), ids=BROKEN_FRAMING.keys())
def test_broken_framing_is_answered_then_the_connection_closed(emu: TrackierEmulator, data: bytes,
                                                              status: int) -> None:
    responses = exchange(emu.port, data + GOOD_REQUEST)  # the pipelined good request must not be read
    assert [r.status for r in responses] == [status]
    assert responses[0].headers["connection"] == "close"
    assert responses[0].error()["statusCode"] == status
    assert responses[0].error()["codeMsg"] == "VALIDATION_ERROR"
    assert emu.requests == []  # nothing reached the application
    assert_serving(emu.port)


REFUSED = {
    "unknown method": (b"BREW /v2/campaigns HTTP/1.1\r\nHost: t\r\n\r\n", 501, "method BREW is not implemented"),
    "lower-case method": (b"get /v2/campaigns HTTP/1.1\r\nHost: t\r\n\r\n", 501, "method get is not implemented"),
    "CONNECT": (b"CONNECT /v2/campaigns HTTP/1.1\r\nHost: t\r\n\r\n", 501, "method CONNECT is not implemented"),
    "path not UTF-8": (b"GET /v2/%ff%fe HTTP/1.1\r\nHost: t\r\n\r\n", 400, "not valid UTF-8"),
    "query not UTF-8": (b"GET /v2/campaigns?limit=%c3%28 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "not valid UTF-8"),
    "target not a path": (b"GET v2/campaigns HTTP/1.1\r\nHost: t\r\n\r\n", 400, "must be a path"),
    "broken absolute target": (b"GET http://[::1/v2/campaigns HTTP/1.1\r\nHost: t\r\n\r\n", 400,
                               "malformed request target"),
    "no Host on HTTP/1.1": (f"GET /v2/campaigns HTTP/1.1\r\nX-Api-Key: {KEY}\r\n\r\n".encode(), 400,
                            "Host header"),
    "JSON nesting bomb": (_json_post(b"[" * 200_000 + b"]" * 200_000), 400, "nested more than 64 levels"),
    "object nesting bomb": (_json_post(b'{"a":' * 5_000 + b"1" + b"}" * 5_000), 400, "nested more than 64"),
    "one level too deep": (_json_post(_nested(MAX_JSON_DEPTH + 1)), 400, "nested more than 64 levels"),
    "invalid UTF-8 JSON": (_json_post(b'{"name": "\xff\xfe"}'), 400, "Request body must be valid JSON"),
    "overlong UTF-8 JSON": (_json_post(b'{"name": "\xc0\xaf"}'), 400, "Request body must be valid JSON"),
    "unpaired surrogate escape": (_json_post(b'{"name": "\\ud800"}'), 400, "Request body must be valid JSON"),
    "unpaired surrogate key": (_json_post(b'{"\\udfff": 1, "name": "x"}'), 400, "Request body must be valid JSON"),
    "deepest accepted JSON": (_json_post(_nested(MAX_JSON_DEPTH)), 400, '"name" is required'),
}


@pytest.mark.parametrize(("data", "status", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_request_keeps_its_connection(emu: TrackierEmulator, data: bytes, status: int,
                                             message: str) -> None:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(data + GOOD_REQUEST)
        refused, rest = read_response(sock)
        assert refused.status == status
        assert message in refused.error()["message"]
        assert "connection" not in refused.headers
        assert_good_answer(read_response(sock, rest)[0])  # same connection, framing intact


HOSTILE_VALUES = {
    "NaN": ("POST", "/_emulator/clock", b'{"advance": NaN}', 400, "Request body must be valid JSON"),
    "number beyond a float": ("POST", "/_emulator/clock", b'{"advance": 1e400}', 400,
                              "Request body must be valid JSON"),
    "clock pushed past 100 years": ("POST", "/_emulator/clock", b'{"advance": -9223372036854775808}', 400,
                                    '"advance" is out of range: the clock must stay within'),
    "clock pushed by a 401-digit integer": ("POST", "/_emulator/clock", b'{"advance": 1' + b"0" * 400 + b"}", 400,
                                           '"advance" is out of range'),
    "revenue not a number": ("POST", "/v2/campaigns/3", b'{"payouts": [{"payout": 1, "revenue": " ", "geo": []}]}',
                             400, '"payouts[0].revenue" must be a positive number'),
    "payout beyond a float": ("POST", "/v2/campaigns/3",
                              b'{"payouts": [{"payout": 1' + b"0" * 400 + b', "revenue": 1, "geo": []}]}', 400,
                              '"payouts[0].payout" must be less than or equal to 1000000000000'),
    "payouts null": ("POST", "/v2/campaigns/3", b'{"payouts": null}', 400, '"payouts" must be an array'),
    "5000-digit id": ("POST", "/v2/coupons", b'{"code": "X", "campaignId": "' + b"9" * 5000 + b'"}', 400,
                      "Campaign not found"),
    "superscript digit id": ("GET", "/v2/campaigns/%C2%B2", b"", 400, "Campaign not found"),
    "zone that is a directory": ("GET", "/v2/reports/campaign?zone=America", b"", 400,
                                 '"zone" must be a valid timezone, got "America"'),
    "zone name too long": ("GET", "/v2/network/conversions?zone=" + "9" * 5000, b"", 400,
                           '"zone" must be a valid timezone'),
    "report ending on the last date": ("GET", "/v2/reports/campaign?start=2026-11-01&end=9999-12-31", b"", 400,
                                       '"end" must be less than 9999-12-31'),
}


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), HOSTILE_VALUES.values(),
                         ids=HOSTILE_VALUES.keys())
def test_hostile_values_are_refused_and_leave_no_trace(api: Api, method: str, path: str, body: bytes, status: int,
                                                      message: str) -> None:
    response = api.request(method, path, data=body)
    assert response.status_code == status
    assert message in error_of(response)["message"]
    assert api.emulator.app.clock.offset == 0
    store = api.emulator.store
    assert [len(c) for c in (store.campaigns, store.coupons, store.categories)] == [0, 0, 0]  # nothing created
    assert_serving(api.emulator.port)


@pytest.mark.parametrize("seconds", [float("inf"), float("nan"), 10**400, 3.2e9, -3.2e9])
def test_clock_refuses_to_leave_its_range(emu: TrackierEmulator, seconds: float) -> None:
    emu.advance_clock(3600)
    with pytest.raises(ValueError, match="the clock must stay within 3155760000 seconds"):
        emu.advance_clock(seconds)
    assert emu.app.clock.offset == 3600
    assert emu.now().year >= 2000


def test_surrogates_escape_only_in_pairs(emu: TrackierEmulator) -> None:
    responses = exchange(emu.port, _json_post(b'{"name": "\\ud800"}') + _json_post(b'{"name": "\\ud83d\\ude00"}'))
    assert [r.status for r in responses] == [400, 200]
    assert [c["name"] for c in emu.store.categories.values()] == ["\U0001f600"]  # nothing unsendable was stored


def test_absolute_form_target_is_served(emu: TrackierEmulator) -> None:
    request = GOOD_REQUEST.replace(b"GET /v2/", b"GET http://t/v2/")
    assert_good_answer(exchange(emu.port, request)[0])


def test_head_answer_has_no_body(emu: TrackierEmulator) -> None:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(GOOD_REQUEST.replace(b"GET", b"HEAD") + GOOD_REQUEST)
        head, rest = read_response(sock, head_only=True)
        assert head.status == 405
        assert int(head.headers["content-length"]) > 0
        assert_good_answer(read_response(sock, rest)[0])  # no stray body between the two answers


def test_expect_100_continue_is_sent_once(emu: TrackierEmulator) -> None:
    body = b'{"name": "Sent in two parts"}'
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(_post(f"Content-Length: {len(body)}", "Expect: 100-continue"))
        interim, rest = read_response(sock)
        assert interim.status == 100
        sock.sendall(body[:10])
        sock.sendall(body[10:])
        final, _ = read_response(sock, rest)
    assert final.status == 200
    assert [c["name"] for c in emu.store.categories.values()] == ["Sent in two parts"]


def test_expect_100_continue_on_a_refused_request_answers_at_once(emu: TrackierEmulator) -> None:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(b"BREW /v2/categories HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        refused, rest = read_response(sock)
        assert refused.status == 501
        assert refused.headers["connection"] == "close"
        assert rest + sock.recv(10) == b""  # no body expected any more: the server said its last word


def test_client_closing_mid_request_gets_400(emu: TrackierEmulator) -> None:
    responses = exchange(emu.port, _post("Content-Length: 50", body=b'{"name": "cut'))
    assert [r.status for r in responses] == [400]
    assert "before the request was complete" in responses[0].error()["message"]
    assert emu.store.categories == {}


def test_pipelined_requests_then_half_close_are_all_answered(emu: TrackierEmulator) -> None:
    responses = exchange(emu.port, GOOD_REQUEST * 3)
    assert [r.status for r in responses] == [200, 200, 200]


def test_oversize_body_is_refused_while_the_client_is_still_sending(emu: TrackierEmulator) -> None:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(_post(f"Content-Length: {MAX_BODY_BYTES + 1}") + b"x" * 1_000_000)
        refused, rest = read_response(sock)
        assert refused.status == 413
        sock.sendall(b"x" * 1_000_000)  # the server keeps draining what the client still sends
        assert rest + sock.recv(10) == b""
    assert_serving(emu.port)
