"""Where a task keeps state between its tries or pokes, so no worker-local memory is needed: a sensor's
readiness between pokes, an upload's record of what it posted (``operators.conversions``).

* poke mode and the first check of a deferrable sensor: the sensor instance (one process, one run of
  ``execute``);
* reschedule mode on Airflow 3.3+: the task state store (``context["task_state_store"]``), scoped to the
  task instance and kept across reschedules;
* reschedule mode on Airflow 2.11 (no task state store; the task's XComs are cleared at every reschedule):
  an Airflow Variable named after the task instance, deleted when the sensor finishes.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from trackier_provider.version_compat import Variable

STATE_KEY = "trackier_readiness"
VARIABLE_PREFIX = "trackier_sensor_state"


class SensorState(Protocol):
    """Load, save and clear one JSON object."""

    def load(self) -> dict[str, Any] | None: ...

    def save(self, value: dict[str, Any]) -> None: ...

    def clear(self) -> None: ...


class MemoryState:
    """State held by the running sensor instance (valid only while one ``execute`` runs)."""

    def __init__(self) -> None:
        self.value: dict[str, Any] | None = None

    def load(self) -> dict[str, Any] | None:
        return self.value

    def save(self, value: dict[str, Any]) -> None:
        self.value = value

    def clear(self) -> None:
        self.value = None


class TaskStoreState:
    """State in Airflow 3.3's task state store, which survives reschedules of the task instance."""

    def __init__(self, store: Any, key: str = STATE_KEY) -> None:
        self.store = store
        self.key = key

    def load(self) -> dict[str, Any] | None:
        value = self.store.get(self.key)
        return value if isinstance(value, dict) else None

    def save(self, value: dict[str, Any]) -> None:
        self.store.set(self.key, value)

    def clear(self) -> None:
        self.store.delete(self.key)


def variable_key(ti: Any, prefix: str = VARIABLE_PREFIX) -> str:
    """A Variable name unique to one task instance (dag, task, run and map index), at most 250 characters."""
    ident = f"{ti.dag_id}\x00{ti.task_id}\x00{ti.run_id}\x00{getattr(ti, 'map_index', -1)}"
    suffix = hashlib.sha256(ident.encode()).hexdigest()[:16]
    return f"{prefix}.{ti.dag_id}.{ti.task_id}"[:230] + f".{suffix}"


class VariableState:
    """State in an Airflow Variable (Airflow 2.11 reschedule mode)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def load(self) -> dict[str, Any] | None:
        value = Variable.get(self.key, None, deserialize_json=True)
        return value if isinstance(value, dict) else None

    def save(self, value: dict[str, Any]) -> None:
        Variable.set(self.key, value, serialize_json=True)

    def clear(self) -> None:
        Variable.delete(self.key)


def persistent_state(context: Any, key: str = STATE_KEY, prefix: str = VARIABLE_PREFIX) -> SensorState:
    """The store that outlives a reschedule (and a retry) for the task instance of ``context``: ``key`` in
    the task state store, else a Variable whose name starts with ``prefix``."""
    store = context.get("task_state_store")
    if store is not None:
        return TaskStoreState(store, key)
    return VariableState(variable_key(context["ti"], prefix))
