"""The pytest plugin: the fixtures users get, and an import that stays light."""

from __future__ import annotations

import subprocess
import sys

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
