"""Incent offers available to one publisher and traffic source (a Trackier feature enabled per account)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.api.calls import choices_of
from trackier_provider.operators.base import TrackierFetchOperator
from trackier_provider.validation import check_choice


class TrackierFetchIncentOffersOperator(TrackierFetchOperator):
    """Read the incent offers of a publisher for a source (all pages).

    :param pub_id: publisher (numeric or hash id; required, templated).
    :param source: traffic source (required, templated).
    :param filters: e.g. ``{"objective": ["cpi", "cpa"], "geo": ["IN", "US"]}``.
    :param sort_by: ``payout`` or ``id``; ``order``: ``asc`` or ``desc``.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "pub_id", "source", "filters")
    template_fields_renderers = {"filters": "json"}
    operation = "incent_offers.list"
    query_args = {"pub_id": "pubId", "source": "source", "filters": "filters", "sort_by": "sortBy", "order": "order"}

    def __init__(
        self,
        *,
        pub_id: str | int,
        source: str,
        filters: dict[str, Any] | None = None,
        sort_by: str | None = None,
        order: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pub_id = pub_id
        self.source = source
        self.filters = filters
        self.sort_by = check_choice("sort_by", sort_by, choices_of("incent_offers.list", "sortBy"))
        self.order = check_choice("order", order, choices_of("incent_offers.list", "order"))
