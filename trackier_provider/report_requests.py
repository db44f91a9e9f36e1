"""Aggregate report requests: which catalogue operation each report is and how its parameters are spelled.

Shared by the report operator, the report sensor and its trigger, so all three ask Trackier the same
question for the same window. The allowed KPIs and grouping columns are the catalogue's (``api.catalogue``),
the same values ``hook.api.reports.<name>(...)`` accepts.
"""

from __future__ import annotations

from typing import Any

from trackier_provider.api.catalogue import OPERATIONS
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import (
    check_choices,
    check_flag,
    check_ids,
    check_mapping,
    holds_template,
    require_choice,
)
from trackier_provider.windows import Window

#: The aggregate reports the operator, sensor and trigger read (each the catalogue's ``reports.<name>``).
REPORTS = ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")
#: Report filters Trackier takes as top-level query parameters rather than ``filters[...]``.
ID_FILTERS = frozenset({"camp_ids", "pub_ids", "adv_ids"})


def report_params(
    report: Any,
    window: Window,
    *,
    group: Any = None,
    kpi: Any = None,
    filters: Any = None,
) -> tuple[str, dict[str, Any]]:
    """``(operation, params)`` for one report over one window, validated before any request: the window's
    days and timezone, then ``report_query``'s parameters."""
    name, params = report_query(report, group=group, kpi=kpi, filters=filters)
    return name, {"start": window.start_date, "end": window.end_date, "zone": window.timezone, **params}


def report_query(report: Any, *, group: Any = None, kpi: Any = None, filters: Any = None,
                 ) -> tuple[str, dict[str, Any]]:
    """``(operation, params)`` of a report without its window, checked (no I/O).

    ``group`` and ``kpi`` (lists or comma-separated strings) are checked against the values the catalogue
    allows; ``camp_ids``/``pub_ids``/``adv_ids`` filters are id lists and ``remove_zero_data`` a boolean,
    sent as top-level parameters; other filters go under ``filters[...]``.
    """
    name = require_choice("report", report, REPORTS)
    operation = OPERATIONS[f"reports.{name}"]
    grouping, kpi_param = operation.param("group"), operation.param("kpi")
    groups = check_choices("group", group, [str(c) for c in grouping.allowed] if grouping else None)
    if groups and grouping is None:
        raise TrackierConfigError(
            "group", f"the {name} report has a fixed grouping", "Use report='custom' or 'subid' to group."
        )
    params: dict[str, Any] = {}
    if groups:
        params["group"] = groups
    kpis = check_choices("kpi", kpi, [str(c) for c in kpi_param.allowed] if kpi_param else None)
    if kpis:
        params["kpi"] = kpis
    nested: dict[str, Any] = {}
    for key, value in (check_mapping("filters", filters) or {}).items():
        if key in ID_FILTERS:
            params[key] = check_ids(f"filters[{key}]", value)
        elif key == "remove_zero_data":
            params[key] = check_flag(f"filters[{key}]", value)
        else:
            nested[key] = value
    if nested:
        params["filters"] = nested
    return operation.name, params


def report_at_parse(report: Any, *, group: Any = None, kpi: Any = None, filters: Any = None) -> None:
    """At DAG parse time, what is static of a report's arguments checked by ``report_query``'s rule: all of
    them when none is templated, else the report's name when it is static (the others are checked when the
    task runs, after rendering)."""
    if not holds_template([report, group, kpi, filters]):
        report_query(report, group=group, kpi=kpi, filters=filters)
    elif not holds_template(report):
        require_choice("report", report, REPORTS)

