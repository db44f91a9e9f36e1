"""Fixtures for the emulator's own tests: one small emulator per session, reset before every test."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

KEY = "emulator-test-key"
CONFIG = dict(api_key=KEY, seed=7, campaigns=12, publishers=9, advertisers=4, coupons=6,
              conversions_per_day=2000, clicks_per_day=6000, settle_seconds=3600, job_seconds=60)


class Api:
    """A keep-alive ``requests`` session bound to an emulator, sending the key by default."""

    def __init__(self, emulator: TrackierEmulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.session.headers["X-Api-Key"] = emulator.api_key

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request to the emulator (10 s timeout)."""
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.emulator.base_url + path, **kwargs)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        """GET with query params (lists become repeated ``name[]`` keys when the name says so)."""
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)


def error_of(response: requests.Response) -> dict[str, Any]:
    """The first error item of any envelope variant."""
    body = response.json()
    errors = body["errors"]
    return errors[0] if isinstance(errors, list) else errors


@dataclass
class RawResponse:
    """One HTTP response read off a raw socket."""

    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def error(self) -> dict[str, Any]:
        """The first error item of Trackier's ``{"errors": [...]}`` envelope."""
        return json.loads(self.body)["errors"][0]


def parse_response(buffer: bytes, *, head_only: bool = False) -> tuple[RawResponse, bytes] | None:
    """The first complete response in ``buffer`` and the bytes after it, or None while it is incomplete.

    ``head_only``: the answer to a HEAD request, whose Content-Length describes a body that is not sent.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    status_line, *fields = buffer[:end].decode("latin-1").split("\r\n")
    version, status, _ = status_line.split(" ", 2)
    assert version == "HTTP/1.1", status_line
    headers = {name.strip().lower(): value.strip() for name, _, value in (f.partition(":") for f in fields)}
    length = 0 if head_only or int(status) < 200 or int(status) in (204, 304) else int(headers["content-length"])
    total = end + 4 + length
    if len(buffer) < total:
        return None
    return RawResponse(int(status), headers, buffer[end + 4:total]), buffer[total:]


def read_response(sock: socket.socket, buffer: bytes = b"", *, head_only: bool = False) -> tuple[RawResponse, bytes]:
    """Read one response from ``sock`` (``buffer``: bytes already read); returns it and what followed it."""
    while (parsed := parse_response(buffer, head_only=head_only)) is None:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed in the middle of a response: {buffer[:300]!r}"
        buffer += chunk
    return parsed


def exchange(port: int, data: bytes) -> list[RawResponse]:
    """Send ``data`` on a new connection, half-close it, read to the end: every response the server sent.

    Asserts that the server's output is a clean sequence of complete responses and that it ends the
    connection (the socket timeout turns a server that never does into a failure).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and stopped reading (it may still have said why)
        received = bytearray()
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    responses, rest = [], bytes(received)
    while rest:
        parsed = parse_response(rest)
        assert parsed is not None, f"server output is not a sequence of complete responses: {rest[:300]!r}"
        response, rest = parsed
        responses.append(response)
    return responses


GOOD_REQUEST = f"GET /v2/campaigns?limit=2 HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\n\r\n".encode()


def assert_good_answer(response: RawResponse) -> None:
    """``response`` is the right answer to :data:`GOOD_REQUEST`."""
    assert response.status == 200, response
    assert [c["id"] for c in json.loads(response.body)["campaigns"]] == [1, 2]


def assert_serving(port: int) -> None:
    """A new connection still gets the right answer to an authenticated request."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(GOOD_REQUEST)
        assert_good_answer(read_response(sock)[0])


@pytest.fixture(scope="session")
def emu_server() -> Iterator[TrackierEmulator]:
    """The session's emulator (small catalogue, 1 h settle, 60 s jobs)."""
    with TrackierEmulator(EmulatorConfig(**CONFIG), port=0) as emulator:  # type: ignore[arg-type]
        yield emulator


@pytest.fixture
def emu(emu_server: TrackierEmulator) -> TrackierEmulator:
    """The session emulator, reset to its seeded state."""
    emu_server.reset()
    return emu_server


@pytest.fixture
def api(emu: TrackierEmulator) -> Api:
    """A client for the reset emulator."""
    return Api(emu)
