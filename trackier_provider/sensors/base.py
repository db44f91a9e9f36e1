"""What every Trackier sensor shares: the lazy hook, the three ways to wait and how a trigger event ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import Any

from airflow.configuration import conf

from trackier_provider import readiness
from trackier_provider.exceptions import TrackierError
from trackier_provider.hooks.throttle import default_pool
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.task_state import MemoryState, SensorState, persistent_state
from trackier_provider.triggers.base import SUCCESS, TIMEOUT, TrackierPollingTrigger
from trackier_provider.validation import check_flag, check_seconds, require_text
from trackier_provider.version_compat import (
    AirflowRescheduleException,
    AirflowSensorTimeout,
    BaseSensorOperator,
    Context,
    PokeReturnValue,
    TaskDeferred,
)

#: Seconds Airflow's own deferral timeout is set beyond the trigger's deadline: the trigger's timeout
#: event (with its reason) normally comes first; Airflow's is the safety net for a stuck trigger.
DEFERRAL_GRACE = 300
#: The longest wait between two polls (one day).
MAX_POKE_INTERVAL = 86_400


class TrackierBaseSensor(BaseSensorOperator):
    """Base of the Trackier sensors: ``mode="poke"`` or ``"reschedule"``, or ``deferrable=True``.

    In deferrable mode the sensor checks once on the worker and, if not done, hands the wait to a trigger
    with an absolute deadline of now + ``timeout``; ``execute_complete`` turns the trigger's event into
    the sensor's result or a clear failure.

    :param trackier_conn_id: Airflow connection of type ``trackier``.
    :param deferrable: wait in the triggerer; defaults to ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = ("trackier_conn_id",)
    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        trackier_conn_id: str = TrackierHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        if "poke_interval" in kwargs:
            kwargs["poke_interval"] = check_seconds("poke_interval", kwargs["poke_interval"], at_most=MAX_POKE_INTERVAL)
        if "pool" not in kwargs and (pool := default_pool()):
            kwargs["pool"] = pool  # [trackier] pool, as for the operators
        super().__init__(**kwargs)
        self.trackier_conn_id = require_text("trackier_conn_id", trackier_conn_id)
        self.deferrable = bool(check_flag("deferrable", deferrable))
        self._memory = MemoryState()

    @cached_property
    def hook(self) -> TrackierHook:
        """The hook, built on first use (never at DAG parse time)."""
        return TrackierHook(self.trackier_conn_id)

    # ------------------------------------------------------------------ subclass API
    def make_trigger(self, context: Context, deadline: float) -> TrackierPollingTrigger:
        """The trigger that continues this wait in the triggerer."""
        raise NotImplementedError

    def result_from_event(self, context: Context, event: dict[str, Any]) -> Any:
        """The sensor's return value (XCom) from a success event."""
        return None

    def error_from_event(self, event: dict[str, Any]) -> BaseException:
        """The exception that fails the task for an error event."""
        return TrackierError(str(event.get("message") or "the trigger reported an error"))

    # ------------------------------------------------------------------ state between pokes
    def state(self, context: Context) -> SensorState:
        """Where readiness state lives between pokes (see ``trackier_provider.task_state``)."""
        if self.deferrable or not self.reschedule:
            return self._memory
        return persistent_state(context)

    def _forget(self, context: Context) -> None:
        try:
            self.state(context).clear()
        except Exception as exc:  # cleanup must not hide the real error
            self.log.warning("Could not clear the sensor's stored state: %s", exc)

    # ------------------------------------------------------------------ execution
    def execute(self, context: Context) -> Any:
        if self.deferrable:
            return self._execute_deferrable(context)
        try:
            return super().execute(context)
        except (AirflowRescheduleException, TaskDeferred):
            raise
        except BaseException:
            self._forget(context)
            raise

    def _execute_deferrable(self, context: Context) -> Any:
        first = self.poke(context)
        if first:
            return first.xcom_value if isinstance(first, PokeReturnValue) else None
        self.defer(
            trigger=self.make_trigger(context, readiness.now() + self.timeout),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout + DEFERRAL_GRACE),
        )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Resume after the trigger: return the result, or fail with the trigger's message."""
        event = event or {}
        status = event.get("status")
        message = str(event.get("message") or "")
        if status == SUCCESS:
            self.log.info("%s", message)
            return self.result_from_event(context, event)
        if status == TIMEOUT:
            raise AirflowSensorTimeout(message)
        raise self.error_from_event(event)


__all__ = ["DEFERRAL_GRACE", "TrackierBaseSensor"]
