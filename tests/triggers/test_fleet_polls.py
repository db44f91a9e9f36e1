"""Identical report polls from two triggerers (two event loops, as in two triggerer processes) cost one
request per poll interval through the connection's ``budget_url`` store; the store holds neither the API key
nor the store's password; without the store each triggerer asks for itself.

Against the emulator (requests counted in its request log) and a real Redis (``tests/fleet_store.py``).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from tests.conftest import CANARY_KEY, connection_json
from tests.fleet_store import budget_redis  # noqa: F401 - the fixture
from tests.triggers.emulated import old_day
from tests.triggers.test_report import make
from trackier_provider import readiness

REPORT = "/v2/reports/campaign"
POLL = 6.0


def _two_triggerers(emu: Any, day: str) -> list[Any]:
    """Run one trigger on ``day`` in each of two event loops on their own threads; return both events.
    Each needs two polls that agree (one poll interval apart).

    The emulator's clock (the triggers' clock) is moved to just after a multiple of the poll interval, so both
    first polls fall in its first half however slowly the threads start on a busy machine: both triggers then
    poll next at the same multiple (``until_next_poll``), as triggers started together in a triggerer do.
    """
    emu.advance_clock(POLL - readiness.now() % POLL + 0.05)
    events: list[Any] = [None, None]

    def triggerer(slot: int) -> None:
        trigger = make(day, settle_polls=2, settle_period=0.0, poll_interval=POLL)
        events[slot] = asyncio.run(trigger.wait())

    threads = [threading.Thread(target=triggerer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return events


def test_two_triggerers_share_one_request_per_poll_interval(emu, budget_redis, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        emu.base_url, CANARY_KEY, max_retries=2, budget_url=budget_redis.url))
    events = _two_triggerers(emu, old_day(emu))
    assert [e.payload["status"] for e in events] == ["success", "success"]
    assert [e.payload["summary"]["polls"] for e in events] == [2, 2]  # each polled twice...
    assert len([r for r in emu.requests if r["path"] == REPORT]) == 2  # ...and the two shared each request

    stored = budget_redis.dump()
    assert any(":answer:" in entry for entry in stored)
    assert not any(CANARY_KEY in entry or budget_redis.password in entry for entry in stored)


def test_without_a_store_each_triggerer_asks_for_itself(emu):
    events = _two_triggerers(emu, old_day(emu))
    assert [e.payload["status"] for e in events] == ["success", "success"]
    assert len([r for r in emu.requests if r["path"] == REPORT]) == 4  # the count above can fail


def test_a_store_that_is_down_costs_requests_not_answers(emu, budget_redis, monkeypatch, caplog):  # noqa: F811
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        emu.base_url, CANARY_KEY, max_retries=2, budget_url=budget_redis.url))
    budget_redis.stop()
    events = _two_triggerers(emu, old_day(emu))
    assert [e.payload["status"] for e in events] == ["success", "success"]
    assert len([r for r in emu.requests if r["path"] == REPORT]) == 4
    assert "asks its poll itself" in caplog.text and "falls back to this process's own budget" in caplog.text
