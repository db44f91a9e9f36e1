"""Connection hygiene: the idle timeout, clients that stop reading, and the IP whitelist on every route.

The idle timeout is 0.2 s here; every test waits for an event (the server closing the socket, an answer),
never for a length of time, and the socket timeout of 10 s only turns a server that never acts into a failure.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
from collections.abc import Iterator

import pytest

from tests.emulator.conftest import CONFIG, GOOD_REQUEST, KEY, assert_good_answer, read_response
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
from trackier_provider.emulator.cli import build_parser, config_from_args

IDLE = 0.2


@pytest.fixture(scope="module")
def quick() -> Iterator[TrackierEmulator]:
    """An emulator that closes connections after 0.2 s without a complete request."""
    with TrackierEmulator(EmulatorConfig(**{**CONFIG, "idle_timeout": IDLE}), port=0) as emulator:  # type: ignore[arg-type]
        yield emulator


@pytest.fixture
def client(quick: TrackierEmulator) -> Iterator[socket.socket]:
    """A connection to the quick emulator (faults cleared)."""
    quick.reset()
    with socket.create_connection(("127.0.0.1", quick.port), timeout=10) as sock:
        yield sock


def test_silent_connection_is_closed(client: socket.socket) -> None:
    assert client.recv(100) == b""  # blocks until the server gives up on the connection


def test_idle_keep_alive_connection_is_closed(client: socket.socket) -> None:
    client.sendall(GOOD_REQUEST)
    response, rest = read_response(client)
    assert_good_answer(response)
    assert rest + client.recv(100) == b""


def test_stalled_request_gets_408_then_close(client: socket.socket) -> None:
    client.sendall(b"GET /v2/campaigns HTTP/1.1\r\nHost: t\r\n")  # the head never ends
    response, rest = read_response(client)
    assert response.status == 408
    assert response.error()["message"] == f"no complete request within {IDLE:g} seconds"
    assert response.headers["connection"] == "close"
    assert rest + client.recv(100) == b""


def test_slow_answer_is_not_cut_by_the_idle_timeout(quick: TrackierEmulator, client: socket.socket) -> None:
    quick.add_fault({"kind": "latency", "seconds": IDLE * 3, "times": 1})
    client.sendall(GOOD_REQUEST)
    assert_good_answer(read_response(client)[0])


def test_client_that_never_reads_is_cut_off(quick: TrackierEmulator) -> None:
    request = f"GET /v2/campaigns?limit=100 HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\n\r\n".encode()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting, so the window stays small
        sock.settimeout(10)
        sock.connect(("127.0.0.1", quick.port))
        poller = select.poll()
        poller.register(sock, select.POLLHUP | select.POLLERR)
        try:  # 160 kB of requests for ~19 MB of answers, more than the kernel buffers hold; none is read
            sock.sendall(request * 2000)
        except (ConnectionResetError, BrokenPipeError):
            pass  # already cut off while sending
        events = poller.poll(10_000)  # waits for the server to reset the connection
    assert events
    assert events[0][1] & (select.POLLHUP | select.POLLERR)


def test_idle_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="idle_timeout must be a number of seconds > 0, got 0"):
        EmulatorConfig(idle_timeout=0)


def test_idle_timeout_on_the_command_line() -> None:
    assert config_from_args(build_parser().parse_args(["--idle-timeout", "2.5"])).idle_timeout == 2.5
    assert config_from_args(build_parser().parse_args([])).idle_timeout == 30.0


# --- the whitelist covers the control API too -------------------------------------------------------
OUTSIDER = "127.0.0.2"  # on Linux the whole of 127.0.0.0/8 is loopback: a second client address


@pytest.fixture(scope="module")
def guarded() -> Iterator[TrackierEmulator]:
    """An emulator that whitelists 127.0.0.1 only."""
    with TrackierEmulator(EmulatorConfig(**{**CONFIG, "ip_whitelist": ["127.0.0.1"]}), port=0) as emulator:  # type: ignore[arg-type]
        yield emulator


def _call(emulator: TrackierEmulator, method: str, path: str, source: str, body: object = None,
          ) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10, source_address=(source, 0))
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, body=payload, headers={"X-Api-Key": KEY})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/_emulator/health", None),
    ("GET", "/_emulator/requests", None),
    ("DELETE", "/_emulator/faults", None),
    ("POST", "/_emulator/faults", {"kind": "drop"}),
    ("POST", "/_emulator/rate-limit", {"requests_per_second": 1}),
    ("POST", "/_emulator/clock", {"advance": 86400}),
    ("POST", "/_emulator/reset", None),
    ("GET", "/_emulator/no-such-endpoint", None),
    ("GET", "/v2/campaigns", None),
])
def test_caller_outside_the_whitelist_is_105_everywhere(guarded: TrackierEmulator, method: str, path: str,
                                                        body: object) -> None:
    guarded.reset()
    guarded.add_fault({"kind": "latency", "seconds": 0})
    status, answer = _call(guarded, method, path, OUTSIDER, body)
    assert status == 400
    assert answer == {"errors": [{"statusCode": 400, "code": "105", "codeMsg": "IP_NOT_WHITELISTED",
                                  "message": f"IP address {OUTSIDER} is not whitelisted for API access"}]}
    assert [rule["kind"] for rule in guarded.faults] == ["latency"]  # nothing was changed
    assert guarded.app.rate_limiter.spec is None
    assert guarded.app.clock.offset == 0


def test_whitelisted_caller_reaches_the_control_api(guarded: TrackierEmulator) -> None:
    guarded.reset()
    assert _call(guarded, "GET", "/_emulator/health", "127.0.0.1")[1]["status"] == "ok"
    assert _call(guarded, "POST", "/_emulator/clock", "127.0.0.1", {"advance": 60})[1]["offset"] == 60
