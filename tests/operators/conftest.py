"""Operator fixtures: a task context for direct ``execute`` calls and helpers for dag.test() runs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from tests.conftest import connection_json

PANEL_URL = "https://network.trackier.test"
INTERVAL_START = datetime(2026, 11, 20, tzinfo=timezone.utc)
INTERVAL_END = datetime(2026, 11, 21, tzinfo=timezone.utc)


class RecordingTI:
    """The bits of a task instance operators touch during ``execute``: ``xcom_push``."""

    def __init__(self, try_number: int = 1) -> None:
        self.xcom: dict[str, Any] = {}
        self.try_number = try_number

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


@pytest.fixture
def context() -> dict[str, Any]:
    """A task context with a one-day data interval (2026-11-20 UTC) and a recording task instance."""
    return {"ti": RecordingTI(), "data_interval_start": INTERVAL_START, "data_interval_end": INTERVAL_END}


@pytest.fixture
def panel_conn(trackier_conn, monkeypatch: pytest.MonkeyPatch):
    """``trackier_default`` on the emulator with the ``panel_url`` extra set; yields the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(trackier_conn.base_url, trackier_conn.api_key, panel_url=PANEL_URL),
    )
    return trackier_conn


def api_calls(emu, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
    """The emulator's logged API calls, optionally only one method and/or path."""
    return [
        r for r in emu.requests
        if (method is None or r["method"] == method) and (path is None or r["path"] == path)
    ]
