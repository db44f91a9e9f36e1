"""The pytest plugin: the fixtures users get, opt-in only, and an import that stays light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from trackier_provider.emulator import TrackierEmulator


def test_fixture_serves_requests(trackier_emulator: TrackierEmulator) -> None:
    response = requests.get(trackier_emulator.base_url + "/v2/campaigns", params={"limit": 1},
                            headers={"X-Api-Key": trackier_emulator.api_key}, timeout=10)
    assert response.status_code == 200
    trackier_emulator.add_fault({"kind": "status", "status": 500})
    trackier_emulator.advance_clock(3600)


def test_fixture_is_reset_between_tests(trackier_emulator: TrackierEmulator,
                                        trackier_emulator_server: TrackierEmulator) -> None:
    assert trackier_emulator is trackier_emulator_server
    assert trackier_emulator.faults == []
    assert trackier_emulator.app.clock.offset == 0
    assert trackier_emulator.requests == []


def test_plugin_import_does_not_import_airflow() -> None:
    code = "import sys, trackier_provider.emulator.pytest_plugin; print('airflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


USER_TEST = """
def test_uses_the_emulator(trackier_emulator):
    assert trackier_emulator.base_url.startswith("http://127.0.0.1:")
"""


@pytest.mark.parametrize("opted_in", [False, True])
def test_plugin_is_opt_in(tmp_path: Path, opted_in: bool) -> None:
    """A user's project: the fixtures exist only after the documented one-line opt-in."""
    (tmp_path / "test_user.py").write_text(USER_TEST)
    if opted_in:
        (tmp_path / "conftest.py").write_text('pytest_plugins = ["trackier_provider.emulator.pytest_plugin"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    expected = "1 passed" if opted_in else "fixture 'trackier_emulator' not found"
    assert result.returncode == (0 if opted_in else 1) and expected in result.stdout, result.stdout[-2000:]
