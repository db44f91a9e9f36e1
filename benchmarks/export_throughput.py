"""Export throughput: ``TrackierFetchConversionsOperator`` with its defaults vs a bare ``requests`` loop.

What it measures
- Both clients export the same 200,000 conversions (one day) from the same emulator to a JSON Lines file.
  The operator runs with its defaults (page size, pages in flight, atomic write); the bare loop asks for
  10,000-row pages one after the other, decodes each with ``Response.json()`` and writes every record with
  ``json.dumps`` (no retries, no checks, no atomic rename).
- Each client runs in a fresh process of its own; the emulator runs in a third process, so neither client
  shares a core's interpreter lock with the server. Runs alternate (operator, bare, bare, operator, ...) and
  the ratio reported is the median of the per-pair ratios.
- Per run: rows/s (wall clock of the export alone, imports excluded), client CPU seconds (user + system of
  the client process during the export) and the client's peak RSS growth over its RSS just before the export.
- Scenario ``no latency``: the emulator answers as fast as it can. Its conversion rows are pre-rendered (a
  warm-up pass fills that cache before timing), so it serves well above the clients' rates and is not the
  bottleneck of either side; the script prints the emulator's own rate of serving raw pages to show that.
- Scenario ``100 ms per page``: the emulator's latency fault delays every conversions answer by 100 ms, as a
  distant API would; the sequential bare loop pays it once per page.
- Memory: one export of 1,000,000 conversions by the operator with its defaults; peak RSS growth.

What it does not measure
- A real Trackier: its latency, throttling and page-serving speed differ; this compares clients on a
  loopback server only.
- CSV or gzip output, other endpoints, retries under faults (tests cover correctness, not speed).
- Import time of Airflow or the provider (see import_cost.py).

Run: ``.venv/bin/python benchmarks/export_throughput.py`` (about 3-5 minutes on 2 cores). Numbers depend on the
machine and on what else runs on it; compare ratios, not absolute rates.
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
BIG = 1_000_000
DAY = ("2026-11-20 00:00:00", "2026-11-20 23:59:59")
PAIRS = 3
LATENCY = 0.1
CONVERSIONS = "/v2/network/conversions"


# ----------------------------------------------------------------------------------------- clients
def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _measure(export: Any) -> dict[str, Any]:
    baseline = _rss_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    rows = export()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    return {"rows": rows, "wall": wall, "cpu": cpu, "rss_growth_mb": (after.ru_maxrss - baseline) / 1024}


def client_operator(url: str, out: str) -> dict[str, Any]:
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": url, "password": API_KEY}
    )
    from trackier_provider.operators.conversions import TrackierFetchConversionsOperator

    # A date window is inclusive: the operator asks for 00:00:00 to 23:59:59, as the bare loop does.
    day = DAY[0][:10]
    op = TrackierFetchConversionsOperator(task_id="bench", start=day, end=day, output_path=out)
    op.hook.settings  # noqa: B018  (the connection lookup is setup, not export)
    return _measure(lambda: op.execute({})["rows"])


def client_bare(url: str, out: str) -> dict[str, Any]:
    import requests

    def export() -> int:
        rows, page = 0, 1
        with requests.Session() as session, open(out, "w", encoding="utf-8") as handle:
            session.headers["X-Api-Key"] = API_KEY
            while True:
                response = session.get(f"{url}{CONVERSIONS}", params={
                    "start": DAY[0], "end": DAY[1], "page": page, "limit": 10_000})
                response.raise_for_status()
                records = response.json()["conversions"]
                for record in records:
                    handle.write(json.dumps(record) + "\n")
                rows += len(records)
                if len(records) < 10_000:
                    return rows
                page += 1

    return _measure(export)


# ----------------------------------------------------------------------------------------- driver
def control(url: str, method: str, name: str, body: Any = None) -> None:
    import requests

    requests.request(method, f"{url}/_emulator/{name}", json=body, timeout=10).raise_for_status()


def serve_rate(url: str, rows: int) -> float:
    """Rows/s of the emulator serving raw 10,000-row pages (bodies read, not decoded)."""
    import requests

    with requests.Session() as session:
        session.headers["X-Api-Key"] = API_KEY
        started = time.perf_counter()
        for page in range(1, rows // 10_000 + 1):
            with session.get(f"{url}{CONVERSIONS}", stream=True, params={
                    "start": DAY[0], "end": DAY[1], "page": page, "limit": 10_000}) as response:
                response.raise_for_status()
                response.raw.read()  # in one piece: the client's cost of reading stays small
        return rows / (time.perf_counter() - started)


def run_client(kind: str, url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        out = str(Path(tmp) / "conversions.jsonl")
        env = {**os.environ, "AIRFLOW_HOME": tmp, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        done = subprocess.run(
            [sys.executable, __file__, "--client", kind, "--url", url, "--out", out],
            env=env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{kind} client failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def scenario(url: str, name: str) -> None:
    runs: dict[str, list[dict[str, Any]]] = {"operator": [], "bare": []}
    for pair in range(PAIRS):
        order = ("operator", "bare") if pair % 2 == 0 else ("bare", "operator")
        for kind in order:
            runs[kind].append(run_client(kind, url))
    for kind, results in runs.items():
        assert {r["rows"] for r in results} == {ROWS}, f"{kind} exported {[r['rows'] for r in results]}"
    pairs = list(zip(runs["operator"], runs["bare"], strict=True))
    speed = [(o["rows"] / o["wall"]) / (b["rows"] / b["wall"]) for o, b in pairs]
    cpu = [o["cpu"] / b["cpu"] for o, b in pairs]
    print(f"\n{name}: {ROWS:,} conversions, {PAIRS} alternating pairs")
    for kind, results in runs.items():
        print(f"  {kind:9} {statistics.median(r['rows'] / r['wall'] for r in results):>10,.0f} rows/s"
              f"  CPU {statistics.median(r['cpu'] for r in results):6.2f} s"
              f"  peak RSS +{statistics.median(r['rss_growth_mb'] for r in results):6.1f} MB")
    print(f"  operator / bare: throughput {statistics.median(speed):.2f}x (pairs: "
          f"{', '.join(f'{x:.2f}' for x in speed)}), client CPU {statistics.median(cpu):.2f}x")


def main() -> None:
    with emulator_process("--conversions-per-day", str(ROWS)) as url:
        serve_rate(url, ROWS)  # warm-up: renders and caches every row of the day once
        rate = statistics.median(serve_rate(url, ROWS) for _ in range(3))
        print(f"emulator serves {rate:,.0f} conversion rows/s in 10,000-row pages (bodies read, not decoded)")
        scenario(url, "no added latency")
        control(url, "POST", "faults", {"kind": "latency", "seconds": LATENCY, "path": CONVERSIONS})
        scenario(url, f"{LATENCY * 1000:.0f} ms added per page")
    with emulator_process("--conversions-per-day", str(BIG)) as url:
        result = run_client("operator", url)
    assert result["rows"] == BIG, result
    print(f"\nmemory: {BIG:,} conversions exported by the operator with its defaults: peak RSS growth "
          f"{result['rss_growth_mb']:.1f} MB ({result['rows'] / result['wall']:,.0f} rows/s, the emulator "
          "rendering rows it has not cached)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=("operator", "bare"))
    parser.add_argument("--url")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.client:
        client = client_operator if args.client == "operator" else client_bare
        print(json.dumps(client(args.url, args.out)))
    else:
        main()
