"""Redirects: the key (and any body) never leaves the connection's origin, on the sync and async paths.

The emulator never redirects, so two small loopback servers stand in for a misbehaving API: one answers
every request with a redirect, the other (a different port, so a different origin) records whatever reaches
it. ``requests`` would strip only ``Authorization`` on a cross-host redirect and resend ``X-Api-Key``.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import CANARY_KEY, connection_json
from trackier_provider.exceptions import TrackierRedirectError
from trackier_provider.hooks.trackier import TrackierHook


class Recorder(BaseHTTPRequestHandler):
    """Records every request (method, path, headers, body) and answers 200 with an empty list."""

    seen: list[dict[str, object]]

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(  # type: ignore[attr-defined]
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        payload = json.dumps({"campaigns": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _record

    def log_message(self, *args: object) -> None:
        pass


class Redirector(BaseHTTPRequestHandler):
    """Answers every request with ``server.status`` and ``Location: server.target + path``."""

    def _redirect(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Location", f"{self.server.target}{self.path}")  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_DELETE = _redirect

    def log_message(self, *args: object) -> None:
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.seen = []  # type: ignore[attr-defined]
    server.hits = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[ThreadingHTTPServer]:
    """Another origin that records what it is sent."""
    yield from _serve(Recorder)


@pytest.fixture
def redirector(elsewhere, monkeypatch) -> Iterator[ThreadingHTTPServer]:
    """``trackier_default`` points at a server that redirects everything to ``elsewhere``."""
    for server in _serve(Redirector):
        server.target = f"http://127.0.0.1:{elsewhere.server_address[1]}"  # type: ignore[attr-defined]
        server.status = 302  # type: ignore[attr-defined]
        monkeypatch.setenv(
            "AIRFLOW_CONN_TRACKIER_DEFAULT",
            connection_json(f"http://127.0.0.1:{server.server_address[1]}", CANARY_KEY, max_retries=2),
        )
        yield server


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_sync_redirect_is_refused_and_nothing_reaches_the_other_origin(redirector, elsewhere, status) -> None:
    redirector.status = status
    hook = TrackierHook()
    with pytest.raises(TrackierRedirectError) as info:
        hook.request("POST", "/v2/publishers", json={"email": "p@example.com", "password": "Secret@123"})
    assert elsewhere.seen == []
    assert redirector.hits == 1  # not retried: a redirect is not a transient fault
    assert info.value.status == status
    assert f"127.0.0.1:{elsewhere.server_address[1]}/v2/publishers" in str(info.value)
    assert CANARY_KEY not in str(info.value)


def test_sync_get_redirect_is_refused(redirector, elsewhere) -> None:
    with pytest.raises(TrackierRedirectError, match="redirects are never followed"):
        TrackierHook().request("GET", "/v2/campaigns", params={"limit": 5})
    assert elsewhere.seen == []


def test_same_origin_redirect_is_refused_too(redirector, elsewhere) -> None:
    """A redirect to the API's own origin is refused as well: one rule, and the message says what to check."""
    redirector.target = f"http://127.0.0.1:{redirector.server_address[1]}/moved"
    with pytest.raises(TrackierRedirectError, match="Check the endpoint path"):
        TrackierHook().request("GET", "/v2/campaigns")
    assert redirector.hits == 1


@pytest.mark.parametrize("status", [302, 307])
def test_async_redirect_is_refused_and_nothing_reaches_the_other_origin(redirector, elsewhere, status) -> None:
    redirector.status = status

    async def call() -> None:
        hook = TrackierHook()
        client = await hook.async_client()
        try:
            await hook.acall(client, "reports.campaign", query={"start": "2026-11-01"})
        finally:
            await client.aclose()

    with pytest.raises(TrackierRedirectError) as info:
        asyncio.run(call())
    assert elsewhere.seen == []
    assert redirector.hits == 1
    assert CANARY_KEY not in str(info.value)


def test_redirect_message_leaves_out_the_query(redirector, elsewhere) -> None:
    redirector.target = f"http://127.0.0.1:{elsewhere.server_address[1]}/login?token=abc123secret&x=1#frag"
    with pytest.raises(TrackierRedirectError) as info:
        TrackierHook().request("GET", "/v2/campaigns")
    assert "abc123secret" not in str(info.value)
    assert elsewhere.seen == []
