"""Report triggers at fleet scale: the API budget they use and how soon they fire once a window is ready.

What it measures
- Scenario 1: 1,000 deferred ``TrackierReportTrigger``s over 10 distinct report windows, polling every 60 s,
  in one event loop (as in one triggerer), against the emulator (its own process) enforcing Trackier's
  documented 200 report requests per minute. Printed: the number of 429 answers (target 0), the most
  report requests the emulator saw in any one poll interval (target <= 10: one per distinct question, the
  rest coalesced), and how long after the windows became ready the last trigger fired (target <= one poll
  interval + 5 s).
- Scenario 2: 10,000 triggers over 100 windows at a 60 s interval in one event loop (report budget raised to
  6,000/min on both sides, so the event loop, not the budget, is what is measured). Printed: how long after
  readiness the last trigger fired (target <= 65 s) and the CPU seconds the process spent per poll round.
- "Ready" is controlled by the benchmark: every trigger's ``ready_check`` turns true at a fixed moment about
  70 s after the start, so the time to fire is the polling schedule's doing, not the emulator's figures.

What it does not measure
- Several triggerers or workers (a per-process budget cannot see them: see the README on pools).
- Real Trackier latency; the serialization and database round trips of a real triggerer.

Run: ``.venv/bin/python benchmarks/trigger_budget.py`` (about 5 minutes: two scenarios of real 60 s polls).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

from _emulator_process import API_KEY, emulator_process

POLL = 60.0
READY_AFTER = 70.0
#: When the windows become ready (set by the scenario; read by ``ready``).
READY_AT = float("inf")


def ready(records: list[dict[str, Any]]) -> bool:
    """The triggers' ready_check: true from ``READY_AT`` on."""
    return time.time() >= READY_AT


def scenario(name: str, triggers: int, windows: int, reports_per_minute: int) -> None:
    with emulator_process("--reports-per-minute", str(reports_per_minute)) as url:
        statuses, sent, fired, cpu = run_triggers(url, triggers, windows, reports_per_minute)
        log = requests_of(url)
    reports = [r for r in log if r["path"].startswith("/v2/reports/")]
    rounds = Counter(int(at // POLL) for at in sent)
    limited = sum(1 for r in reports if r.get("status") == 429)
    polls = len(rounds)
    print(f"\n{name}: {triggers:,} triggers over {windows} windows, poll interval {POLL:.0f} s")
    print(f"  statuses: {dict(Counter(statuses))}")
    print(f"  report requests: {len(reports)} in all, 429 answers: {limited}")
    print(f"  poll rounds: {polls}; most report requests in one poll interval: {max(rounds.values())}")
    print(f"  last trigger fired {max(fired) - READY_AT:.1f} s after the windows became ready "
          f"(first {min(fired) - READY_AT:.1f} s)")
    print(f"  CPU: {cpu:.2f} s in all, {cpu / polls:.3f} s per poll round, "
          f"{cpu / (polls * triggers) * 1e6:.0f} us per trigger poll")


def requests_of(url: str) -> list[dict[str, Any]]:
    import requests

    return list(requests.get(f"{url}/_emulator/requests", timeout=30).json()["requests"])


def run_triggers(url: str, triggers: int, windows: int, reports_per_minute: int) -> tuple[Any, ...]:
    """Run the triggers in one event loop; return their statuses, when each report request left, when each
    trigger fired, and the CPU seconds spent."""
    global READY_AT
    from trackier_provider.hooks.trackier import TrackierHook
    from trackier_provider.report_requests import report_params
    from trackier_provider.triggers.report import TrackierReportTrigger
    from trackier_provider.windows import resolve_window

    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps({
        "conn_type": "trackier", "host": url, "password": API_KEY,
        "extra": {"reports_per_minute": reports_per_minute},
    })
    days = [(date(2026, 6, 1) + timedelta(days=n)).isoformat() for n in range(windows)]
    started = time.time()
    READY_AT = started + READY_AFTER
    made = []
    for n in range(triggers):
        day = days[n % windows]
        operation, params = report_params("campaign", resolve_window(day, day), kpi=["clicks", "payout"])
        made.append(TrackierReportTrigger(
            operation=operation, params=params, min_rows=0, settle_polls=1, settle_period=0.0,
            ready_check="__main__.ready", deadline=started + 3600, poll_interval=POLL,
        ))
    fired: list[float] = []
    sent: list[float] = []  # when each report request left (coalesced polls send one for many triggers)
    original = TrackierHook.arequest

    async def counted(self: TrackierHook, client: Any, method: str, endpoint: str, **kwargs: Any) -> Any:
        sent.append(time.time())
        return await original(self, client, method, endpoint, **kwargs)

    async def wait(trigger: TrackierReportTrigger) -> str:
        event = await trigger.wait()
        fired.append(time.time())
        return str(event.payload["status"])

    async def run_all() -> list[str]:
        return await asyncio.gather(*(wait(t) for t in made))

    TrackierHook.arequest = counted  # type: ignore[method-assign]
    cpu_before = time.process_time()
    try:
        statuses = asyncio.run(run_all())
    finally:
        TrackierHook.arequest = original  # type: ignore[method-assign]
    return statuses, sent, fired, time.process_time() - cpu_before


def main() -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    scenario("scenario 1", 1_000, 10, 200)
    scenario("scenario 2", 10_000, 100, 6_000)


if __name__ == "__main__":
    main()
