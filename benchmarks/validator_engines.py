"""Validator engines: the provider's compiled checks vs fastjsonschema vs jsonschema, per conversion record.

What it measures
- The yes/no check of one record of ``conversions.list`` (62 fields) by three engines, on the emulator's
  conversions (1,000 records, valid), in the process's CPU time, best of 7 rounds in which the engines
  alternate: ``schemas.compiled`` (what ``Validator.is_valid`` uses), ``fastjsonschema`` (the record schema
  compiled to Python code, its ``$ref`` resolved by a handler) and ``jsonschema``'s own
  ``Draft202012Validator.is_valid``.
- The same for records of many shapes (keys in another order, a field of another type), the compiled checks'
  worse case: they judge each new shape once and remember it.
- What each engine would add to an export of 200,000 conversions whose every record is checked (a CSV export or
  an XCom fetch with ``validate_responses`` on); a JSON Lines export checks a sample of 200 records a page.

What it does not measure
- Explaining an invalid record (``jsonschema`` does that for every engine), or answers other than conversions.

Run: ``.venv/bin/python benchmarks/validator_engines.py`` (needs the ``bench`` extra for fastjsonschema; seconds).
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

RECORDS = 1_000
ROUNDS = 7
EXPORT = 200_000


def main() -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-airflow-home-"))
    import fastjsonschema
    import requests

    from trackier_provider.emulator.server import TrackierEmulator
    from trackier_provider.schemas import answer_schema, resolve
    from trackier_provider.schemas.compiled import compile_schema

    schema = answer_schema("conversions.list")
    assert schema.record is not None
    with TrackierEmulator() as emulator:
        answer = requests.get(
            f"{emulator.base_url}/v2/network/conversions", headers={"X-Api-Key": emulator.api_key}, timeout=60,
            params={"start": "2026-11-18 00:00:00", "end": "2026-11-20 23:59:59", "limit": RECORDS},
        ).json()
    records: list[dict[str, Any]] = answer["conversions"]
    numbers = [name for name, value in records[0].items() if type(value) is int]
    # Records of many shapes (keys in another order, one integer field a whole float, valid for "integer").
    shapes = []
    for i, record in enumerate(records):
        items = list({**record, numbers[i % len(numbers)]: float(record[numbers[i % len(numbers)]])}.items())
        shapes.append(dict(items[i % len(items):] + items[: i % len(items)]))
    distinct = len({(tuple(r), tuple(map(type, r.values()))) for r in shapes})

    def fresh_compiled() -> Any:
        return compile_schema(schema.record.schema, resolve)  # no shape remembered yet

    def fresh_fast() -> Any:
        return fastjsonschema.compile(dict(schema.record.schema), handlers={"urn": resolve})

    def fresh_jsonschema() -> Any:
        return schema.record._detail.is_valid  # remembers nothing between records

    engines = {
        "compiled (schemas.compiled)": fresh_compiled,
        "fastjsonschema": fresh_fast,
        "jsonschema Draft202012Validator": fresh_jsonschema,
    }
    print(f"{len(records):,} conversion records of {len(records[0])} fields; best of {ROUNDS} alternating rounds; "
          f"'new shapes': {distinct:,} distinct shapes (keys and value types), each round with a fresh check")
    print(f"{'engine':34} {'same shape':>12} {'new shapes':>12} {'200,000 records':>16}")
    same: dict[str, list[float]] = {name: [] for name in engines}
    new: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(ROUNDS):  # engines alternate, round after round: the machine's load falls on each alike
        for name, make in engines.items():
            subset = records if not name.startswith("jsonschema") else records[:50]
            fresh = make()
            new[name].append(_per_record(fresh, shapes[: len(subset)]))  # first sight of each shape
            check = make()
            assert all(check(r) is not False for r in subset)  # fastjsonschema returns the data, or raises
            same[name].append(_per_record(check, subset))  # every shape seen by the assert above
    for name in engines:
        best = min(same[name])
        print(f"{name:34} {best * 1e6:>9.2f} us {min(new[name]) * 1e6:>9.2f} us {best * EXPORT:>14.2f} s")


def _per_record(check: Any, records: list[Any]) -> float:
    started = time.process_time()  # CPU time of this process: other processes' load does not count
    for record in records:
        check(record)
    return (time.process_time() - started) / len(records)

if __name__ == "__main__":
    main()
