"""Export throughput at the limit: the provider with its defaults vs a bare ``requests`` loop vs a ceiling client.

What it measures
- Three clients export the same 200,000 conversions (one day) from the same emulator to a JSON Lines file:
  - ``bare``: 10,000-row pages one after the other with ``requests``, each decoded with ``Response.json()``
    and every record written with ``json.dumps`` (no retries, no checks, no atomic rename);
  - ``provider``: ``TrackierFetchConversionsOperator`` with its defaults (page size, pages in flight, byte bound
    of the pages held ahead, integrity checks, atomic write);
  - ``ceiling``: what the wire and the server allow: the provider's default number of pages in flight
    (``max_parallel_pages``, 4), every page's body written to the file as it arrives, nothing decoded or
    checked. It knows the page count in advance, so it never waits for a first page to learn the total.
- Each client runs in a fresh process of its own; the emulator runs in another process, so no client shares an
  interpreter (and its lock) with the server. A round runs the three clients once each, in an order that
  rotates from round to round, so load from the rest of the machine falls on all three alike; each ratio is
  the median of the per-round ratios, printed with its spread (lowest and highest round).
- Per run: rows/s (wall clock of the export alone, imports excluded), client CPU seconds, and the server's
  own CPU use over the run (its share of one core: the emulator serves from one thread).
- The server's own rate: rows/s the emulator serves 10,000-row pages to one connection whose bodies are read
  and dropped. When the server was busy for at least ``SERVER_BOUND`` of a ceiling run, the server, not the
  client, set the ceiling: the script says so.
- Scenarios: no added latency, and 100 ms added to every conversions answer (the emulator's latency fault), as
  a distant API would add.
- Charts (``--charts DIR``, as ``make bench`` does): throughput of the three clients against the added latency
  (0, 25, 50, 100, 200 ms) and against ``max_parallel_pages`` (1, 2, 4, 8; provider and ceiling with the same
  pages in flight, at 100 ms per page), PNG and SVG, titled with the machine and date. One round per point
  (``--chart-rounds`` for more).

What it does not measure
- A real Trackier: its latency, throttling and page-serving speed differ; this compares clients on a
  loopback server only. CSV or gzip output, other endpoints, retries under faults (tests cover correctness).
- Memory: see export_memory.py (a 1,000,000-row export at defaults).

Run: ``.venv/bin/python benchmarks/export_throughput.py [--rounds 5] [--charts DIR]`` (about 3 minutes without
charts, 6 with, on 2 cores). Numbers depend on the machine and on what else runs on it; compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from _emulator_process import API_KEY, PIDS, emulator_process

#: Conversions of the exported day; ``--quick`` (the chart sweep of ``make bench``) exports fewer.
ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "200000"))
QUICK_ROWS = 40_000
PAGE = 10_000
DAY = ("2026-11-20 00:00:00", "2026-11-20 23:59:59")
ROUNDS = 5
CONVERSIONS = "/v2/network/conversions"
CLIENTS = ("bare", "provider", "ceiling")
#: The provider's default ``max_parallel_pages``: the ceiling client keeps as many pages in flight.
DEFAULT_PARALLEL = 4
#: A ceiling run during which the server was busy this share of the time or more was limited by the server.
SERVER_BOUND = 0.9
CHART_LATENCIES = (0.0, 0.025, 0.05, 0.1, 0.2)
CHART_PARALLEL = (1, 2, 4, 8)


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


def _params(page: int) -> dict[str, Any]:
    return {"start": DAY[0], "end": DAY[1], "page": page, "limit": PAGE}


def client_provider(url: str, out: str, parallel: int | None) -> dict[str, Any]:
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": url, "password": API_KEY}
    )
    from trackier_provider.operators.conversions import TrackierFetchConversionsOperator

    # A date window is inclusive: the operator asks for 00:00:00 to 23:59:59, as the other clients do.
    day = DAY[0][:10]
    op = TrackierFetchConversionsOperator(
        task_id="bench", start=day, end=day, output_path=out, max_parallel_pages=parallel
    )
    op.hook.settings  # noqa: B018  (the connection lookup is setup, not export)
    return _measure(lambda: op.execute({})["rows"])


def client_bare(url: str, out: str, parallel: int | None) -> dict[str, Any]:
    import requests

    def export() -> int:
        rows, page = 0, 1
        with requests.Session() as session, open(out, "w", encoding="utf-8") as handle:
            session.headers["X-Api-Key"] = API_KEY
            while True:
                response = session.get(f"{url}{CONVERSIONS}", params=_params(page))
                response.raise_for_status()
                records = response.json()["conversions"]
                for record in records:
                    handle.write(json.dumps(record) + "\n")
                rows += len(records)
                if len(records) < PAGE:
                    return rows
                page += 1

    return _measure(export)


def client_ceiling(url: str, out: str, parallel: int | None) -> dict[str, Any]:
    import requests

    local = threading.local()
    lock = threading.Lock()

    def fetch(page: int, handle: Any) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["X-Api-Key"] = API_KEY
        with local.session.get(f"{url}{CONVERSIONS}", params=_params(page), stream=True) as response:
            response.raise_for_status()
            body = response.raw.read()
        with lock:
            handle.write(body)  # as it arrives: no decoding, no splitting into records, no order
        return len(body)

    def export() -> int:
        pages = -(-ROWS // PAGE)
        with open(out, "wb") as handle, ThreadPoolExecutor(parallel or DEFAULT_PARALLEL) as pool:
            sizes = list(pool.map(lambda page: fetch(page, handle), range(1, pages + 1)))
        assert min(sizes) > 0
        return ROWS

    return _measure(export)


CLIENT_FUNCTIONS = {"bare": client_bare, "provider": client_provider, "ceiling": client_ceiling}


# ----------------------------------------------------------------------------------------- driver
def control(url: str, method: str, name: str, body: Any = None) -> None:
    import requests

    requests.request(method, f"{url}/_emulator/{name}", json=body, timeout=10).raise_for_status()


def set_latency(url: str, seconds: float) -> None:
    control(url, "DELETE", "faults")
    if seconds > 0:
        control(url, "POST", "faults", {"kind": "latency", "seconds": seconds, "path": CONVERSIONS})


def server_cpu(url: str) -> float:
    """CPU seconds the emulator process has used so far (user + system)."""
    fields = Path(f"/proc/{PIDS[url]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_rate(url: str, rows: int) -> float:
    """Rows/s of the emulator serving raw 10,000-row pages to one connection (bodies read, not decoded)."""
    import requests

    with requests.Session() as session:
        session.headers["X-Api-Key"] = API_KEY
        started = time.perf_counter()
        for page in range(1, rows // PAGE + 1):
            with session.get(f"{url}{CONVERSIONS}", stream=True, params=_params(page)) as response:
                body = response.raw.read()
                if response.status_code != 200:
                    raise RuntimeError(f"the emulator answered {response.status_code}: {body[:300]!r}")
        return rows / (time.perf_counter() - started)


def run_client(kind: str, url: str, parallel: int | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        out = str(Path(tmp) / "conversions.jsonl")
        env = {**os.environ, "AIRFLOW_HOME": tmp, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        command = [sys.executable, __file__, "--client", kind, "--url", url, "--out", out]
        if parallel is not None:
            command += ["--parallel", str(parallel)]
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        before = server_cpu(url)
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{kind} client failed:\n{stderr[-3000:]}")
        result = json.loads(stdout.strip().splitlines()[-1])
        # The server's CPU over the client's whole process (imports too); its busy share is taken over the
        # export's wall clock, an upper bound when the client's start-up made it wait.
        result["server_busy"] = min(1.0, (server_cpu(url) - before) / result["wall"])
        result["rate"] = result["rows"] / result["wall"]
        if result["rows"] != ROWS:
            raise RuntimeError(f"{kind} exported {result['rows']} rows, expected {ROWS}")
        return result


def rounds_of(url: str, rounds: int, parallel: int | None = None,
              clients: tuple[str, ...] = CLIENTS) -> dict[str, list[dict[str, Any]]]:
    """``rounds`` rounds of every client, the order rotating each round."""
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in clients}
    for number in range(rounds):
        order = clients[number % len(clients):] + clients[: number % len(clients)]
        for kind in order:
            runs[kind].append(run_client(kind, url, parallel if kind != "bare" else None))
    return runs


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x (rounds {min(values):.2f}-{max(values):.2f}: " + ", ".join(
        f"{v:.2f}" for v in values) + ")"


def scenario(url: str, name: str, rounds: int, server_rate: float) -> dict[str, Any]:
    runs = rounds_of(url, rounds)
    print(f"\n{name}: {ROWS:,} conversions in {PAGE:,}-row pages, {rounds} rounds (order rotating)")
    for kind, results in runs.items():
        print(f"  {kind:9} {statistics.median(r['rate'] for r in results):>10,.0f} rows/s"
              f"  client CPU {statistics.median(r['cpu'] for r in results):5.2f} s"
              f"  peak RSS +{statistics.median(r['rss_growth_mb'] for r in results):4.0f} MB"
              f"  server busy {statistics.median(r['server_busy'] for r in results):4.0%}")
    rounds_ = list(zip(runs["provider"], runs["ceiling"], runs["bare"], strict=True))
    of_ceiling = [p["rate"] / c["rate"] for p, c, _ in rounds_]
    of_bare = [p["rate"] / b["rate"] for p, _, b in rounds_]
    ceiling_of_bare = [c["rate"] / b["rate"] for _, c, b in rounds_]
    print(f"  provider / ceiling: {_spread(of_ceiling)}")
    print(f"  provider / bare:    {_spread(of_bare)}")
    print(f"  ceiling / bare:     {_spread(ceiling_of_bare)}")
    busy = statistics.median(r["server_busy"] for r in runs["ceiling"])
    ceiling_rate = statistics.median(r["rate"] for r in runs["ceiling"])
    if busy >= SERVER_BOUND:
        print(f"  the server was the bottleneck: busy {busy:.0%} of the ceiling's runs "
              f"(it serves {server_rate:,.0f} rows/s to one connection; the ceiling got {ceiling_rate:,.0f})")
    else:
        print(f"  the server was not the bottleneck: busy {busy:.0%} of the ceiling's runs (it serves "
              f"{server_rate:,.0f} rows/s to one connection; the ceiling got {ceiling_rate:,.0f})")
    return {"runs": runs, "of_ceiling": of_ceiling, "of_bare": of_bare}


# ----------------------------------------------------------------------------------------- charts
def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or platform.machine())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load}, "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")


def sweep(url: str, rounds: int) -> dict[str, Any]:
    by_latency: dict[str, list[float]] = {kind: [] for kind in CLIENTS}
    for seconds in CHART_LATENCIES:
        set_latency(url, seconds)
        runs = rounds_of(url, rounds)
        for kind in CLIENTS:
            by_latency[kind].append(statistics.median(r["rate"] for r in runs[kind]))
        print(f"  {seconds * 1000:3.0f} ms: " + ", ".join(f"{k} {by_latency[k][-1]:,.0f}" for k in CLIENTS))
    set_latency(url, 0.1)
    by_parallel: dict[str, list[float]] = {kind: [] for kind in CLIENTS}
    bare = statistics.median(r["rate"] for r in rounds_of(url, rounds, clients=("bare",))["bare"])
    for parallel in CHART_PARALLEL:
        runs = rounds_of(url, rounds, parallel, clients=("provider", "ceiling"))
        for kind in ("provider", "ceiling"):
            by_parallel[kind].append(statistics.median(r["rate"] for r in runs[kind]))
        by_parallel["bare"].append(bare)
        print(f"  max_parallel_pages {parallel} at 100 ms: " + ", ".join(
            f"{k} {by_parallel[k][-1]:,.0f}" for k in CLIENTS))
    return {"latency": by_latency, "parallel": by_parallel}


def charts(data: dict[str, Any], folder: Path, where: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    style = {"bare": "o--", "provider": "s-", "ceiling": "^:"}
    label = {"bare": "bare requests loop", "provider": "provider (defaults)",
             "ceiling": "ceiling (pages in flight, nothing decoded)"}
    for name, xs, xlabel in (
        ("throughput_latency", [s * 1000 for s in CHART_LATENCIES], "added latency per page (ms)"),
        ("throughput_parallel", list(CHART_PARALLEL), "max_parallel_pages (100 ms per page)"),
    ):
        figure, axes = plt.subplots(figsize=(7.5, 4.5))
        for kind in CLIENTS:
            axes.plot(xs, [v / 1000 for v in data[name.split("_")[1]][kind]], style[kind], label=label[kind])
        axes.set_xlabel(xlabel)
        axes.set_ylabel("thousand rows/s")
        axes.set_xticks(xs)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend()
        axes.set_title(f"Export of {ROWS:,} conversions against the emulator in its own process", fontsize=10)
        figure.text(0.01, 0.01, where, fontsize=6, color="gray")
        figure.tight_layout(rect=(0, 0.03, 1, 1))
        for extension in ("png", "svg"):
            figure.savefig(folder / f"{name}.{extension}", dpi=110, metadata={"Date": None} if extension == "svg"
                           else None)
        plt.close(figure)
        print(f"  wrote {folder / name}.png and .svg")


def main(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    with emulator_process("--conversions-per-day", str(ROWS)) as url:
        serve_rate(url, ROWS)  # warm-up: renders and caches every row of the day once
        rate = statistics.median(serve_rate(url, ROWS) for _ in range(3))
        print(f"server's own rate: {rate:,.0f} conversion rows/s in {PAGE:,}-row pages to one connection "
              "(bodies read, not decoded)")
        for seconds in (0.0, 0.1) if args.rounds else ():  # --rounds 0: the charts only
            set_latency(url, seconds)
            scenario(url, "no added latency" if not seconds else f"{seconds * 1000:.0f} ms added per page",
                     args.rounds, rate)
        if args.charts:
            print(f"\ncharts: one point per client and setting, median of {args.chart_rounds} round(s)")
            data = sweep(url, args.chart_rounds)
            charts(data, Path(args.charts), machine())
    print(f"\nload after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=CLIENTS)
    parser.add_argument("--url")
    parser.add_argument("--out")
    parser.add_argument("--parallel", type=int)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of the two scenarios (0: charts only)")
    parser.add_argument("--charts", help="folder for the PNG and SVG charts (none: no chart sweep)")
    parser.add_argument("--chart-rounds", type=int, default=1)
    parser.add_argument("--quick", action="store_true",
                        help=f"export {QUICK_ROWS:,} rows instead of {ROWS:,} (every client; for the chart sweep)")
    parsed = parser.parse_args()
    if parsed.quick:  # the clients are processes of their own: they read the row count from the environment
        os.environ["BENCH_EXPORT_ROWS"] = str(QUICK_ROWS)
        ROWS = QUICK_ROWS
    if parsed.client:
        print(json.dumps(CLIENT_FUNCTIONS[parsed.client](parsed.url, parsed.out, parsed.parallel)))
    else:
        main(parsed)
