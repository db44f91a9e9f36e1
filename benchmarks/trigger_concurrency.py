"""How many TrackierReportTriggers one event loop carries at once, and how fast they fire once ready.

The emulator runs in a child process (as the real API is remote), its clock set so that a new UTC day
begins a few seconds after start. Every trigger waits for that day's campaign report (min_rows=1,
settle_polls=2, settle_period=0, polling every second). The day's first click happens at midnight, so
the report becomes ready at that instant; each trigger then needs two equal polls to fire.

Run: ``python benchmarks/trigger_concurrency.py [--triggers 1000] [--lead 8] [--poll-interval 1]``.
Prints: triggers fired, seconds from readiness to the last one firing, requests made, peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DAY = 86400
API_KEY = "benchmark-key"


def serve(conn: Any, lead: float) -> None:
    """Child process: an emulator whose clock reaches the next UTC midnight ``lead`` seconds from now."""
    from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

    config = EmulatorConfig(api_key=API_KEY, clicks_per_day=24, conversions_per_day=0, settle_seconds=0)
    with TrackierEmulator(config, host="127.0.0.1", port=0) as emu:
        now = emu.now().timestamp()
        midnight = math.ceil((now + lead) / DAY) * DAY
        emu.advance_clock(midnight - lead - now)
        conn.send({"base_url": emu.base_url, "offset": emu.app.clock.offset, "midnight": midnight})
        conn.recv()  # wait for "stop"
        conn.send(len([r for r in emu.requests if r["path"].startswith("/v2/reports/")]))


async def run_triggers(count: int, day: str, poll_interval: float, deadline: float) -> list[tuple[float, str]]:
    from trackier_provider.report_requests import report_params
    from trackier_provider.triggers.report import TrackierReportTrigger
    from trackier_provider.windows import resolve_window

    operation, params = report_params("campaign", resolve_window(day, day))

    async def one() -> tuple[float, str]:
        trigger = TrackierReportTrigger(operation=operation, params=params, min_rows=1, settle_polls=2, settle_period=0,
                                        deadline=deadline, poll_interval=poll_interval)
        event = await trigger.run().__anext__()
        return time.time(), event.payload["status"]

    return await asyncio.gather(*(one() for _ in range(count)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--lead", type=float, default=8.0, help="seconds until the window becomes ready")
    parser.add_argument("--poll-interval", type=float, default=1.0)
    args = parser.parse_args()

    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="trackier-bench-"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(child, args.lead), daemon=True)
    proc.start()
    info = parent.recv()
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": info["base_url"], "password": API_KEY, "extra": {"max_retries": 5}})
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import trackier_provider.triggers.report  # noqa: F401  (imports outside the measurement)

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ready_at = info["midnight"] - info["offset"] - 1  # real time the day's first click becomes visible
    day = datetime.fromtimestamp(info["midnight"], tz=timezone.utc).strftime("%Y-%m-%d")
    started = time.time()
    results = asyncio.run(run_triggers(args.triggers, day, args.poll_interval, deadline=started + args.lead + 120))
    parent.send("stop")
    requests = parent.recv()
    proc.join(10)

    fired = [t for t, status in results if status == "success"]
    early = [t for t in fired if t < ready_at]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"triggers in one event loop:        {args.triggers}")
    print(f"fired with success:                {len(fired)} (other outcomes: "
          f"{sorted({s for _, s in results if s != 'success'}) or 'none'}, before readiness: {len(early)})")
    if fired:
        print(f"last fired after readiness:        {max(fired) - ready_at:.2f} s "
              f"(first {min(fired) - ready_at:.2f} s; poll interval {args.poll_interval:g} s)")
    print(f"report requests made:              {requests} over {time.time() - started:.1f} s "
          f"({requests / max(1, args.triggers):.1f} per trigger)")
    print(f"peak memory (RSS):                 {peak_kb / 1024:.0f} MiB "
          f"({(peak_kb - baseline_kb) / 1024:.0f} MiB above the process after imports)")
    return 0 if len(fired) == args.triggers and fired and max(fired) - ready_at <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
