"""Aggregate report requests: which path each report lives at and how its parameters are spelled.

Shared by the report operator, the report sensor and its trigger, so all three ask Trackier the same
question for the same window.
"""

from __future__ import annotations

from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.paths import path_of
from trackier_provider.validation import check_choices, check_flag, check_ids, check_mapping, require_choice
from trackier_provider.windows import Window

REPORT_PATHS: dict[str, str] = {
    name: path_of(f"reports.{name}")
    for name in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")
}
#: The KPIs every aggregate report accepts (``kpi[]``), as the Admin API reference lists them.
KPIS = (
    "uniqueClicks", "rejectedClicks", "clicks", "grossClicks", "approvedConversions", "pendingConversions",
    "cancelledConversions", "rejectedConversions", "extConversions", "grossConversions", "cr", "impressions",
    "campaign_payout", "campaign_revenue", "payout", "revenue", "profit", "saleAmount", "pendingPayout",
    "pendingSaleAmount", "extPayout", "extSaleAmount", "extRevenue", "cancelledRevenue", "rejectedRevenue",
    "grossRevenue", "grossProfit", "grossSaleAmount", "epc", "ctr",
)
_COMMON_GROUPS = (
    "campaign_name", "campaign_id", "campaign_long_id", "external_offer_id", "campaign_status", "campaign_geo",
    "objective", "publisher", "publisher_id", "publisher_long_id", "source", "advertiser", "advertiser_id",
    "goal_name", "goal_id", "ref_camp", "ref_camp_id", "lp_title", "lp_id", "os", "country", "hour", "created",
    "month",
)
#: The grouping columns (``group[]``) of the reports that take one, as the Admin API reference lists them.
#: The reference lists the sub ids of the subid report from p2; p1 is the first of the same ten sub ids
#: (the clicks log lists p1-p10), so it is accepted too.
GROUPS: dict[str, tuple[str, ...]] = {
    "custom": (*_COMMON_GROUPS, "aff_manager", "adv_manager", "rlo_id", "sl_name", "sl_id", "coupon"),
    "subid": (
        *_COMMON_GROUPS, *(f"p{n}" for n in range(1, 11)), "city", "region", "isp", "conn", "app_name", "app_id",
        "cr_name",
    ),
}
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
    """``(path, params)`` for one report over one window, validated before any request.

    ``group`` and ``kpi`` (lists or comma-separated strings) are checked against the values the Admin API
    reference allows; ``camp_ids``/``pub_ids``/``adv_ids`` filters are id lists and ``remove_zero_data`` a
    boolean, sent as top-level parameters; other filters go under ``filters[...]``.
    """
    name = require_choice("report", report, tuple(REPORT_PATHS))
    path = REPORT_PATHS[name]
    groups = check_choices("group", group, GROUPS.get(name))
    if groups and name not in GROUPS:
        raise TrackierConfigError(
            "group", f"the {name} report has a fixed grouping", "Use report='custom' or 'subid' to group."
        )
    params: dict[str, Any] = {"start": window.start_date, "end": window.end_date, "zone": window.timezone}
    if groups:
        params["group"] = groups
    kpis = check_choices("kpi", kpi, KPIS)
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
    return path, params
