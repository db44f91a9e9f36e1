"""Coupon codes: list with filters (page paging)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.api.calls import choices_of
from trackier_provider.operators.base import TrackierFetchOperator
from trackier_provider.validation import check_choice


class TrackierFetchCouponsOperator(TrackierFetchOperator):
    """Read coupon codes (all pages).

    :param status: ``active``, ``pending`` or ``expired``.
    :param campaign_ids, publisher_ids: only coupons of these campaigns / publishers.
    :param filters: other coupon filters (``code``, ``createdBefore``, ``createdAfter``, ``createdBy``).
    :param direction: ``asc`` or ``desc``.
    """

    template_fields: Sequence[str] = (
        *TrackierFetchOperator.template_fields, "status", "campaign_ids", "publisher_ids", "filters"
    )
    template_fields_renderers = {"filters": "json"}
    operation = "coupons.list"
    query_args = {"filters": "filters", "status": "filters.status", "campaign_ids": "filters.campaignIds",
                  "publisher_ids": "filters.publisherIds", "direction": "direction"}

    def __init__(
        self,
        *,
        status: str | None = None,
        campaign_ids: list[str] | str | None = None,
        publisher_ids: list[str] | str | None = None,
        filters: dict[str, Any] | None = None,
        direction: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.status = status
        self.campaign_ids = campaign_ids
        self.publisher_ids = publisher_ids
        self.filters = filters
        self.direction = check_choice("direction", direction, choices_of("coupons.list", "direction"))
