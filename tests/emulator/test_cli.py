"""The ``trackier-emulator`` command and ``python -m trackier_provider.emulator``."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests


def _run(command: list[str]) -> None:
    proc = subprocess.Popen([*command, "--port", "0", "--api-key", "cli-key", "--seed", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Trackier emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1].strip()
        response = requests.get(url + "/v2/campaigns", params={"limit": 1}, headers={"X-Api-Key": "cli-key"},
                                timeout=10)
        assert response.status_code == 200
        assert len(response.json()["campaigns"]) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_python_dash_m() -> None:
    _run([sys.executable, "-m", "trackier_provider.emulator"])


def test_console_script() -> None:
    script = Path(sys.executable).with_name("trackier-emulator")
    if not script.exists():
        pytest.skip("the package is not installed in this environment (no console script)")
    _run([str(script)])
