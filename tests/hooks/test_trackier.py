"""TrackierHook over real HTTP against the emulator: headers, retries, errors, secrets."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from tests.conftest import CANARY_KEY, connection_json
from trackier_provider import __version__, version_compat
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
from trackier_provider.exceptions import (
    TrackierAuthenticationError,
    TrackierConfigError,
    TrackierConnectionError,
    TrackierIPNotWhitelistedError,
    TrackierNotFoundError,
    TrackierRateLimitError,
    TrackierResponseError,
    TrackierServerError,
    TrackierValidationError,
)
from trackier_provider.hooks import trackier as trackier_module
from trackier_provider.hooks.trackier import API_KEY_HEADER, USER_AGENT, TrackierHook

GOOD_PUBLISHER = {"name": "Ada", "email": "ada@example.com", "password": "Str0ng@pass"}


def api_calls(emu, method: str | None = None, path: str | None = None) -> list[dict]:
    return [
        r
        for r in emu.requests
        if (method is None or r["method"] == method) and (path is None or r["path"] == path)
    ]


def test_construction_does_no_io(monkeypatch):
    # No connection of that id exists anywhere: building the hook must not look it up.
    hook = TrackierHook(trackier_conn_id="does_not_exist", timeout=3)
    assert hook.trackier_conn_id == "does_not_exist"
    assert hook._settings is None and hook._session is None


def test_key_header_and_user_agent_on_every_call(hook, trackier_conn):
    hook.request("GET", "/v2/campaigns", params={"limit": 5})
    hook.request("GET", "/v2/advertisers")
    hook.request("POST", "/v2/categories", json={"name": "Travel"})
    calls = api_calls(trackier_conn)
    assert len(calls) == 3
    assert all(c["key_present"] for c in calls)
    session = hook.get_conn()
    assert session.headers[API_KEY_HEADER] == trackier_conn.api_key
    assert session.headers["User-Agent"] == USER_AGENT == f"airflow-provider-trackier/{__version__}"


def test_one_session_reused(hook):
    first = hook.get_conn()
    hook.request("GET", "/v2/campaigns", params={"limit": 1})
    assert hook.get_conn() is first


def test_key_never_in_query_string(hook, trackier_conn):
    hook.request("GET", "/v2/campaigns", params={"limit": 2})
    for call in api_calls(trackier_conn):
        flat = str(call["query"])
        assert trackier_conn.api_key not in flat
        assert "apiKey" not in call["query"] and "api_key" not in call["query"]


def test_missing_key_is_a_clear_error_before_any_request(monkeypatch, trackier_emulator):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_emulator.base_url, ""))
    with pytest.raises(TrackierConfigError, match="API key"):
        TrackierHook().request("GET", "/v2/campaigns")
    assert trackier_emulator.requests == []


@pytest.mark.parametrize(("status", "retry_after", "expected"), [(503, "2", 2.0), (500, "1", 1.0)])
def test_5xx_retried_after_the_wait_the_server_asked_for(hook, trackier_conn, sleeps, status, retry_after, expected):
    trackier_conn.add_fault(
        {"kind": "status", "status": status, "times": 2, "path": "/v2/campaigns", "retry_after": retry_after}
    )
    body = hook.request("GET", "/v2/campaigns", params={"limit": 3})
    assert len(body["campaigns"]) == 3
    assert len(api_calls(trackier_conn, "GET", "/v2/campaigns")) == 3
    assert sleeps.waits == [expected, expected]


def test_429_retried_honouring_retry_after_http_date(hook, trackier_conn, sleeps):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    trackier_conn.add_fault({"kind": "status", "status": 429, "times": 1, "retry_after": when})
    hook.request("GET", "/v2/advertisers")
    assert len(sleeps.waits) == 1
    assert 25 <= sleeps.waits[0] <= 31


def test_rate_limit_error_is_typed_with_the_servers_wait(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "status", "status": 429, "retry_after": "7"})
    with pytest.raises(TrackierRateLimitError) as info:
        hook.request("GET", "/v2/advertisers", max_retries=1)
    assert info.value.status == 429 and info.value.retry_after == 7.0
    # The wait is the connection budget's pause (so every user of the connection waits, not only this call).
    assert sleeps.waits == [pytest.approx(7.0, abs=0.5)]


def test_backoff_without_retry_after_is_bounded(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "status", "status": 502, "times": 3})
    hook.request("GET", "/v2/advertisers")
    assert len(sleeps.waits) == 3
    assert all(0 <= w <= 30 for w in sleeps.waits)


def test_retries_are_bounded(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "status", "status": 503})
    with pytest.raises(TrackierServerError) as info:
        hook.request("GET", "/v2/advertisers")
    assert info.value.status == 503
    assert len(api_calls(trackier_conn)) == hook.settings.max_retries + 1


def test_a_400_is_sent_once(hook, trackier_conn, sleeps):
    with pytest.raises(TrackierValidationError) as info:
        hook.request("POST", "/v2/publishers", json={**GOOD_PUBLISHER, "password": "weak"})
    assert info.value.message == "Password criteria not met!"
    assert info.value.code == "107" and info.value.code_msg == "VALIDATION_ERROR"
    assert info.value.method == "POST" and info.value.endpoint == "/v2/publishers"
    assert len(api_calls(trackier_conn, "POST", "/v2/publishers")) == 1
    assert sleeps.waits == []


def test_validation_error_on_get_is_not_retried(hook, trackier_conn, sleeps):
    with pytest.raises(TrackierValidationError):
        hook.request("GET", "/v2/network/conversions", params={"limit": 100})  # start/end are required
    assert len(api_calls(trackier_conn)) == 1


def test_not_found(hook, trackier_conn):
    with pytest.raises(TrackierNotFoundError):
        hook.request("GET", "/v2/campaigns/99999999")
    assert len(api_calls(trackier_conn)) == 1


def test_post_not_repeated_after_a_dropped_connection(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/categories", "when": "after", "times": 1})
    with pytest.raises(TrackierConnectionError) as info:
        hook.request("POST", "/v2/categories", json={"name": "Dropped-Mid-Post"})
    assert info.value.before_send is False
    assert len(api_calls(trackier_conn, "POST", "/v2/categories")) <= 1
    names = [c["name"] for c in hook.request("GET", "/v2/categories")["categories"]]
    assert names.count("Dropped-Mid-Post") == 1  # created once, never twice


def test_post_not_repeated_after_5xx(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "status", "status": 502, "method": "POST", "times": 1})
    with pytest.raises(TrackierServerError):
        hook.request("POST", "/v2/categories", json={"name": "Finance"})
    assert len(api_calls(trackier_conn, "POST")) == 1


def test_post_retried_after_429(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "status", "status": 429, "method": "POST", "times": 1, "retry_after": "1"})
    body = hook.request("POST", "/v2/categories", json={"name": "Shopping"})
    assert body["category"]["name"] == "Shopping"
    assert sleeps.waits == [pytest.approx(1.0, abs=0.5)]


def test_get_retried_after_dropped_connection(hook, trackier_conn, sleeps):
    trackier_conn.add_fault({"kind": "drop", "method": "GET", "times": 1})
    assert "advertisers" in hook.request("GET", "/v2/advertisers")
    assert len(sleeps.waits) == 1


def test_refused_connection_is_typed_and_retried(monkeypatch, sleeps):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(f"http://127.0.0.1:{port}", CANARY_KEY))
    hook = TrackierHook(max_retries=2)
    hook.sleep = sleeps
    with pytest.raises(TrackierConnectionError) as info:
        hook.request("POST", "/v2/categories", json={"name": "x"})
    assert info.value.before_send is True
    assert len(sleeps.waits) == 2  # nothing reached a server, so even a POST may be retried
    assert CANARY_KEY not in str(info.value)


@pytest.mark.parametrize(
    ("fault", "needle"),
    [
        ({"kind": "non_json", "body": "<html><body>502 Bad Gateway " + "x" * 400 + "</body></html>"}, "<html>"),
        ({"kind": "truncate"}, "not valid JSON"),
        ({"kind": "non_json", "body": ""}, "empty"),
    ],
)
def test_garbled_bodies_give_a_clear_error(hook, trackier_conn, sleeps, fault, needle):
    trackier_conn.add_fault(fault)
    with pytest.raises(TrackierResponseError) as info:
        hook.request("GET", "/v2/advertisers")
    text = str(info.value)
    assert needle in text
    assert len(text) < 400  # quotes at most 200 characters of the body
    assert "x" * 201 not in text


def test_wrong_key_is_an_authentication_error(monkeypatch, trackier_emulator, sleeps):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_emulator.base_url, "wrong-key"))
    hook = TrackierHook()
    hook.sleep = sleeps
    with pytest.raises(TrackierAuthenticationError) as info:
        hook.request("GET", "/v2/campaigns")
    assert info.value.code == "102"
    assert len(trackier_emulator.requests) == 1


def test_ip_not_whitelisted_says_what_to_do(monkeypatch):
    with TrackierEmulator(EmulatorConfig(api_key=CANARY_KEY, ip_whitelist=["203.0.113.7"]), port=0) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(emu.base_url, CANARY_KEY))
        hook = TrackierHook()
        with pytest.raises(TrackierIPNotWhitelistedError) as info:
            hook.request("GET", "/v2/campaigns")
        assert info.value.code == "105"
        assert "Automation > API" in str(info.value) and "whitelist" in str(info.value).lower()
        ok, reason = hook.test_connection()
        assert ok is False and "105" in reason and "Automation > API" in reason


def test_test_connection(hook, monkeypatch, trackier_emulator):
    ok, reason = hook.test_connection()
    assert ok is True and trackier_emulator.base_url in reason
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_emulator.base_url, "bad"))
    ok, reason = TrackierHook().test_connection()
    assert ok is False and "INVALID_API_KEY" in reason


def test_canary_key_never_in_logs_or_errors(monkeypatch, caplog, sleeps):
    """Every failure path, logged at DEBUG: the key appears nowhere."""
    caplog.set_level(logging.DEBUG)
    with TrackierEmulator(EmulatorConfig(api_key=CANARY_KEY), port=0) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(emu.base_url, CANARY_KEY))
        hook = TrackierHook(max_retries=2)
        hook.sleep = sleeps
        texts: list[str] = [repr(hook.settings), str(hook.settings)]
        # the narrower rule first: behind the unscoped 503 it could never apply (the emulator refuses it)
        emu.add_fault({"kind": "status", "status": 429, "retry_after": "1", "path": "/v2/publishers"})
        emu.add_fault({"kind": "status", "status": 503})
        for call in (
            lambda: hook.request("GET", "/v2/advertisers"),
            lambda: hook.request("GET", "/v2/publishers"),
            lambda: hook.request("POST", "/v2/categories", json={"name": "z"}),
        ):
            with pytest.raises(Exception) as info:  # noqa: PT011 - any failure; the text is what is checked
                call()
            texts += [str(info.value), repr(info.value)]
        emu.clear_faults()
        emu.add_fault({"kind": "non_json", "body": "proxy said " + CANARY_KEY[:4]})
        with pytest.raises(TrackierResponseError) as info2:
            hook.request("GET", "/v2/advertisers")
        texts.append(str(info2.value))
        emu.clear_faults()
        hook.request("GET", "/v2/campaigns", params={"limit": 1})
        texts += [str(r) for r in emu.requests]
    texts += [r.getMessage() for r in caplog.records]
    leaked = [t for t in texts if CANARY_KEY in t]
    assert leaked == []
    assert any("retry" in r.getMessage() for r in caplog.records)  # the retries were logged


@pytest.mark.parametrize("use_async", [False, True])
def test_the_provider_itself_registers_the_key_with_the_masker(monkeypatch, trackier_emulator, real_masker, use_async):
    """Airflow masks a connection's password when it hands the connection out, so a key looked up the usual
    way is masked whether or not the provider masks it. The lookup below is Airflow's real one, but the
    masker is emptied between the lookup and the hook reading the key: only the provider's own
    ``mask_secret`` can register it now (this test fails if that call goes)."""
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_emulator.base_url, CANARY_KEY))
    line = f"header X-Api-Key={CANARY_KEY}"
    seen = []

    def forget_masks(conn):
        real_masker.patterns, real_masker.replacer = set(), None
        seen.append(real_masker.redact(line))  # Airflow's masking is gone: the key would show
        return conn

    real_lookup, real_alookup = TrackierHook.get_connection, version_compat.aget_connection
    monkeypatch.setattr(TrackierHook, "get_connection", classmethod(lambda cls, conn_id: forget_masks(
        real_lookup(conn_id))))

    async def alookup(conn_id):
        return forget_masks(await real_alookup(conn_id))

    monkeypatch.setattr(trackier_module, "aget_connection", alookup)
    hook = TrackierHook()
    settings = asyncio.run(hook.aget_settings()) if use_async else hook.settings
    assert settings.api_key == CANARY_KEY
    assert seen == [line]
    assert CANARY_KEY not in real_masker.redact(line)


def test_throttle_spaces_calls(monkeypatch, trackier_emulator, sleeps):
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(trackier_emulator.base_url, trackier_emulator.api_key, requests_per_second=2),
    )
    hook = TrackierHook()
    hook.sleep = sleeps
    for _ in range(4):
        hook.request("GET", "/v2/advertisers")
    # The recorder does not really wait, so later calls find their slots further in the future.
    assert sleeps.waits, "the throttle never made a call wait"
    assert all(0 < w <= 2.0 for w in sleeps.waits)
