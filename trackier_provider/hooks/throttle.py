"""A client-side request-rate limit shared by every call of one hook (threads included)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    """Spaces requests at least ``1 / requests_per_second`` apart so a DAG stays under the network's limit.

    ``reserve()`` hands out the next free slot and returns how long the caller must wait for it, so the
    sync hook sleeps and async code awaits the same schedule.
    """

    def __init__(self, requests_per_second: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if requests_per_second is not None and requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive, or None for no limit")
        self.interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Claim the next slot; return the seconds to wait before sending (0 when unthrottled)."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Block until this caller's slot."""
        delay = self.reserve()
        if delay > 0:
            sleep(delay)
