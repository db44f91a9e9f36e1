"""Rows per second paging conversions through TrackierHook vs a bare ``requests.Session`` loop.

Both page the same 200,000 conversion rows from the same local emulator with the same requests
(page + limit, 10,000 per page); the hook adds retries, throttle bookkeeping, error-envelope checks,
loop detection and per-record streaming. Target: the hook reaches at least 0.9 of the bare loop.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time

ROWS = 200_000
PAGE = 10_000
ROUNDS = 3
WINDOW = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 23:59:59"}


def main() -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    import requests

    from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
    from trackier_provider.hooks.pagination import CONVERSIONS
    from trackier_provider.hooks.trackier import TrackierHook

    with TrackierEmulator(EmulatorConfig(api_key="bench-key", conversions_per_day=ROWS), port=0) as emu:
        os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
            {"conn_type": "trackier", "host": emu.base_url, "password": emu.api_key}
        )

        def bare() -> int:
            rows = 0
            with requests.Session() as session:
                session.headers["X-Api-Key"] = emu.api_key
                page = 1
                while True:
                    body = session.get(
                        f"{emu.base_url}/v2/network/conversions", params={**WINDOW, "limit": PAGE, "page": page}
                    ).json()
                    records = body["conversions"]
                    if not records:
                        break
                    for _ in records:
                        rows += 1
                    if page * PAGE >= body["pagination"]["total"]:
                        break
                    page += 1
            return rows

        def hook() -> int:
            h = TrackierHook()
            rows = sum(1 for _ in h.paginate(CONVERSIONS, WINDOW, page_size=PAGE))
            h.close()
            return rows

        results: dict[str, list[float]] = {"bare requests loop": [], "TrackierHook.paginate": []}
        counts: dict[str, int] = {}
        for _ in range(ROUNDS):
            for label, fn in (("bare requests loop", bare), ("TrackierHook.paginate", hook)):
                t0 = time.perf_counter()
                counts[label] = fn()
                results[label].append(time.perf_counter() - t0)
    print(f"paging {ROWS:,} conversion rows, {PAGE:,} per page, best and median of {ROUNDS} rounds")
    rates = {}
    for label, times in results.items():
        rates[label] = counts[label] / min(times)
        print(
            f"  {label:<22} rows={counts[label]:,}  best {rates[label]:>10,.0f} rows/s  "
            f"median {counts[label] / statistics.median(times):>10,.0f} rows/s"
        )
    ratio = rates["TrackierHook.paginate"] / rates["bare requests loop"]
    print(f"  hook / bare = {ratio:.2f}  (target >= 0.90: {'OK' if ratio >= 0.9 else 'BELOW TARGET'})")


if __name__ == "__main__":
    main()
