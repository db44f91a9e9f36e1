"""Aggregate reports (campaign, publisher, advertiser, daily, goal, custom, subid) over a window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.operators.base import TrackierWindowedFetchOperator
from trackier_provider.report_requests import report_at_parse, report_params
from trackier_provider.windows import Window, day_window_at_parse


class TrackierFetchReportOperator(TrackierWindowedFetchOperator):
    """Read one aggregate report for a window (by default the run's data interval).

    :param report: ``campaign``, ``publisher``, ``advertiser``, ``daily``, ``goal``, ``custom`` or ``subid``.
    :param group: grouping columns (``custom`` and ``subid`` reports only), e.g. ``["campaign_id", "publisher_id"]``.
    :param kpi: KPIs to return, e.g. ``["clicks", "approvedConversions", "revenue"]`` (default: Trackier's).
    :param filters: ``camp_ids``, ``pub_ids``, ``adv_ids``, ``remove_zero_data`` and other report filters.

    The window (``start``, ``end``, ``timezone``, ``lookback``, ``align_days``) works as in
    ``TrackierWindowedFetchOperator``. A report reads whole days in ``timezone``: a window that does not start and
    end at midnight there is refused (at parse time when ``start``, ``end`` and ``timezone`` are static) unless
    ``align_days=True``. XCom's ``start``/``end`` are the days actually requested.
    """

    template_fields: Sequence[str] = (
        *TrackierWindowedFetchOperator.template_fields, "report", "group", "kpi", "filters"
    )
    template_fields_renderers = {"filters": "json"}

    def __init__(
        self,
        *,
        report: str,
        group: list[str] | str | None = None,
        kpi: list[str] | str | None = None,
        filters: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        day_window_at_parse(self.start, self.end, self.timezone, align_days=self.align_days,
                            lookback_days=self.lookback)
        report_at_parse(report, group=group, kpi=kpi, filters=filters)
        self.report = report
        self.group = group
        self.kpi = kpi
        self.filters = filters

    def request_params(self, window: Window | None) -> dict[str, Any]:
        assert window is not None
        self.operation, params = report_params(self.report, window, group=self.group, kpi=self.kpi,
                                               filters=self.filters)
        return params
