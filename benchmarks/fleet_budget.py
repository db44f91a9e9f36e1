"""Eight processes, one API budget: how close a fleet drawing from a ``budget_url`` store comes to the
configured rate, and what a draw costs.

What it measures
- 8 processes (``multiprocessing``, spawned: separate interpreters, as on separate machines) each call
  ``GET /v2/publishers`` as fast as their budget lets them for ``SECONDS``, through ``TrackierHook`` on one
  connection with ``requests_per_second = RATE`` and ``budget_url`` naming a Redis server of the benchmark's
  own (loopback). The emulator runs in its own process and enforces the same ``RATE`` (a token bucket, as
  Trackier's per-key limit).
- Printed: requests and achieved rate per process and in total (target: total within 5% of ``RATE``), the
  429 answers in the emulator's request log (target 0), and the added latency of one draw from the store
  (the Redis round trip of ``reserve()``: mean, median, p99).
- The same run without ``budget_url`` (a budget per process, today's default) for contrast: the emulator's
  429 count shows what the store prevents.

What it does not measure
- Redis across a real network (loopback here: add your network's round trip to the draw latency).
- Real Trackier latency.

Run: ``.venv/bin/python benchmarks/fleet_budget.py`` (about a minute; needs ``redis-server`` and the ``fleet``
extra).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _emulator_process import API_KEY, emulator_process, free_port

PROCESSES = 8
RATE = 40.0
SECONDS = 20.0


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A Redis server with a password (in a config file), nothing saved; its ``budget_url``."""
    port, password = free_port(), secrets.token_urlsafe(12)
    config = directory / "redis.conf"
    config.write_text(f"bind 127.0.0.1\nport {port}\ndir {directory}\nsave \"\"\nappendonly no\n"
                      f"requirepass {password}\n")
    config.chmod(0o600)
    server = subprocess.Popen(["redis-server", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    client.close()
    return server, url


def worker(base_url: str, budget_url: str | None, ready: Any, go: Any, start: Any, queue: Any) -> None:
    """One process: once every process is ready, call from ``start`` for ``SECONDS``; report (send times, draw
    latencies, 429s)."""
    extra: dict[str, Any] = {"requests_per_second": RATE, "max_retries": 0}
    if budget_url:
        extra["budget_url"] = budget_url
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": base_url, "password": API_KEY, "extra": extra})
    from trackier_provider.exceptions import TrackierRateLimitError
    from trackier_provider.hooks.trackier import TrackierHook

    hook = TrackierHook()
    budget = hook.throttle_for("/v2/publishers")
    draws: list[float] = []
    reserve = budget.reserve

    def timed_reserve() -> float:
        before = time.perf_counter()
        wait = reserve()
        draws.append(time.perf_counter() - before)
        return wait

    budget.reserve = timed_reserve  # type: ignore[method-assign]
    ready.put(os.getpid())
    go.wait()
    time.sleep(max(0.0, start.value - time.time()))
    sent: list[float] = []
    limited = 0
    while time.time() < start.value + SECONDS:
        try:
            hook.get("/v2/publishers", {"limit": 1})
        except TrackierRateLimitError:
            limited += 1
        sent.append(time.time())
    hook.close()
    queue.put((os.getpid(), sent, draws, limited))


def run(base_url: str, budget_url: str | None) -> list[tuple[int, list[float], list[float], int]]:
    context = multiprocessing.get_context("spawn")
    queue, ready, go, start = context.Queue(), context.Queue(), context.Event(), context.Value("d", 0.0)
    processes = [context.Process(target=worker, args=(base_url, budget_url, ready, go, start, queue))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for _ in processes:  # each has imported Airflow and the provider and looked the connection up
        ready.get(timeout=300)
    start.value = time.time() + 0.5
    go.set()
    results = [queue.get(timeout=SECONDS + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return results


def requests_log(base_url: str) -> list[dict[str, Any]]:
    import requests

    return list(requests.get(f"{base_url}/_emulator/requests", timeout=30).json()["requests"])


def report(title: str, results: list[tuple[int, list[float], list[float], int]], log: list[dict[str, Any]]) -> None:
    calls = [r for r in log if r["path"] == "/v2/publishers"]
    refused = sum(1 for r in calls if r.get("status") == 429)
    print(f"\n{title}")
    for pid, sent, _, _ in sorted(results):
        print(f"  process {pid}: {len(sent)} requests, {len(sent) / SECONDS:.2f}/s")
    every = sorted(t for _, sent, _, _ in results for t in sent)
    total = (len(every) - 1) / (every[-1] - every[0]) if len(every) > 1 else 0.0
    print(f"  total: {len(every)} requests, {total:.2f}/s against a budget of {RATE:.0f}/s "
          f"({(total / RATE - 1) * 100:+.1f}%); 429 answers: {refused}")
    draws = sorted(d for _, _, ds, _ in results for d in ds)
    if draws:
        print(f"  draw latency (reserve(), not the wait it hands out): mean {statistics.mean(draws) * 1e3:.3f} ms, "
              f"median {statistics.median(draws) * 1e3:.3f} ms, p99 {draws[int(len(draws) * 0.99)] * 1e3:.3f} ms")


def main() -> None:
    if shutil.which("redis-server") is None:
        print("fleet_budget: skipped, redis-server is not installed (apt-get install -y redis-server)")
        return
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    print(f"{PROCESSES} processes, one connection at {RATE:.0f} requests/s, {SECONDS:.0f} s each run; "
          f"emulator enforcing {RATE:.0f}/s; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    directory = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    server, budget_url = start_redis(directory)
    try:
        with emulator_process("--rate-limit", str(RATE)) as base_url:
            report("with budget_url (one budget in Redis)", run(base_url, budget_url), requests_log(base_url))
        with emulator_process("--rate-limit", str(RATE)) as base_url:
            report("without budget_url (a budget per process)", run(base_url, None), requests_log(base_url))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
