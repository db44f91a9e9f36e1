"""Aggregate report requests: which path each report lives at and how its parameters are spelled.

Shared by the report operator, the report sensor and its trigger, so all three ask Trackier the same
question for the same window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.windows import Window

REPORT_PATHS: dict[str, str] = {
    name: f"/v2/reports/{name}" for name in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")
}
GROUPED_REPORTS = frozenset({"custom", "subid"})
#: Report filters Trackier takes as top-level query parameters rather than ``filters[...]``.
TOP_LEVEL_FILTERS = frozenset({"camp_ids", "pub_ids", "adv_ids", "remove_zero_data"})
DEFAULT_KPIS = ("clicks", "approvedConversions", "payout", "revenue", "profit")


def report_path(report: str) -> str:
    """The path of an aggregate report, or a clear error naming the valid reports."""
    try:
        return REPORT_PATHS[report]
    except KeyError:
        raise TrackierConfigError(
            "report", f"unknown report {report!r}", f"Use one of: {', '.join(sorted(REPORT_PATHS))}."
        ) from None


def _names(field: str, values: Sequence[str] | str | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    if not all(isinstance(v, str) and v for v in values):
        raise TrackierConfigError(field, f"expected a list of names, got {values!r}")
    return list(values)


def report_params(
    report: str,
    window: Window,
    *,
    group: Sequence[str] | str | None = None,
    kpi: Sequence[str] | str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """``(path, params)`` for one report over one window, validated before any request."""
    path = report_path(report)
    groups = _names("group", group)
    if groups and report not in GROUPED_REPORTS:
        raise TrackierConfigError(
            "group", f"the {report} report has a fixed grouping", "Use report='custom' or 'subid' to group."
        )
    params: dict[str, Any] = {"start": window.start_date, "end": window.end_date, "zone": window.timezone}
    if groups:
        params["group"] = groups
    kpis = _names("kpi", kpi)
    if kpis:
        params["kpi"] = kpis
    nested: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if key in TOP_LEVEL_FILTERS:
            params[key] = value
        else:
            nested[key] = value
    if nested:
        params["filters"] = nested
    return path, params
