"""The hook's async path (used by triggers): same retries and typed errors, over httpx."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import connection_json
from trackier_provider.exceptions import TrackierAuthenticationError, TrackierNotFoundError
from trackier_provider.hooks.trackier import TrackierHook


def run(coro):
    return asyncio.run(coro)


async def fetch(hook: TrackierHook, operation: str, params=None, **ids):
    client = await hook.async_client()
    async with client:
        return await hook.acall(client, operation, ids=ids or None, query=params)


def test_get_with_key_header(trackier_conn):
    body = run(fetch(TrackierHook(), "campaigns.list", {"limit": 2}))
    assert len(body["campaigns"]) == 2
    assert [r["key_present"] for r in trackier_conn.requests] == [True]


def test_retries_5xx_after_retry_after(trackier_conn):
    # Retry-After 0: the retry happens at once, so no real wait is spent.
    trackier_conn.add_fault({"kind": "status", "status": 503, "times": 1, "retry_after": "0"})
    body = run(fetch(TrackierHook(), "advertisers.list"))
    assert "advertisers" in body
    assert len(trackier_conn.requests) == 2


def test_typed_errors(trackier_conn, monkeypatch):
    with pytest.raises(TrackierNotFoundError):
        run(fetch(TrackierHook(), "campaigns.get", campaign_id=424242424))
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_conn.base_url, "nope"))
    with pytest.raises(TrackierAuthenticationError):
        run(fetch(TrackierHook(), "campaigns.list"))
