"""``TrackierReportTrigger``: wait in the triggerer until a report window is ready."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from airflow.triggers.base import TriggerEvent

from trackier_provider import readiness
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.readiness import ReportReadiness, figures_of, request_key
from trackier_provider.triggers.base import (
    SUCCESS,
    Question,
    TrackierPollingTrigger,
    prepared_question,
    shared_answer,
)


def describe_report(operation: str, params: Mapping[str, Any]) -> str:
    """``Trackier report reports.campaign 2026-12-03..2026-12-03 UTC``: the one way the sensor (poke and
    reschedule) and the trigger name the report window they wait for, ready or not."""
    window = f"{params.get('start')}..{params.get('end')} {params.get('zone', '')}".strip()
    return f"Trackier report {operation} {window}"

class TrackierReportTrigger(TrackierPollingTrigger):
    """Poll one aggregate report request until :class:`~trackier_provider.readiness.ReportReadiness` says ready.

    :param operation: the report's catalogue operation such as ``reports.campaign`` (from
        ``report_requests.report_params``).
    :param params: its query parameters (window, zone, group, kpi, filters).
    :param min_rows: rows the window must have.
    :param settle_polls: consecutive polls whose totals must agree.
    :param settle_period: seconds those polls must span.
    :param ready_check: dotted path of a function of the rows that must return True, or None.
    :param state: readiness state left by earlier polls (e.g. the sensor's first poke), or None.
    :param trackier_conn_id: see :class:`~trackier_provider.triggers.base.TrackierPollingTrigger`.
    :param deadline: see :class:`~trackier_provider.triggers.base.TrackierPollingTrigger`.
    :param poll_interval: see :class:`~trackier_provider.triggers.base.TrackierPollingTrigger`.

    Success payload: ``status``, ``message`` and ``summary`` (``rows``, ``totals``, ``polls``,
    ``unchanged_seconds``).
    """

    def __init__(
        self,
        *,
        operation: str,
        params: Mapping[str, Any],
        min_rows: int = 1,
        settle_polls: int = 3,
        settle_period: float = 600.0,
        ready_check: str | None = None,
        state: Mapping[str, Any] | None = None,
        trackier_conn_id: str = TrackierHook.default_conn_name,
        deadline: float,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__(trackier_conn_id=trackier_conn_id, deadline=deadline, poll_interval=poll_interval)
        self.operation = operation
        self.params = dict(params)
        self.rule = ReportReadiness(
            min_rows=min_rows, settle_polls=settle_polls, settle_period=settle_period, ready_check=ready_check
        )
        self.initial_state = dict(state) if state else None
        self.state: dict[str, Any] | None = self.initial_state
        self.request = request_key(self.operation, self.params)
        self._question: Question | None = None
        self._digest = partial(figures_of, endpoint=self.operation)

    def fields(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "params": self.params,
            "min_rows": self.rule.min_rows,
            "settle_polls": self.rule.settle_polls,
            "settle_period": self.rule.settle_period,
            "ready_check": self.rule.ready_check,
            "state": self.initial_state,
        }

    def describe(self) -> str:
        return describe_report(self.operation, self.params)

    async def poll(self, hook: TrackierHook, client: Any) -> TriggerEvent | None:
        if self._question is None:  # prepared once per question in the process, not per trigger or poll
            self._question = prepared_question(hook, self.operation, self.params, self.request)
        figures = await shared_answer(hook, client, self._question, None, self._digest,
                                      fresh_for=self.poll_interval / 2)
        verdict = self.rule.assess(figures, request=self.request, state=self.state, at=readiness.now())
        self.state = verdict.state
        self.last_reason = verdict.reason
        if verdict.ready:
            return self.event(SUCCESS, f"{self.describe()} is ready: {verdict.reason}", summary=verdict.summary)
        return None
