"""Coupon codes: list with filters (page paging)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.hooks.pagination import COUPONS
from trackier_provider.operators.base import TrackierFetchOperator, id_list, merged_filters
from trackier_provider.validation import check_choice
from trackier_provider.windows import Window


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
        self.direction = direction

    def request_params(self, window: Window | None) -> dict[str, Any]:
        check_choice("status", self.status or None, ("active", "pending", "expired"))
        check_choice("direction", self.direction, ("asc", "desc"))
        filters = merged_filters(
            self.filters,
            status=self.status,
            campaignIds=id_list("campaign_ids", self.campaign_ids),
            publisherIds=id_list("publisher_ids", self.publisher_ids),
        )
        return {"filters": filters, "direction": self.direction}
