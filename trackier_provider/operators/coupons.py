"""Coupon codes: list with filters (page paging)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.hooks.pagination import COUPONS
from trackier_provider.operators.base import TrackierFetchOperator, merged_filters
from trackier_provider.validation import DIRECTIONS, check_choice, check_ids
from trackier_provider.windows import Window

COUPON_STATUSES = ("active", "pending", "expired")


class TrackierFetchCouponsOperator(TrackierFetchOperator):
    """Read coupon codes (all pages).

    :param status: ``active``, ``pending`` or ``expired``.
    :param campaign_ids: only coupons of these campaigns.
    :param publisher_ids: only coupons of these publishers.
    :param filters: other coupon filters (``code``, ``createdBefore``, ``createdAfter``, ``createdBy``).
    :param direction: ``asc`` or ``desc``.
    """

    template_fields: Sequence[str] = (
        *TrackierFetchOperator.template_fields, "status", "campaign_ids", "publisher_ids", "filters"
    )
    template_fields_renderers = {"filters": "json"}
    paging = COUPONS

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
        self.direction = check_choice("direction", direction, DIRECTIONS)

    def request_params(self, window: Window | None) -> dict[str, Any]:
        filters = merged_filters(
            self.filters,
            status=check_choice("status", self.status, COUPON_STATUSES),
            campaignIds=check_ids("campaign_ids", self.campaign_ids),
            publisherIds=check_ids("publisher_ids", self.publisher_ids),
        )
        return {"filters": filters, "direction": self.direction}
