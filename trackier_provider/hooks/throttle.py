"""Client-side request budgets: one per connection and endpoint group, shared by every hook and trigger of a
process (threads and event loops included).

Trackier limits each API key, not each task: its Publisher API documents 5 requests/s on campaign endpoints
and 200 requests/min on reports; the Admin API publishes no figures. So every caller of one connection in a
process draws from the same budgets, one per group of endpoints (``reports``, ``logs``, ``default``), however
many tasks or triggers run there. A 429 from the server pauses the whole group for its ``Retry-After``, for
every user, not only the request that got it.

Without the connection extra ``budget_url`` the budget is per process: two workers, or a worker and a
triggerer, each have their own, so the connection's total is (budget x processes). With ``budget_url`` every
process of every machine draws from one budget per key and group in that Redis store, and a 429 pauses the
group everywhere (``hooks.budget_store``). See the README's "Budgets and pools".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: The endpoint groups budgets are kept for (``Operation.group``, assigned by ``api.catalogue.budget_group``).
GROUPS = ("reports", "logs", "default")


class Throttle:
    """Hands out evenly spaced request slots (at most ``requests_per_second``) and honours pauses.

    ``reserve()`` claims the next free slot and returns how long the caller must wait for it, so the sync
    hook sleeps and async code awaits the same schedule. ``pause(seconds)`` puts every slot after a
    server-imposed wait (a 429's ``Retry-After``), unthrottled or not.
    """

    def __init__(self, requests_per_second: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if requests_per_second is not None and requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive, or None for no limit")
        self.interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Claim the next slot; return the seconds to wait before sending (0 when free to go)."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    def pause(self, seconds: float) -> None:
        """No slot starts sooner than ``seconds`` from now (a 429's ``Retry-After``, for every user)."""
        with self._lock:
            self._next = max(self._next, self._clock() + max(0.0, seconds))

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Block until this caller's slot."""
        delay = self.reserve()
        if delay > 0:
            sleep(delay)


_BUDGETS: dict[tuple[Any, ...], Throttle] = {}
_BUDGETS_LOCK = threading.Lock()


def budget(key: tuple[Any, ...], make: Callable[[], Throttle]) -> Throttle:
    """The one budget of this process for ``key`` (what makes two callers share it: connection id, endpoint
    group, rate and, for a fleet budget, its store), made by ``make`` on first use. ``TrackierHook.throttle_for``
    builds the key and chooses between a ``Throttle`` of its own and the fleet's ``SharedBudget``."""
    with _BUDGETS_LOCK:
        found = _BUDGETS.get(key)
        if found is None:
            found = _BUDGETS[key] = make()
        return found


def default_pool() -> str | None:
    """The Airflow pool Trackier tasks run in unless they name one: ``[trackier] pool`` in Airflow's
    configuration (``AIRFLOW__TRACKIER__POOL``), so a network sets its cross-process cap once."""
    from airflow.configuration import conf

    return conf.get("trackier", "pool", fallback="").strip() or None


__all__ = ["GROUPS", "Throttle", "budget", "default_pool"]
