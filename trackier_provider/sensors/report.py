"""``TrackierReportSensor``: wait until a report window has settled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from trackier_provider.readiness import (
    ReadyCheck,
    ReportReadiness,
    callable_path,
    figures_of,
    load_callable,
    request_key,
)
from trackier_provider.report_requests import report_at_parse, report_params
from trackier_provider.sensors.base import TrackierBaseSensor
from trackier_provider.triggers.report import TrackierReportTrigger, describe_report
from trackier_provider.validation import check_dotted_path, check_flag, check_number, check_seconds
from trackier_provider.version_compat import Context, PokeReturnValue
from trackier_provider.windows import Window, day_window_at_parse, resolve_window, zone_at_parse

#: The longest settle period (one week).
MAX_SETTLE_PERIOD = 7 * 86_400


class TrackierReportSensor(TrackierBaseSensor):
    """Wait until an aggregate report for a window is ready to read.

    Ready means: at least ``min_rows`` rows, the totals (row count and every numeric column summed)
    unchanged over ``settle_polls`` consecutive polls spanning at least ``settle_period``, and, if given,
    ``ready_check(rows)`` true. Returns (XCom) ``{"report", "window", "rows", "totals", "polls",
    "unchanged_seconds"}``.

    :param report: campaign, publisher, advertiser, daily, goal, custom or subid.
    :param start: window start (date, datetime or ISO string); defaults to the run's data interval start.
    :param end: window end; defaults to the run's data interval end.
    :param group: grouping columns (custom and subid reports).
    :param kpi: KPI columns; Trackier's defaults when empty.
    :param filters: report filters (``camp_ids``, ``pub_ids``, ... or nested ``filters[...]``).
    :param timezone: IANA timezone of the window.
    :param align_days: a report reads whole days in ``timezone``, so a window that does not start and end at
        midnight there is refused (at parse time when static) unless this is True, which moves both ends back
        to midnight (a ``02:00 -> 02:00`` daily interval is judged as the day it starts in). XCom's
        ``window`` is the days actually judged.
    :param min_rows: rows the window must have (default 1).
    :param settle_polls: consecutive polls with unchanged totals (default 3).
    :param settle_period: time those polls must span, seconds or timedelta (default 10 minutes).
    :param ready_check: optional function of the rows that must return True. In deferrable mode it runs in
        the triggerer: pass an importable module-level function or its dotted path.
    :param poke_interval: seconds between polls (default 5 minutes), also the trigger's interval.
    """

    template_fields: Sequence[str] = (
        "report", "start", "end", "group", "kpi", "filters", "timezone", "trackier_conn_id"
    )

    def __init__(
        self,
        *,
        report: str = "campaign",
        start: Any = None,
        end: Any = None,
        group: Sequence[str] | str | None = None,
        kpi: Sequence[str] | str | None = None,
        filters: Mapping[str, Any] | None = None,
        timezone: str = "UTC",
        align_days: bool = False,
        min_rows: int = 1,
        settle_polls: int = 3,
        settle_period: timedelta | float = 600,
        ready_check: ReadyCheck | str | None = None,
        poke_interval: timedelta | float = 300,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.report = report
        self.start = start
        self.end = end
        self.group = group
        self.kpi = kpi
        self.filters = filters
        self.timezone = timezone
        self.align_days = check_flag("align_days", align_days)
        zone_at_parse(timezone)
        day_window_at_parse(start, end, timezone, align_days=self.align_days)
        report_at_parse(report, group=group, kpi=kpi, filters=filters)
        if ready_check is not None and not callable(ready_check):
            ready_check = check_dotted_path("ready_check", ready_check)
            load_callable(ready_check)  # a path that does not import fails here, not after the first poll
        if self.deferrable:
            callable_path(ready_check)  # a lambda the triggerer cannot import fails here, not when deferring
        self.ready_check = ready_check
        self.rule = ReportReadiness(
            min_rows=check_number("min_rows", min_rows, whole=True, at_least=0, required=True),
            settle_polls=check_number("settle_polls", settle_polls, whole=True, at_least=1, required=True),
            settle_period=check_seconds("settle_period", settle_period, at_most=MAX_SETTLE_PERIOD),
            ready_check=ready_check,
        )

    def _request(self, context: Context) -> tuple[Window, str, dict[str, Any]]:
        window = resolve_window(
            self.start, self.end, context=context, timezone=self.timezone, align_days=self.align_days
        )
        operation, params = report_params(self.report, window, group=self.group, kpi=self.kpi, filters=self.filters)
        return window, operation, params

    def _result(self, window: Window, summary: Mapping[str, Any]) -> dict[str, Any]:
        return {"report": self.report, "window": window.describe(), **summary}

    def poke(self, context: Context) -> bool | PokeReturnValue:
        window, operation, params = self._request(context)
        figures = figures_of(self.hook.call(operation, query=params), operation)
        store = self.state(context)
        verdict = self.rule.assess(figures, request=request_key(operation, params), state=store.load())
        if verdict.ready:
            store.clear()
            self.log.info("%s is ready: %s", describe_report(operation, params), verdict.reason)
            return PokeReturnValue(is_done=True, xcom_value=self._result(window, verdict.summary))
        store.save(verdict.state)
        self.log.info("%s is not ready: %s", describe_report(operation, params), verdict.reason)
        return False

    def make_trigger(self, context: Context, deadline: float) -> TrackierReportTrigger:
        _, operation, params = self._request(context)
        return TrackierReportTrigger(
            operation=operation,
            params=params,
            min_rows=self.rule.min_rows,
            settle_polls=self.rule.settle_polls,
            settle_period=self.rule.settle_period,
            ready_check=callable_path(self.ready_check),
            state=self._memory.load(),
            trackier_conn_id=self.trackier_conn_id,
            deadline=deadline,
            poll_interval=self.poke_interval,
        )

    def result_from_event(self, context: Context, event: dict[str, Any]) -> Any:
        window, _, _ = self._request(context)
        return self._result(window, event.get("summary") or {})


__all__ = ["TrackierReportSensor"]
