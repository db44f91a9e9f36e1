"""The HTTP layer: keep-alive, pipelining, 1,000 concurrent connections, routing errors."""

from __future__ import annotations

import json
import socket

from tests.emulator.conftest import KEY, Api, error_of, read_response


def _request(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {KEY}\r\n{extra}\r\n".encode()


def test_thousand_concurrent_keep_alive_connections(api: Api) -> None:
    port = api.emulator.port
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(1000)]
    try:
        for rounds in range(2):  # the second round proves every connection was kept alive
            for sock in sockets:
                sock.sendall(_request("/v2/campaigns?limit=1"))
            statuses = [read_response(sock)[0].status for sock in sockets]
            assert statuses == [200] * len(sockets), rounds
    finally:
        for sock in sockets:
            sock.close()


def test_pipelined_requests_are_answered_in_order(api: Api) -> None:
    with socket.create_connection(("127.0.0.1", api.emulator.port), timeout=10) as sock:
        sock.sendall(_request("/v2/campaigns/1") + _request("/v2/campaigns/2"))
        first, rest = read_response(sock)
        second, _ = read_response(sock, rest)
    assert b'"id":1,' in first.body
    assert b'"id":2,' in second.body


def test_connection_close_is_honoured(api: Api) -> None:
    with socket.create_connection(("127.0.0.1", api.emulator.port), timeout=10) as sock:
        sock.sendall(_request("/v2/campaigns/1", "Connection: close\r\n"))
        response, rest = read_response(sock)
        assert response.headers["connection"] == "close"
        assert json.loads(response.body)
        assert rest + sock.recv(10) == b""


def test_unknown_route_and_wrong_method(api: Api) -> None:
    assert api.get("/v2/nothing-here").status_code == 404
    assert api.request("PUT", "/v2/campaigns").status_code == 405


def test_invalid_json_body_is_107(api: Api) -> None:
    response = api.request("POST", "/v2/categories", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Request body must be valid JSON"
