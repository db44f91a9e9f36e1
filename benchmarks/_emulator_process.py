"""The emulator in a process of its own, on a free loopback port, for benchmarks (not a benchmark itself).

A benchmark's client must not share an interpreter (and its lock) with the server it measures against.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

API_KEY = "bench-key"
#: The process id of each running emulator by its base URL (a benchmark may read the server's own CPU time).
PIDS: dict[str, int] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def emulator_process(*options: str) -> Iterator[str]:
    """Start ``trackier-emulator`` with the benchmark key and ``options`` (CLI flags); yield its base URL; stop it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "trackier_provider.emulator", "--port", str(port), "--api-key", API_KEY, *options],
        env={**os.environ, "AIRFLOW_HOME": tempfile.mkdtemp(prefix="bench-emulator-")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the emulator did not start") from None
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        PIDS[url] = process.pid
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
