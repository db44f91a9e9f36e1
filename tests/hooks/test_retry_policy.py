"""Retry-After parsing and backoff bounds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from trackier_provider.exceptions import TrackierConnectionError, TrackierError
from trackier_provider.hooks.envelopes import error_from_response
from trackier_provider.hooks.retry_policy import RetryPolicy, parse_retry_after
from trackier_provider.hooks.trackier import _is_retryable

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        (format_datetime(NOW + timedelta(seconds=42), usegmt=True), 42.0),
        (format_datetime(NOW - timedelta(seconds=42), usegmt=True), 0.0),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=NOW) == expected


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(backoff_base=1, backoff_cap=8)
    for attempt in range(1, 10):
        assert 0 <= policy.backoff(attempt) <= min(8, 2 ** (attempt - 1))


def test_server_wait_wins_but_is_capped():
    policy = RetryPolicy(max_retry_after=60)
    assert policy.wait_for(1, 5.0) == 5.0
    assert policy.wait_for(1, 600.0) == 60.0


@pytest.mark.parametrize(("status", "retry"), [(429, True), (500, True), (503, True), (400, False), (401, False),
                                              (404, False), (409, False)])
def test_retryable_statuses(status, retry):
    error = error_from_response(status, b"{}", method="GET", endpoint="/v2/campaigns", headers={})
    assert _is_retryable(error, True) is retry


def test_blank_retry_after_is_absent():
    assert parse_retry_after("   ", now=NOW) is None


def test_an_http_date_without_a_zone_is_read_as_utc():
    # "-0000" is RFC 2822's "zone unknown": the date comes back naive, and is taken as UTC
    assert parse_retry_after("Tue, 24 Nov 2026 12:00:30 -0000", now=NOW) == 30.0


def test_a_policy_is_a_value():
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        RetryPolicy().max_retries = 9  # type: ignore[misc]


def test_defaults_are_the_connection_defaults():
    from trackier_provider.hooks.connection import DEFAULT_MAX_RETRIES

    assert RetryPolicy() == RetryPolicy(max_retries=DEFAULT_MAX_RETRIES, deadline=300.0, backoff_base=0.5,
                                        backoff_cap=30.0, max_retry_after=120.0)
    assert RetryPolicy().max_retries == DEFAULT_MAX_RETRIES == 5


@pytest.mark.parametrize(
    ("method", "retried"),
    [("GET", True), ("HEAD", True), ("OPTIONS", True), ("PUT", True), ("DELETE", True), ("POST", False),
     ("PATCH", False)],
)
def test_only_idempotent_methods_are_repeated_after_the_answer_was_lost(hook, trackier_conn, method, retried):
    """The request reached the emulator, which dropped the connection instead of answering: a method that
    may not be repeated fails, an idempotent one is sent again."""
    trackier_conn.add_fault({"kind": "drop", "method": method, "when": "after", "times": 1})
    outcome: Exception | None = None
    try:
        hook.request(method, "/v2/categories", max_retries=1)
    except TrackierError as error:  # a retried HEAD/OPTIONS may be answered with an error: not the lost answer
        outcome = error
    assert isinstance(outcome, TrackierConnectionError) is not retried, outcome
    assert len([r for r in trackier_conn.requests if r["method"] == method]) == (2 if retried else 1)


@pytest.mark.parametrize(("attempt", "bound"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0), (40, 30.0)])
def test_backoff_spreads_over_the_whole_window(attempt, bound):
    """Full jitter: waits fall anywhere from 0 to min(cap, base * 2**(attempt-1)). With 2000 draws the
    smallest is below 5% of the window and the largest above 95% (each fails with odds below 1e-40)."""
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=30.0)
    waits = [policy.backoff(attempt) for _ in range(2000)]
    assert all(0 <= wait <= bound for wait in waits)
    assert min(waits) < 0.05 * bound and max(waits) > 0.95 * bound
