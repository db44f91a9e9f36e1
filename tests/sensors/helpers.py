"""Contexts for calling sensors directly, and a stand-in for Airflow 3.3's task state store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any


class FakeTaskStateStore:
    """Same get/set/delete surface as ``context["task_state_store"]``, backed by a dict."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any, *, retention: Any = None) -> None:
        assert value is not None
        self.data[key] = value

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


def context(day: str | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal task context: a run over ``day`` (data interval) and a task instance identity."""
    ctx: dict[str, Any] = {
        "ti": SimpleNamespace(dag_id="sensors", task_id="wait", run_id="manual__1", map_index=-1, try_number=1),
    }
    if day:
        start = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
        ctx["data_interval_start"] = start
        ctx["data_interval_end"] = start + timedelta(days=1)
    ctx.update(extra)
    return ctx
