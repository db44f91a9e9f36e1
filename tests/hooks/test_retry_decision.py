"""The retry decision of the hook over HTTP against the emulator: what mutation testing found unguarded.

A per-call ``max_retries`` keeps the hook's total deadline, and the warning before each retry names the call,
its failure and the wait (the server's ``Retry-After``)."""

from __future__ import annotations

import logging

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierServerError
from trackier_provider.hooks.trackier import TrackierHook


def test_a_per_call_max_retries_keeps_the_hooks_deadline(trackier_conn, sleeps) -> None:
    """The server asks for 5 s, the hook may spend 1 s in all: no retry, although the call allows three."""
    trackier_conn.add_fault({"kind": "status", "status": 503, "times": 4, "path": "/v2/campaigns", "retry_after": "5"})
    hook = TrackierHook(retry_deadline=1)
    hook.sleep = sleeps
    try:
        with pytest.raises(TrackierServerError):
            hook.request("GET", "/v2/campaigns", max_retries=3)
    finally:
        hook.close()
    assert len(api_calls(trackier_conn, "GET", "/v2/campaigns")) == 1
    assert sleeps.waits == []


def test_the_retry_warning_names_the_call_its_failure_and_the_wait(hook, trackier_conn, sleeps, caplog) -> None:
    trackier_conn.add_fault({"kind": "status", "status": 503, "times": 1, "path": "/v2/campaigns", "retry_after": "2"})
    with caplog.at_level(logging.WARNING, logger="trackier_provider.hooks.trackier"):
        hook.request("GET", "/v2/campaigns", max_retries=2)
    warnings = [r.getMessage() for r in caplog.records if r.name == "trackier_provider.hooks.trackier"
                and r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    head, _, tail = warnings[0].partition(" failed (")
    assert head == "Trackier GET /v2/campaigns"
    failure, _, rest = tail.rpartition("); ")
    assert "503" in failure
    assert rest == "retry 1 of 2 in 2.00s (plus any wait the connection's budget sets)"
    assert sleeps.waits == [2.0]
