"""Secrets and transport, over real HTTP: a credential in a connection's host, panel URL or a query string
never reaches a message, a log line or XCom; plain http:// to a host that is not loopback is refused unless
the connection allows it; a key a header cannot carry is refused when the connection is read, sync and async.

Each test runs a task (or the hook) against the emulator or a small hostile server on loopback and reads
everything the task wrote (``task_output``, tests/leaks.py)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import connection_json
from trackier_provider.exceptions import TrackierConfigError, TrackierConnectionError
from trackier_provider.hooks.connection import ALLOW_HTTP_EXTRA
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator

CANARY_PASSWORD = "Host-Canary-Pw-5d81"


def _use(monkeypatch: pytest.MonkeyPatch, host: str, key: str, **extra: Any) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(host, key, max_retries=0, **extra))


def _campaign(context: dict[str, Any]) -> Any:
    return TrackierOperator(task_id="t", endpoint="/v2/campaigns/3", response_key="campaign").execute(context)


# ------------------------------------------------------------------ credentials in the host and the panel URL
@pytest.mark.parametrize(
    "host",
    [
        "http://user:{pw}@127.0.0.1:{port}",
        "http://{pw}@127.0.0.1:{port}",
        "user:{pw}@127.0.0.1:{port}",
        "http://127.0.0.1:{port}/?apiKey={pw}",
        "http://127.0.0.1:{port}/v2?api_key={pw}&x=1",
        "http://127.0.0.1:{port}/#{pw}",
        "ftp://user:{pw}@127.0.0.1:{port}",
        "http://user:{pw}@127.0.0.1:99999",
        "http://user:{pw} x@127.0.0.1:{port}",
    ],
)
def test_a_credential_in_the_host_is_refused_and_never_shown(trackier_conn, monkeypatch, context, task_output, host):
    host = host.format(pw=CANARY_PASSWORD, port=trackier_conn.port)
    _use(monkeypatch, host, trackier_conn.api_key, schema="http")
    with pytest.raises(TrackierConfigError) as info:
        _campaign(context)
    assert info.value.field == "connection host"
    assert trackier_conn.requests == []  # refused before any request
    task_output.assert_free_of([CANARY_PASSWORD], str(info.value), repr(info.value), info.value.args,
                               context["ti"].xcom)


def test_a_credential_in_the_panel_url_is_refused_and_never_shown(trackier_conn, monkeypatch, context, task_output):
    _use(monkeypatch, trackier_conn.base_url, trackier_conn.api_key,
         panel_url=f"https://admin:{CANARY_PASSWORD}@network.trackier.test")
    op = TrackierCreatePublisherOperator(task_id="c", name="A", email="a@acme.example", password="Pub#Pass9x")
    with pytest.raises(TrackierConfigError) as info:
        op.execute(context)
    assert info.value.field == "connection extra 'panel_url'" and "***@network.trackier.test" in str(info.value)
    assert trackier_conn.requests == []
    task_output.assert_free_of([CANARY_PASSWORD], str(info.value), info.value.args, context["ti"].xcom)


# ------------------------------------------------------------------ a secret in a query string
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_password_in_a_query_never_reaches_a_connection_error(monkeypatch, context, task_output):
    """requests quotes the URL, query included, when a connection fails ("Max retries exceeded with url:
    /v2/publishers?filters%5Bpassword%5D=..."); the error and its log lines carry ``***`` instead."""
    _use(monkeypatch, f"http://127.0.0.1:{_closed_port()}", "conn-key-0123456789")
    op = TrackierOperator(task_id="t", endpoint="/v2/publishers", query={"filters": {"password": CANARY_PASSWORD}})
    with pytest.raises(TrackierConnectionError) as info:
        op.execute(context)
    assert "filters%5Bpassword%5D=***" in str(info.value)
    task_output.assert_free_of([CANARY_PASSWORD], str(info.value), repr(info.value), info.value.args)


# ------------------------------------------------------------------ plain http:// to a host that is not loopback
class _Eavesdropper(BaseHTTPRequestHandler):
    """A proxy on the path to a plain-http host: it sees every header, the key included."""

    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.seen.append({"url": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        body = json.dumps({"success": True, "campaign": {"id": 3, "title": "seen in clear text"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def eavesdropper(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, str]]]:
    """A loopback proxy that every plain-http request of this test goes through; yields what it saw."""
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Eavesdropper,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{server.server_address[1]}")
    yield seen
    server.shutdown()
    server.server_close()


def test_plain_http_to_another_host_is_refused(eavesdropper, monkeypatch, context, task_output):
    key = "clear-text-key-4f0a9c"
    _use(monkeypatch, "http://api.trackier.example", key)
    with pytest.raises(TrackierConfigError) as info:
        _campaign(context)
    assert info.value.field == "connection host" and ALLOW_HTTP_EXTRA in info.value.fix
    assert eavesdropper == []  # the key never left
    task_output.assert_free_of([key], str(info.value))


@pytest.mark.parametrize("allow", [True, "true", " True "])
def test_plain_http_is_sent_when_the_connection_allows_it_with_a_warning(
    eavesdropper, monkeypatch, context, task_output, allow
):
    key = "clear-text-key-4f0a9c"
    _use(monkeypatch, "http://api.trackier.example", key, **{ALLOW_HTTP_EXTRA: allow})
    assert _campaign(context) == {"id": 3, "title": "seen in clear text"}
    assert [(s["url"], s["x-api-key"]) for s in eavesdropper] == [("http://api.trackier.example/v2/campaigns/3", key)]
    assert "plain http://" in task_output.text() and ALLOW_HTTP_EXTRA in task_output.text()


@pytest.mark.parametrize("allow", [False, "false", "", None])
def test_the_http_extra_off_or_empty_refuses(monkeypatch, allow):
    _use(monkeypatch, "http://api.trackier.example", "k-0123456789", **{ALLOW_HTTP_EXTRA: allow})
    with pytest.raises(TrackierConfigError, match="clear text"):
        TrackierHook().settings  # noqa: B018


@pytest.mark.parametrize("allow", ["yes", 1, "on"])
def test_the_http_extra_is_true_or_false(monkeypatch, allow):
    _use(monkeypatch, "http://api.trackier.example", "k-0123456789", **{ALLOW_HTTP_EXTRA: allow})
    with pytest.raises(TrackierConfigError, match=ALLOW_HTTP_EXTRA):
        TrackierHook().settings  # noqa: B018


@pytest.mark.parametrize("host", ["http://127.0.0.1:{port}", "http://localhost:{port}"])
def test_plain_http_to_loopback_needs_no_extra(trackier_conn, monkeypatch, context, host):
    _use(monkeypatch, host.format(port=trackier_conn.port), trackier_conn.api_key)
    assert _campaign(context)["id"] == 3


# ------------------------------------------------------------------ a key a header cannot carry
@pytest.mark.parametrize(
    ("char", "name"), [("€", "EURO SIGN"), ("\u200b", "ZERO WIDTH SPACE"), ("é", "LATIN SMALL LETTER E WITH ACUTE")]
)
@pytest.mark.parametrize("use_async", [False, True])
def test_a_key_a_header_cannot_carry_is_refused_when_the_connection_is_read(
    trackier_conn, monkeypatch, context, task_output, char, name, use_async
):
    key = f"Canary{char}Key0123"
    _use(monkeypatch, trackier_conn.base_url, key)
    hook = TrackierHook()
    with pytest.raises(TrackierConfigError) as info:
        asyncio.run(hook.aget_settings()) if use_async else hook.settings
    assert info.value.field == "connection 'trackier_default' API key" and name in str(info.value)
    with pytest.raises(TrackierConfigError):
        _campaign(context)
    assert trackier_conn.requests == []
    task_output.assert_free_of([key], str(info.value))
