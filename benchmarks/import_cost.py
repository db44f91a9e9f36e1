"""Import cost of trackier_provider's modules on top of ``import airflow.sdk`` (target: under 50 ms).

Each measurement runs in a fresh interpreter so nothing is cached; the median of several runs is printed.
Run: ``make bench`` or ``.venv/bin/python benchmarks/import_cost.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile

RUNS = 7
BASE = "airflow.sdk"
GROUPS = {
    "hook": ["trackier_provider.hooks.trackier"],
    "all provider modules": None,  # filled from get_provider_info()
}

PROBE = """
import time, importlib, sys
t0 = time.perf_counter()
import {base}
t1 = time.perf_counter()
for name in sys.argv[1:]:
    importlib.import_module(name)
t2 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.1f}} {{(t2 - t1) * 1000:.1f}}")
"""


def modules_from_provider_info() -> list[str]:
    from trackier_provider import get_provider_info

    info = get_provider_info()
    kinds = ("hooks", "operators", "sensors", "triggers")
    names = [m for kind in kinds for group in info[kind] for m in group["python-modules"]]
    names += [link.rpartition(".")[0] for link in info["extra-links"]]
    return names


def measure(modules: list[str]) -> tuple[float, float]:
    base_ms, extra_ms = [], []
    env = {**os.environ, "AIRFLOW_HOME": tempfile.mkdtemp(prefix="bench-airflow-home-")}
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(base=BASE), *modules],
            capture_output=True, text=True, check=True, env=env,
        ).stdout.split()
        base_ms.append(float(out[-2]))
        extra_ms.append(float(out[-1]))
    return statistics.median(base_ms), statistics.median(extra_ms)


def main() -> None:
    GROUPS["all provider modules"] = modules_from_provider_info()
    print(f"import cost on top of `import {BASE}` (median of {RUNS} fresh interpreters)")
    for label, modules in GROUPS.items():
        base, extra = measure(modules or [])
        verdict = "OK" if extra < 50 else "OVER TARGET"
        print(f"  {label:<22} +{extra:6.1f} ms   (import {BASE} itself: {base:.0f} ms)   target < 50 ms: {verdict}")


if __name__ == "__main__":
    main()
