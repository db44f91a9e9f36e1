"""One request budget per connection and endpoint group, shared by every hook and trigger of a process;
a 429 pauses it for every user (over HTTP against the emulator; waits are recorded, not slept)."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import connection_json
from tests.hooks.conftest import SleepRecorder
from trackier_provider.api import OPERATIONS
from trackier_provider.hooks.trackier import TrackierHook

REPORT = "/v2/reports/campaign"
WINDOW = {"start": "2026-11-20", "end": "2026-11-20"}


@pytest.fixture
def limited(trackier_conn, monkeypatch):
    """``trackier_default`` limited to 2 requests/s and 30 report requests/min."""
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        trackier_conn.base_url, trackier_conn.api_key, requests_per_second=2, reports_per_minute=30))
    return trackier_conn


def _hook() -> TrackierHook:
    hook = TrackierHook()
    hook.sleep = SleepRecorder()
    return hook


@pytest.mark.parametrize(
    ("operation", "group"),
    [("reports.campaign", "reports"), ("reports.subid", "reports"), ("conversions.list", "logs"),
     ("clicks.list", "logs"), ("pixel_logs.list", "logs"), ("reports.postbacks", "logs"),
     ("publishers.list", "default"), ("campaigns.payouts.list", "default")],
)
def test_endpoint_groups(operation, group) -> None:
    assert OPERATIONS[operation].group == group


def test_hooks_of_one_connection_share_one_budget_per_group(limited) -> None:
    first, second = _hook(), _hook()
    assert first.throttle_for("reports") is second.throttle_for("reports")
    assert first.throttle_for("default") is second.throttle_for("default")
    assert first.throttle_for("reports") is not first.throttle_for("default")
    assert first.throttle_for("reports").interval == pytest.approx(2.0)  # 30 a minute
    assert first.throttle_for("logs").interval == pytest.approx(0.5)  # falls back to 2/s


def test_two_hooks_draw_from_the_same_schedule(trackier_conn, monkeypatch) -> None:
    # One request every 10 s: the recorded waits are slots on that schedule, whatever the machine's speed.
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        trackier_conn.base_url, trackier_conn.api_key, requests_per_second=0.1))
    first, second = _hook(), _hook()
    first.request("GET", "/v2/publishers", params={"limit": 1})
    second.request("GET", "/v2/advertisers", params={"limit": 1})
    first.request("GET", "/v2/publishers", params={"limit": 1})
    # With a budget per hook, neither would wait before its own second call; sharing one, each call takes
    # the next slot of the connection.
    assert second.sleep.waits == [pytest.approx(10.0, abs=2.0)]
    assert first.sleep.waits == [pytest.approx(20.0, abs=2.0)]


def test_another_connection_has_its_own_budget(limited, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_OTHER", connection_json(
        limited.base_url, limited.api_key, requests_per_second=2))
    assert TrackierHook().throttle_for("reports") is not TrackierHook("trackier_other").throttle_for("reports")


def test_a_429_pauses_every_user_of_the_budget(limited) -> None:
    limited.add_fault({"kind": "status", "status": 429, "retry_after": "3", "times": 1, "path": REPORT})
    first, second = _hook(), _hook()
    first.call("reports.campaign", query=WINDOW)  # 429, then retried once the pause is over
    assert first.sleep.waits and first.sleep.waits[-1] == pytest.approx(3.0, abs=0.5)
    second.call("reports.daily", query=WINDOW)  # never got a 429 itself
    assert second.sleep.waits and second.sleep.waits[0] >= 2.0
    other_group = _hook()
    other_group.request("GET", "/v2/publishers", params={"limit": 1})
    assert all(wait < 1.0 for wait in other_group.sleep.waits)  # other groups are not paused


def test_a_trigger_shares_the_budget_and_its_pause(limited) -> None:
    limited.add_fault({"kind": "status", "status": 429, "retry_after": "5", "times": 1, "path": REPORT})
    hook = _hook()
    with pytest.raises(Exception):  # noqa: B017,PT011  (one attempt: the 429 itself)
        hook.call("reports.campaign", query=WINDOW, max_retries=0)

    async def waits_in_a_trigger_hook() -> float:
        trigger_hook = TrackierHook()
        await trigger_hook.aget_settings()
        return trigger_hook.throttle_for("reports").reserve()

    assert asyncio.run(waits_in_a_trigger_hook()) >= 4.0


def test_a_pool_set_once_applies_to_every_trackier_task(monkeypatch) -> None:
    """Across processes and machines the cap is an Airflow pool: ``[trackier] pool`` names it once."""
    from trackier_provider.operators.campaigns import TrackierFetchCampaignsOperator
    from trackier_provider.sensors.job import TrackierJobSensor

    assert TrackierFetchCampaignsOperator(task_id="a").pool == "default_pool"
    monkeypatch.setenv("AIRFLOW__TRACKIER__POOL", "trackier")
    assert TrackierFetchCampaignsOperator(task_id="b").pool == "trackier"
    assert TrackierJobSensor(task_id="c", job_id="j").pool == "trackier"
    assert TrackierFetchCampaignsOperator(task_id="d", pool="reports").pool == "reports"
