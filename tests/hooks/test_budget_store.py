"""The shared budget store (connection extra ``budget_url``): processes draw evenly spaced slots from one
budget per key and endpoint group in Redis, a 429 pauses the group for all of them, the store holds no
secret, and when Redis stops the documented per-process share takes over and the log says so.

A real Redis (``tests/fleet_store.py``) and the emulator over HTTP. Two processes are stood in for by two
connection ids with the same key (each has its own budget object and, for the store test, its own store
client and process id in the store): the store cannot tell them from two machines. The waits are recorded,
not slept (``SleepRecorder``), and they are slots computed by Redis, not measured durations.
"""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from tests.conftest import connection_json
from tests.fleet_store import budget_redis  # noqa: F401 - the fixture
from tests.hooks.conftest import SleepRecorder
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks import budget_store
from trackier_provider.hooks.budget_store import SharedBudget, Store, budget_key, check_budget_url, redacted
from trackier_provider.hooks.throttle import Throttle
from trackier_provider.hooks.trackier import TrackierHook

REPORT = "/v2/reports/campaign"
WINDOW = {"start": "2026-11-20", "end": "2026-11-20"}


@pytest.fixture
def fleet(trackier_conn, budget_redis, monkeypatch):  # noqa: F811
    """Connections ``trackier_default`` and ``trackier_other``: the emulator, the same key, one store."""
    def connect(**extra: object) -> None:
        for name in ("TRACKIER_DEFAULT", "TRACKIER_OTHER"):
            monkeypatch.setenv(f"AIRFLOW_CONN_{name}", connection_json(
                trackier_conn.base_url, trackier_conn.api_key, budget_url=budget_redis.url, **extra))

    connect(requests_per_second=0.1)
    trackier_conn.connect = connect
    return trackier_conn


def _hook(conn_id: str = "trackier_default") -> TrackierHook:
    hook = TrackierHook(conn_id)
    hook.sleep = SleepRecorder()
    return hook


@pytest.mark.parametrize("url", ["http://redis:6379/0", "redis://", "redis://host:notaport/0", "redis://host/x",
                                 "redis://h o st:6379/0", 42])
def test_a_bad_budget_url_is_refused_before_any_request(url) -> None:
    with pytest.raises(TrackierConfigError) as raised:
        check_budget_url(url)
    assert "budget_url" in str(raised.value)


def test_a_budget_url_password_is_never_shown() -> None:
    assert check_budget_url(" rediss://:s3cret@cache.internal:6380/2 ") == "rediss://:s3cret@cache.internal:6380/2"
    assert check_budget_url("") is None and check_budget_url(None) is None
    with pytest.raises(TrackierConfigError) as raised:
        check_budget_url("redis://:s3cret@cache.internal:6380/db")
    assert "s3cret" not in str(raised.value)
    assert redacted("redis://:s3cret@cache.internal:6380/2") == "redis://:***@cache.internal:6380/2"


