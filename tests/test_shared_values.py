"""One rule per value: a typed operator and ``hook.api`` accept exactly the same values for every parameter they
share (the catalogue's tables: statuses, KPIs, grouping columns, directions, ids...).

For each shared parameter a set of candidates (every allowed value, near misses, wrong types, lists and
comma-separated strings, invisible characters) goes through both paths up to the point where a request would
be sent: the typed operator prepares its call (``prepare_call``), the typed API checks its keywords
(``api.calls.prepare`` by Python name, what ``hook.api.<resource>.<action>`` runs). Accepted by one and refused
by the other is a failure. Nothing is sent: the hook's connection is never read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.operators.campaigns import TrackierFetchCampaignsOperator
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.coupons import TrackierFetchCouponsOperator
from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.windows import resolve_window

WINDOW = resolve_window(date(2026, 11, 20), date(2026, 11, 20))


def _candidates(allowed: tuple[Any, ...]) -> list[Any]:
    near = [f"{a}x" for a in allowed[:3]] + [str(a).upper() for a in allowed[:3] if str(a).upper() != a]
    shapes = [None, "", " ", 0, 1, 2.5, float("nan"), True, [], {}, ["a", "b"], "a,b", "zero\u200bwidth", [None]]
    both = [",".join(map(str, allowed[:2])), list(allowed[:2])] if len(allowed) > 1 else []
    return [*allowed, *near, *shapes, *both]


def _accepts(check: Callable[[], Any]) -> bool:
    try:
        check()
    except TrackierConfigError:
        return False
    return True


# (operator, its keyword, fixed keywords, the catalogue operation, where the value goes in its query)
SHARED: list[tuple[type, str, dict[str, Any], str, tuple[str, ...]]] = [
    (TrackierFetchCampaignsOperator, "status", {}, "campaigns.list", ("filters", "status")),
    (TrackierFetchCampaignsOperator, "geo", {}, "campaigns.list", ("filters", "geo")),
    (TrackierFetchCampaignsOperator, "advertiser", {}, "campaigns.list", ("advertiser",)),
    (TrackierFetchCampaignsOperator, "order_by", {}, "campaigns.list", ("orderBy",)),
    (TrackierFetchCampaignsOperator, "direction", {}, "campaigns.list", ("direction",)),
    (TrackierFetchConversionsOperator, "status", {}, "conversions.list", ("status",)),
    (TrackierFetchConversionsOperator, "campaign_ids", {}, "conversions.list", ("campaignIds",)),
    (TrackierFetchConversionsOperator, "publisher_ids", {}, "conversions.list", ("publisherIds",)),
    (TrackierFetchConversionsOperator, "advertiser_ids", {}, "conversions.list", ("adv_ids",)),
    (TrackierFetchConversionsOperator, "source", {}, "conversions.list", ("source",)),
    (TrackierFetchConversionsOperator, "fields", {}, "conversions.list", ("fields",)),
    (TrackierFetchCouponsOperator, "status", {}, "coupons.list", ("filters", "status")),
    (TrackierFetchCouponsOperator, "campaign_ids", {}, "coupons.list", ("filters", "campaignIds")),
    (TrackierFetchCouponsOperator, "publisher_ids", {}, "coupons.list", ("filters", "publisherIds")),
    (TrackierFetchCouponsOperator, "direction", {}, "coupons.list", ("direction",)),
    (TrackierFetchIncentOffersOperator, "pub_id", {"source": "s"}, "incent_offers.list", ("pubId",)),
    (TrackierFetchIncentOffersOperator, "source", {"pub_id": 1}, "incent_offers.list", ("source",)),
    (TrackierFetchIncentOffersOperator, "sort_by", {"pub_id": 1, "source": "s"}, "incent_offers.list", ("sortBy",)),
    (TrackierFetchIncentOffersOperator, "order", {"pub_id": 1, "source": "s"}, "incent_offers.list", ("order",)),
    *[(TrackierFetchReportOperator, "kpi", {"report": name}, f"reports.{name}", ("kpi",))
      for name in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")],
    *[(TrackierFetchReportOperator, "group", {"report": name}, f"reports.{name}", ("group",))
      for name in ("custom", "subid")],
]


def _allowed(operation: str, where: tuple[str, ...]) -> tuple[Any, ...]:
    param = OPERATIONS[operation].param(where[0])
    assert param is not None, f"{operation} has no {where[0]}"
    if len(where) > 1:
        param = param.key(where[1])
        assert param is not None, f"{operation} {where[0]} has no key {where[1]}"
    return param.allowed or ("a", "b", "123")


def _typed(operator: type, keyword: str, fixed: dict[str, Any], value: Any) -> Callable[[], Any]:
    def check() -> Any:
        op = operator(task_id="t", **fixed, **{keyword: value})
        return op.prepare_call(WINDOW if "start" in op.template_fields else None)

    return check


def _api(operation: str, where: tuple[str, ...], fixed: dict[str, Any], value: Any) -> Callable[[], Any]:
    base = {"pubId": 1, "source": "s"} if operation == "incent_offers.list" else {}
    if operation.startswith("reports.") or operation == "conversions.list":
        base = {"start": WINDOW.start_date, "end": WINDOW.end_date}
    query = {**base, **({where[0]: value} if len(where) == 1 else {where[0]: {where[1]: value}})}

    def check() -> Any:
        return prepare(OPERATIONS[operation], {}, query, by_arg=False)

    return check


@pytest.mark.parametrize(("operator", "keyword", "fixed", "operation", "where"), SHARED,
                         ids=[f"{o.__name__.removeprefix('TrackierFetch')}.{k}.{n}" for o, k, _, n, _ in SHARED])
def test_typed_operator_and_typed_api_accept_the_same_values(operator, keyword, fixed, operation, where) -> None:
    differ = []
    for value in _candidates(_allowed(operation, where)):
        typed = _accepts(_typed(operator, keyword, fixed, value))
        api = _accepts(_api(operation, where, fixed, value))
        if typed != api:
            differ.append(f"{value!r}: operator {'accepts' if typed else 'refuses'}, hook.api "
                          f"{'accepts' if api else 'refuses'}")
    assert differ == []


def test_every_typed_fetch_parameter_with_a_catalogue_twin_is_covered() -> None:
    """A keyword of a typed fetch operator named like a catalogue parameter of its operation is in ``SHARED``."""
    covered = {(o, k) for o, k, *_ in SHARED}
    for operator in (TrackierFetchCampaignsOperator, TrackierFetchConversionsOperator, TrackierFetchCouponsOperator,
                     TrackierFetchIncentOffersOperator):
        operation = OPERATIONS[operator.operation]
        names = {p.arg for p in operation.query} | {p.name for p in operation.query}
        window = {"start", "end", "timezone"}  # resolved into the window's own parameters, compared elsewhere
        for field in operator.template_fields:
            if field in names and field not in ("filters", *window) and (operator, field) not in covered:
                pytest.fail(f"{operator.__name__}.{field} is shared with {operation.name} but not compared")
