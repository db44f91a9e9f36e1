"""Page splitting: what a JSON Lines export pays to turn one 10,000-row conversions answer into lines.

What it measures
- One answer of 10,000 conversions from the emulator (about 4 MB), turned into one line per record, in the
  process's CPU time, best of 7 rounds in which the ways alternate:
  - ``decode_page`` (the provider's: msgspec splits the answer into ``msgspec.Raw`` records, the server's bytes,
    and validates the whole body: JSON syntax, surrogate escapes, UTF-8);
  - ``json`` decode and ``json.dumps`` per record (what a plain client does; the bytes written change);
  - ``orjson`` decode and ``orjson.dumps`` per record (the fastest re-encoding; the bytes written change too).
- And the cost of writing the lines of the provider's records (``b"\\n".join`` in slices of 1,000).

What it does not measure
- The network, the file system or the other clients of an export (see export_throughput.py).

Run: ``.venv/bin/python benchmarks/page_split.py`` (needs the ``bench`` extra for orjson; seconds).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

ROUNDS = 7
ROWS = 10_000


def main() -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    import orjson
    import requests

    from trackier_provider.emulator.config import EmulatorConfig
    from trackier_provider.emulator.server import TrackierEmulator
    from trackier_provider.hooks.envelopes import decode_page

    with TrackierEmulator(EmulatorConfig(conversions_per_day=ROWS)) as emulator:
        body = requests.get(
            f"{emulator.base_url}/v2/network/conversions", headers={"X-Api-Key": emulator.api_key}, timeout=120,
            params={"start": "2026-11-20 00:00:00", "end": "2026-11-20 23:59:59", "limit": ROWS},
        ).content
    records = decode_page(body, "conversions", status=200, method="GET", endpoint="/v2/network/conversions")
    assert len(records["conversions"]) == ROWS

    def provider() -> Any:
        return decode_page(body, "conversions", status=200, method="GET", endpoint="/v2/network/conversions")

    def write(page: Any = records["conversions"]) -> Any:
        return [b"\n".join([*page[i:i + 1000], b""]) for i in range(0, len(page), 1000)]

    ways: dict[str, Callable[[], Any]] = {
        "decode_page (msgspec.Raw)": provider,
        "  + lines joined for writing": write,
        "json.loads + json.dumps each": lambda: [json.dumps(r) for r in json.loads(body)["conversions"]],
        "orjson.loads + orjson.dumps each": lambda: [orjson.dumps(r) for r in orjson.loads(body)["conversions"]],
    }
    best = {name: float("inf") for name in ways}
    for _ in range(ROUNDS):
        for name, way in ways.items():
            started = time.process_time()
            way()
            best[name] = min(best[name], time.process_time() - started)
    print(f"one answer of {ROWS:,} conversions, {len(body) / 2**20:.1f} MiB; CPU time, best of {ROUNDS} rounds")
    for name, seconds in best.items():
        print(f"  {name:34} {seconds * 1e3:7.1f} ms a page  {seconds / ROWS * 1e6:6.2f} us a record")


if __name__ == "__main__":
    main()
