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
  readiness the last trigger fired (target <= 65 s) and the CPU seconds the process spent in each poll round
  (sampled half-way between rounds, so a round's figure is the polls of every trigger, the shared requests
  and the sleeps; target <= 1 s, 100 us per trigger), apart from the start (creating and looking up).
- With ``--charts DIR`` (``make bench`` passes ``docs/performance``) and matplotlib installed (the ``bench``
  extra), a chart of how long after readiness the last trigger fired against the number of triggers (both
  scenarios) is written to ``DIR/trigger_fire_delay.png`` and ``.svg``, with the machine, load and date.
- "Ready" is controlled by the benchmark: every trigger's ``ready_check`` turns true at a fixed moment about
  70 s after the start (190 s in scenario 2, so three whole poll rounds are measured), so the time to fire
  is the polling schedule's doing, not the emulator's figures.

What it does not measure
- Several triggerers or workers (a per-process budget cannot see them: see the README on pools).
- Real Trackier latency; the serialization and database round trips of a real triggerer.

Run: ``.venv/bin/python benchmarks/trigger_budget.py [--charts DIR]`` (about 7 minutes: two scenarios of real
60 s polls).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
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


def scenario(name: str, triggers: int, windows: int, reports_per_minute: int,
             ready_after: float = READY_AFTER) -> float:
    """Run one scenario, print its figures; return how long after readiness the last trigger fired."""
    with emulator_process("--reports-per-minute", str(reports_per_minute)) as url:
        statuses, sent, fired, cpu, rounds_cpu = run_triggers(url, triggers, windows, reports_per_minute,
                                                              ready_after)
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
    print(f"  CPU: {cpu:.2f} s in all (start included); per poll round: "
          + ", ".join(f"{c:.3f} s" for c in rounds_cpu)
          + (f"; least {min(rounds_cpu):.3f} s = {min(rounds_cpu) / triggers * 1e6:.0f} us per trigger poll, "
             f"most {max(rounds_cpu):.3f} s = {max(rounds_cpu) / triggers * 1e6:.0f} us (other load on the machine "
             "adds to the CPU time of a round)" if rounds_cpu else ""))
    return max(fired) - READY_AT


def requests_of(url: str) -> list[dict[str, Any]]:
    import requests

    return list(requests.get(f"{url}/_emulator/requests", timeout=30).json()["requests"])


def run_triggers(url: str, triggers: int, windows: int, reports_per_minute: int,
                 ready_after: float) -> tuple[Any, ...]:
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
    READY_AT = started + ready_after
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
    original = TrackierHook.acall

    async def counted(self: TrackierHook, client: Any, operation: Any, **kwargs: Any) -> Any:
        sent.append(time.time())
        return await original(self, client, operation, **kwargs)

    async def wait(trigger: TrackierReportTrigger) -> str:
        event = await trigger.wait()
        fired.append(time.time())
        return str(event.payload["status"])

    halfway: list[float] = []  # CPU time half-way between poll rounds (polls happen at multiples of POLL)

    async def sample() -> None:
        while True:
            await asyncio.sleep(POLL - (time.time() + POLL / 2) % POLL)
            halfway.append(time.process_time())

    async def run_all() -> list[str]:
        sampler = asyncio.ensure_future(sample())
        try:
            return await asyncio.gather(*(wait(t) for t in made))
        finally:
            sampler.cancel()

    TrackierHook.acall = counted  # type: ignore[method-assign]
    cpu_before = time.process_time()
    try:
        statuses = asyncio.run(run_all())
    finally:
        TrackierHook.acall = original  # type: ignore[method-assign]
    rounds_cpu = [after - before for before, after in itertools.pairwise(halfway)]
    return statuses, sent, fired, time.process_time() - cpu_before, rounds_cpu


def chart(points: list[tuple[int, float]], folder: str) -> None:
    """Fire delay against the number of triggers, as PNG and SVG in ``folder``, if matplotlib is installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(no chart: matplotlib is not installed; pip install -e '.[bench]')")
        return
    import platform
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([n for n, _ in points], [d for _, d in points], marker="o")
    ax.axhline(POLL + 5, linestyle="--", color="grey", label=f"target: one poll interval ({POLL:.0f} s) + 5 s")
    ax.set_xscale("log")
    ax.set_xlabel("report triggers in one event loop")
    ax.set_ylabel("last trigger fired, s after ready")
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    ax.set_title(f"{platform.machine()}, {os.cpu_count()} CPUs, load {load}, {date.today().isoformat()}", fontsize=9)
    fig.tight_layout()
    for suffix in ("png", "svg"):
        fig.savefig(out / f"trigger_fire_delay.{suffix}")
    print(f"\nchart: {out / 'trigger_fire_delay.png'} and .svg")


def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    print(f"load before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    points = [(1_000, scenario("scenario 1", 1_000, 10, 200)),
              (10_000, scenario("scenario 2", 10_000, 100, 6_000, ready_after=190.0))]
    print(f"load after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.charts:
        chart(points, args.charts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", help="folder for the fire-delay chart, PNG and SVG (none: no chart)")
    main(parser.parse_args())
