"""Incent offers available to one publisher and traffic source (a Trackier feature enabled per account)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.hooks.pagination import INCENT_OFFERS
from trackier_provider.operators.base import TrackierFetchOperator, merged_filters
from trackier_provider.validation import DIRECTIONS, check_choice, check_id, require_text
from trackier_provider.windows import Window


class TrackierFetchIncentOffersOperator(TrackierFetchOperator):
    """Read the incent offers of a publisher for a source (all pages).

    :param pub_id: publisher (numeric or hash id; required, templated).
    :param source: traffic source (required, templated).
    :param filters: e.g. ``{"objective": ["cpi", "cpa"], "geo": ["IN", "US"]}``.
    :param sort_by: ``payout`` or ``id``; ``order``: ``asc`` or ``desc``.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "pub_id", "source", "filters")
    template_fields_renderers = {"filters": "json"}
    paging = INCENT_OFFERS

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
        self.sort_by = check_choice("sort_by", sort_by, ("payout", "id"))
        self.order = check_choice("order", order, DIRECTIONS)

    def request_params(self, window: Window | None) -> dict[str, Any]:
        return {
            "pubId": check_id("pub_id", self.pub_id),
            "source": require_text("source", self.source),
            "filters": merged_filters(self.filters),
            "sortBy": self.sort_by,
            "order": self.order,
        }
