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


class TaskStateStore:
    """Stands in for Airflow 3.3's ``context["task_state_store"]`` (a JSON value per key, kept across the
    tries of one task instance): a direct ``execute`` has no task runner to provide it. dag.test() runs
    (tests/operators/test_input_dag_runs.py) use Airflow's own."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, **kwargs: Any) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


@pytest.fixture
def context() -> dict[str, Any]:
    """A task context with a one-day data interval (2026-11-20 UTC), a recording task instance and a task
    state store."""
    return {"ti": RecordingTI(), "data_interval_start": INTERVAL_START, "data_interval_end": INTERVAL_END,
            "task_state_store": TaskStateStore()}


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
