"""The Test button of Airflow 3's connection list, for a Trackier connection saved through the form.

A real Airflow API server (``airflow api-server``) gets the exact requests the 3.3.2 UI sends (read from its
bundle, ``airflow/ui/dist``):

- the add form posts ``{conn_type, connection_id, host, password}`` and leaves out every field left empty,
  including the hidden port, which is therefore stored as NULL;
- the list's Test button posts the listed connection back as ``{conn_type, connection_id, description,
  extra, host, login, password, port: Number(port), schema}``, with ``null`` fields as ``""``, the password
  masked as ``***``, and ``Number(null)``, that is ``0``, as the port.

Airflow 3.3.2 refuses that test ("The host or port to test differs from the stored connection", HTTP 400):
``0`` is not the stored NULL (apache/airflow#73298). This test checks that, while the bug is there, the
documented workarounds (docs/configuration.md) work: with the API's port stored the button tests a good key
successfully and shows Trackier's reason for a bad one, and ``airflow connections test`` works either way.
Once Airflow ships the fix, the portless connection must test successfully and the docs' section goes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.airflow_cluster import AIRFLOW, AirflowCluster, airflow_major
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(airflow_major() < 3, reason="the connection list's Test button is Airflow 3's UI"),
]

GOOD_KEY = "button-test-Key-9d2c41"
STORED_PORT_MISMATCH = "The host or port to test differs from the stored connection"


class ApiServer(AirflowCluster):
    """Only the API server: the Test button needs nothing else."""

    def components(self) -> list[Any]:
        # A component is a Component (``.args``) or, in the harness's first version, the argument list itself.
        return [c for c in super().components() if getattr(c, "args", c)[0] == "api-server"]


class Ui:
    """What the browser sends, over HTTP to the API server, with the token the UI would hold."""

    def __init__(self, cluster: ApiServer) -> None:
        self.base = f"http://127.0.0.1:{cluster.port}"
        self.token = cluster.wait_for("the API server", self._token, timeout=180)

    def _token(self) -> str | None:
        try:
            return requests.get(f"{self.base}/auth/token", timeout=5).json()["access_token"]
        except (requests.RequestException, ValueError, KeyError):
            return None  # not up yet

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        answer = requests.request(
            method, self.base + path, json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )
        return answer.status_code, answer.json()

    def add_through_form(self, conn_id: str, host: str, key: str) -> None:
        """The add form: API base URL and API key filled in, everything else (the hidden port too) left empty."""
        status, body = self.call("POST", "/api/v2/connections", {
            "conn_type": "trackier", "connection_id": conn_id, "host": host, "password": key,
        })
        assert status == 201, body
        assert body["port"] is None

    def press_test(self, conn_id: str) -> tuple[int, Any]:
        """The Test button in the connection list: the listed connection, posted back as the UI builds it."""
        status, listing = self.call("GET", "/api/v2/connections?limit=100")
        assert status == 200, listing
        (conn,) = [c for c in listing["connections"] if c["connection_id"] == conn_id]
        assert conn["password"] == "***"  # the list never shows the key; the button sends the mask back
        extra = conn["extra"]
        return self.call("POST", "/api/v2/connections/test", {
            "conn_type": conn["conn_type"],
            "connection_id": conn["connection_id"],
            "description": conn["description"] or "",
            "extra": "{}" if extra in ("", None) else extra,
            "host": conn["host"] or "",
            "login": conn["login"] or "",
            "password": conn["password"] or "",
            "port": conn["port"] or 0,  # Number(null) === 0
            "schema": conn["schema"] or "",
        })

    def store_port(self, conn_id: str, port: int) -> None:
        """The documented workaround: store the port the API's URL uses (REST API; the form hides the port)."""
        status, body = self.call("PATCH", f"/api/v2/connections/{conn_id}?update_mask=port", {
            "connection_id": conn_id, "conn_type": "trackier", "port": port,
        })
        assert status == 200 and body["port"] == port, body


def airflow_has_the_port_fix() -> bool:
    """Whether this Airflow treats a requested port of 0 like a stored NULL (apache/airflow#73298)."""
    from airflow.api_fastapi.core_api.routes.public.connections import _same_endpoint

    return _same_endpoint(0, None)


def test_test_button_for_a_connection_saved_through_the_form(tmp_path: Path) -> None:
    with TrackierEmulator(EmulatorConfig(api_key=GOOD_KEY), host="127.0.0.1", port=0) as emu:
        (tmp_path / "dags").mkdir()
        env = {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled"}
        with ApiServer(tmp_path / "airflow-home", tmp_path / "dags", env) as cluster:
            ui = Ui(cluster)
            ui.add_through_form("trackier_good", emu.base_url, GOOD_KEY)
            ui.add_through_form("trackier_bad", emu.base_url, "wrong-key-123")

            status, answer = ui.press_test("trackier_good")
            if airflow_has_the_port_fix():
                assert (status, answer["status"]) == (200, True), answer
            else:
                assert status == 400 and STORED_PORT_MISMATCH in answer["detail"], answer
                assert not emu.requests  # refused before the hook ran

            # Workaround 1: the API's port stored with the connection; the button then sends the same port.
            emu_port = urlsplit(emu.base_url).port
            assert emu_port is not None
            for conn_id in ("trackier_good", "trackier_bad"):
                ui.store_port(conn_id, emu_port)
            status, answer = ui.press_test("trackier_good")
            assert status == 200, answer
            assert answer == {"status": True, "message": f"Connected to the Trackier API at {emu.base_url}"}

            status, answer = ui.press_test("trackier_bad")
            assert status == 200 and answer["status"] is False, answer
            assert "102" in answer["message"] and "Invalid API Key" in answer["message"], answer
            assert "wrong-key-123" not in answer["message"]

            # Workaround 2: the CLI tests the stored connection as it is (here a form-saved one, no port).
            ui.add_through_form("trackier_cli", emu.base_url, GOOD_KEY)
            cli = subprocess.run(
                [AIRFLOW, "connections", "test", "trackier_cli"],
                env=cluster.env, capture_output=True, text=True, timeout=180, check=False,
            )
            assert cli.returncode == 0 and "Connection success!" in cli.stdout, cli.stdout + cli.stderr

            tested = [r for r in emu.requests if r["path"] == "/v2/advertisers"]
            assert [r["status"] for r in tested] == [200, 400, 200]
