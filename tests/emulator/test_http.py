"""The HTTP layer: keep-alive, pipelining, 1,000 concurrent connections, routing errors."""

from __future__ import annotations

import socket

from tests.emulator.conftest import KEY, Api, error_of


def _request(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {KEY}\r\n{extra}\r\n".encode()


def _read_response(sock: socket.socket, buffer: bytes = b"") -> tuple[bytes, bytes]:
    """One response (head + body) and whatever followed it."""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def test_thousand_concurrent_keep_alive_connections(api: Api) -> None:
    port = api.emulator.port
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(1000)]
    try:
        for rounds in range(2):  # the second round proves every connection was kept alive
            for sock in sockets:
                sock.sendall(_request("/v2/campaigns?limit=1"))
            heads = [_read_response(sock)[0] for sock in sockets]
            assert all(h.startswith(b"HTTP/1.1 200") for h in heads), rounds
    finally:
        for sock in sockets:
            sock.close()


def test_pipelined_requests_are_answered_in_order(api: Api) -> None:
    with socket.create_connection(("127.0.0.1", api.emulator.port), timeout=10) as sock:
        sock.sendall(_request("/v2/campaigns/1") + _request("/v2/campaigns/2"))
        first, rest = _read_response(sock)
        second, _ = _read_response(sock, rest)
    assert b'"id":1,' in first
    assert b'"id":2,' in second


def test_connection_close_is_honoured(api: Api) -> None:
    with socket.create_connection(("127.0.0.1", api.emulator.port), timeout=10) as sock:
        sock.sendall(_request("/v2/campaigns/1", "Connection: close\r\n"))
        response, _ = _read_response(sock)
        assert b"Connection: close" in response
        assert sock.recv(10) == b""


def test_unknown_route_and_wrong_method(api: Api) -> None:
    assert api.get("/v2/nothing-here").status_code == 404
    assert api.request("PUT", "/v2/campaigns").status_code == 405


def test_invalid_json_body_is_107(api: Api) -> None:
    response = api.request("POST", "/v2/categories", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Request body must be valid JSON"
