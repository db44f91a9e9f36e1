"""When to retry a Trackier call and how long to wait: one policy for the sync hook and async triggers.

Retried: HTTP 429, HTTP 5xx, connection errors, timeouts and garbled bodies, honouring ``Retry-After``
(seconds or an HTTP date) and otherwise backing off exponentially with full jitter, bounded by a number of
retries and a total deadline. Never retried: any other 4xx. A request that may have created something
(a POST that reached the server) is not repeated blindly: only failures proven to have happened before
the server acted on it (429, refused connections, connect timeouts) are retried for non-idempotent calls.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header given as seconds or as an HTTP date; None if absent."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and backoff of retries: ``max_retries`` extra attempts within ``deadline`` seconds in all."""

    max_retries: int = 5
    deadline: float = 300.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the given 1-based attempt number."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1))))

    def wait_for(self, attempt: int, retry_after: float | None) -> float:
        """The server's ``Retry-After`` when it sent one (capped), otherwise backoff."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.backoff(attempt)