def test_without_budget_url_nothing_of_redis_is_imported(trackier_conn) -> None:
    hook = _hook()
    hook.request("GET", "/v2/publishers", params={"limit": 1})
    assert type(hook.throttle_for("reports")) is Throttle
    code = ("import sys, trackier_provider.hooks.trackier, trackier_provider.triggers.report; "
            "print('redis' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"


def test_two_processes_draw_successive_slots_of_one_budget(fleet) -> None:
    first, second = _hook(), _hook("trackier_other")
    assert isinstance(first.throttle_for("reports"), SharedBudget)
    assert first.throttle_for("default") is not second.throttle_for("default")  # two "processes"
    first.request("GET", "/v2/publishers", params={"limit": 1})
    second.request("GET", "/v2/advertisers", params={"limit": 1})
    first.request("GET", "/v2/publishers", params={"limit": 1})
    # One request every 10 s for the key, whichever process asks: with a budget each, neither would wait.
    assert second.sleep.waits == [pytest.approx(10.0, abs=2.0)]
    assert first.sleep.waits == [pytest.approx(20.0, abs=2.0)]


def test_groups_have_their_own_budgets_in_the_store(fleet) -> None:
    fleet.connect(requests_per_second=0.1, reports_per_minute=6)
    first, second = _hook(), _hook("trackier_other")
    first.request("GET", "/v2/publishers", params={"limit": 1})
    second.call("reports.campaign", query=WINDOW)
    second.call("reports.campaign", query=WINDOW)
    assert second.sleep.waits == [pytest.approx(10.0, abs=2.0)]  # 6 a minute, its own slots
    assert second.throttle_for("reports").key == budget_key(fleet.base_url, fleet.api_key, "reports")


def test_a_429_pauses_the_group_in_every_process(fleet) -> None:
    fleet.connect(requests_per_second=1000)
    fleet.add_fault({"kind": "status", "status": 429, "retry_after": "3", "times": 1, "path": REPORT})
    first, second = _hook(), _hook("trackier_other")
    first.call("reports.campaign", query=WINDOW)  # 429, then retried once the pause is over
    assert first.sleep.waits and first.sleep.waits[-1] == pytest.approx(3.0, abs=0.5)
    second.call("reports.daily", query=WINDOW)  # another process, that never got a 429 itself
    assert second.sleep.waits and second.sleep.waits[0] >= 2.0
    other_group = _hook("trackier_other")
    other_group.request("GET", "/v2/publishers", params={"limit": 1})
    assert not other_group.sleep.waits  # the pause is the reports group's only


def test_the_store_holds_no_secret(trackier_emulator, budget_redis, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        trackier_emulator.base_url, trackier_emulator.api_key, budget_url=budget_redis.url, requests_per_second=100))
    hook = _hook()
    hook.request("GET", "/v2/publishers", params={"limit": 1})
    hook.call("reports.campaign", query=WINDOW)
    stored = budget_redis.dump()
    assert any(":budget:" in entry for entry in stored)  # something was written
    for secret in (trackier_emulator.api_key, budget_redis.password):
        assert not any(secret in entry for entry in stored)


def _budget(store: Store, clock: list[float]) -> SharedBudget:
    return SharedBudget(store, "trackier:v1:budget:test:reports", 10.0, "connection 'x', group 'reports'",
                        clock=lambda: clock[0])


def test_redis_stopped_mid_run_falls_back_to_the_process_share_and_says_so(budget_redis, caplog) -> None:  # noqa: F811
    clock = [1000.0]
    ours, theirs = _budget(Store(budget_redis.url), clock), _budget(Store(budget_redis.url), clock)
    drawn = [ours.reserve(), theirs.reserve(), ours.reserve()]  # two processes, 10/s for both together
    assert drawn == [pytest.approx(0.0, abs=0.05), pytest.approx(0.1, abs=0.05), pytest.approx(0.2, abs=0.05)]
    assert ours.processes == 2

    budget_redis.stop()
    with caplog.at_level(logging.WARNING, logger=budget_store.__name__):
        waits = [ours.reserve() for _ in range(5)]
    # The documented fallback: the group's limit divided by the 2 processes seen drawing, never more.
    assert waits == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    fallbacks = [r.getMessage() for r in caplog.records if "falls back" in r.getMessage()]
    assert len(fallbacks) == 1  # said once, not per request
    assert "5 requests/s" in fallbacks[0] and "2 process(es)" in fallbacks[0]
    assert budget_redis.password not in caplog.text


def test_a_hook_keeps_to_its_share_when_redis_is_stopped(fleet, budget_redis, caplog) -> None:  # noqa: F811
    fleet.connect(requests_per_second=0.5)
    hook = _hook()
    hook.request("GET", "/v2/publishers", params={"limit": 1})
    budget_redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            hook.request("GET", "/v2/publishers", params={"limit": 1})
    # Each wait is one slot of this process's own budget (0.5/s): requests never come faster than that.
    assert hook.sleep.waits[-2:] == [pytest.approx(2.0, abs=0.3), pytest.approx(4.0, abs=0.3)]
    assert "falls back to this process's own budget" in caplog.text
    assert len([r for r in fleet.requests if r["path"] == "/v2/publishers"]) == 4  # every call still answered
