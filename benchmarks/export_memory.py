"""Memory stays constant when TrackierFetchConversionsOperator exports to a file, however many rows.

For each size (default 100,000 and 1,000,000 conversions in one one-day window) this script starts the
emulator in its own process (so its memory is not counted), then, in a fresh child process, runs the
operator's ``execute`` to a gzipped JSON Lines file and prints rows, seconds, rows/s, the tracemalloc peak
of Python allocations during the export, and the growth of the child's max RSS over its baseline.
Constant memory shows as peaks that do not grow with the row count (a page of 10,000 rows at a time).

    python benchmarks/export_memory.py [rows ...]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

from _emulator_process import API_KEY, emulator_process

PAGE = 10_000
DAY = datetime(2026, 11, 20, tzinfo=timezone.utc)


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(base_url: str, out: str, traced: bool) -> None:
    """Run one export and print its measurements as JSON (runs in its own process). With ``traced`` Python's
    allocations are traced (tracemalloc); without, the RSS growth is the export's own: tracemalloc keeps a
    record of every live allocation, which adds tens of MiB of its own when a million ids are held."""
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": base_url, "password": API_KEY, "extra": {"page_size": PAGE}}
    )
    from trackier_provider.operators.conversions import TrackierFetchConversionsOperator

    class _TI:
        def xcom_push(self, key: str, value: object) -> None:
            pass

    operator = TrackierFetchConversionsOperator(task_id="export", output_path=out)
    context = {"ti": _TI(), "data_interval_start": DAY, "data_interval_end": DAY.replace(day=21)}
    operator.hook.settings  # noqa: B018 (connection parsed before the baseline is taken)
    baseline = _max_rss_mib()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = operator.execute(context)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    print(json.dumps({
        "rows": result["rows"], "seconds": seconds, "tracemalloc_peak_mib": peak / 2**20,
        "rss_growth_mib": _max_rss_mib() - baseline, "bytes": Path(out).stat().st_size,
    }))


def main(sizes: list[int]) -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    print(f"{'rows':>10} {'seconds':>8} {'rows/s':>9} {'tracemalloc peak':>17} {'max RSS growth':>15} {'file':>9}")
    for rows in sizes:
        with emulator_process("--conversions-per-day", str(rows), "--settle-seconds", "0") as base_url, \
                tempfile.TemporaryDirectory() as tmp:
            out = f"{tmp}/conversions.jsonl.gz"
            runs = []
            for mode in ("plain", "traced"):  # the RSS of a plain run; Python's allocations from a traced one
                done = subprocess.run([sys.executable, __file__, "--child", base_url, out, mode],
                                      check=True, capture_output=True, text=True)
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            m = {**runs[0], "tracemalloc_peak_mib": runs[1]["tracemalloc_peak_mib"]}
        print(
            f"{m['rows']:>10,} {m['seconds']:>8.1f} {m['rows'] / m['seconds']:>9,.0f} "
            f"{m['tracemalloc_peak_mib']:>13.1f} MiB {m['rss_growth_mib']:>11.1f} MiB {m['bytes'] / 2**20:>5.1f} MiB"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4] == "traced")
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
