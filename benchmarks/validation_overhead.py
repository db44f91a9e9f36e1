"""Validation overhead: ``validate_responses="warn"`` vs ``"off"`` on a JSON Lines export of 200,000 conversions.

What it measures
- ``TrackierFetchConversionsOperator`` with its defaults (10,000-record pages, pages fetched ahead, atomic
  write) exports the same day of 200,000 conversions from the same emulator to a JSON Lines file, with
  ``validate_responses`` ``off`` and ``warn``. ``warn`` checks every page's envelope and, since JSON Lines
  pages keep the server's text, a sample of up to 200 records per page (``SAMPLE_PER_PAGE``).
- A third client, ``every record``, shows what full validation of such an export would cost: the pages are
  fetched decoded (as a CSV export or XCom fetch gets them) so every record is checked, and written to the
  same JSON Lines file. It is why JSON Lines pages are sampled.
- Each client runs in a fresh process of its own; the emulator runs in another, its conversion rows rendered
  and cached by a warm-up pass before any timing, so it serves well above the clients' rates (its rate is
  printed) and is not the bottleneck of either side. Runs go round-robin (off, warn, every record; then in
  the reverse order; ...), and each ratio reported is the median of the per-round ratios to ``off``, with the
  spread of those ratios: the machine's other work shows up there.
- Per run: wall clock of the export alone (imports and the connection lookup excluded) and client CPU
  seconds (user + system of the client process during the export).

What it does not measure
- A real Trackier: its latency makes every page slower and the validation's share smaller.
- CSV exports, XCom fetches, reports or sensors (answers with few records, or decoded anyway: every record is
  checked there), nor answers that drift: a drifting record costs more, its failing fields being explained by
  ``jsonschema`` (field by field, not the whole record).

Run: ``.venv/bin/python benchmarks/validation_overhead.py`` (about 3-5 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _emulator_process import API_KEY, emulator_process

ROWS = 200_000
DAY = "2026-11-20"
ROUNDS = 5
CLIENTS = ("off", "warn", "every record")
CONVERSIONS = "/v2/network/conversions"


def client(kind: str, url: str, out: str) -> dict[str, Any]:
    mode = "off" if kind == "off" else "warn"
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": url, "password": API_KEY, "extra": {"validate_responses": mode}}
    )
    from trackier_provider.operators.conversions import TrackierFetchConversionsOperator

    class Recorder:
        def xcom_push(self, key: str, value: Any) -> None:
            self.summary = value

    op = TrackierFetchConversionsOperator(task_id="bench", start=DAY, end=DAY, output_path=out)
    if kind == "every record":  # decoded pages: every record is checked
        fetch = op.fetch_pages
        op.fetch_pages = lambda window, raw=False: fetch(window, raw=False)  # type: ignore[method-assign]
    op.hook.settings  # noqa: B018  (the connection lookup is setup, not export)
    ti = Recorder()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    rows = op.execute({"ti": ti})["rows"]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    checked = getattr(ti, "summary", {}).get("operations", {}).get("conversions.list", {})
    return {"rows": rows, "wall": wall, "cpu": (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime),
            "validated": checked.get("validated", 0), "drift": bool(checked.get("drift"))}


def run(kind: str, url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        env = {**os.environ, "AIRFLOW_HOME": tmp, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        done = subprocess.run(
            [sys.executable, __file__, "--client", kind, "--url", url, "--out", str(Path(tmp) / "conv.jsonl")],
            env=env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{kind} client failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def serve_rate(url: str) -> float:
    """Rows/s of the emulator serving the day in raw 10,000-row pages (bodies read, not decoded)."""
    import requests

    with requests.Session() as session:
        session.headers["X-Api-Key"] = API_KEY
        started = time.perf_counter()
        for page in range(1, ROWS // 10_000 + 1):
            with session.get(f"{url}{CONVERSIONS}", stream=True, params={
                    "start": f"{DAY} 00:00:00", "end": f"{DAY} 23:59:59", "page": page, "limit": 10_000}) as answer:
                answer.raise_for_status()
                answer.raw.read()
        return ROWS / (time.perf_counter() - started)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f}, min {min(values):.3f}, max {max(values):.3f}"


def main() -> None:
    with emulator_process("--conversions-per-day", str(ROWS)) as url:
        serve_rate(url)  # warm-up: renders and caches every row of the day once
        rate = statistics.median(serve_rate(url) for _ in range(3))
        print(f"emulator serves {rate:,.0f} conversion rows/s in 10,000-row pages (bodies read, not decoded)")
        rounds: list[dict[str, dict[str, Any]]] = []
        for number in range(ROUNDS):
            order = CLIENTS if number % 2 == 0 else tuple(reversed(CLIENTS))
            rounds.append({kind: run(kind, url) for kind in order})
    for kind in CLIENTS:
        results = [r[kind] for r in rounds]
        assert {r["rows"] for r in results} == {ROWS}, results
        assert not any(r["drift"] for r in results), results
        print(f"  {kind:13} {statistics.median(ROWS / r['wall'] for r in results):>9,.0f} rows/s"
              f"  wall {statistics.median(r['wall'] for r in results):6.2f} s"
              f"  CPU {statistics.median(r['cpu'] for r in results):6.2f} s"
              f"  records checked {results[0]['validated']:,} of {ROWS:,}")
    print(f"\n{ROWS:,} conversions to JSON Lines, {ROUNDS} rounds; time relative to off, per round:")
    for kind in CLIENTS[1:]:
        wall = [r[kind]["wall"] / r["off"]["wall"] for r in rounds]
        cpu = [r[kind]["cpu"] / r["off"]["cpu"] for r in rounds]
        print(f"  {kind:13} wall {spread(wall)}; CPU {spread(cpu)}")
    overhead = statistics.median(r["warn"]["wall"] / r["off"]["wall"] for r in rounds) - 1
    print(f"\nwarn over off: {overhead:+.1%} wall clock (target: within +15%)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=CLIENTS)
    parser.add_argument("--url")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.client:
        print(json.dumps(client(args.client, args.url, args.out)))
    else:
        main()
