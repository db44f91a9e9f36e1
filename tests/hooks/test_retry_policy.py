"""Retry-After parsing and backoff bounds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

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
