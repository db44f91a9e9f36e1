"""Campaigns: list (keyset paging, filters), create-if-absent, change timeline and payouts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.api.calls import choices_of
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.links import TrackierPanelLink
from trackier_provider.operators.base import (
    TrackierCreateOperator,
    TrackierFetchOperator,
    TrackierWindowedFetchOperator,
)
from trackier_provider.validation import (
    check_choice,
    check_id,
    check_json,
    check_mapping,
    check_payouts,
    check_text,
    require_choice,
    require_text,
)
from trackier_provider.version_compat import Context
from trackier_provider.windows import Window

CONV_TRACKING = ("postback", "iframe_https", "image_https")
ORDER_BY = choices_of("campaigns.list", "orderBy")


class TrackierFetchCampaignsOperator(TrackierFetchOperator):
    """Read campaigns (all pages, keyset ``lastId`` paging), optionally filtered.

    :param status: ``active``, ``pending``, ``paused``, ``disabled``, ``expired`` or ``suspended``.
    :param geo: country codes, e.g. ``["IN", "US"]``.
    :param advertiser: advertiser ids (numeric or hash) whose campaigns to read.
    :param filters: any other of Trackier's campaign filters (objective, category, visibility, device, os, ...).
    :param order_by: ``created`` or ``title``; ``direction``: ``asc`` or ``desc``.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "status", "geo", "advertiser", "filters")
    template_fields_renderers = {"filters": "json"}
    operation = "campaigns.list"
    query_args = {"filters": "filters", "status": "filters.status", "geo": "filters.geo", "advertiser": "advertiser",
                  "order_by": "orderBy", "direction": "direction"}

    def __init__(
        self,
        *,
        status: str | None = None,
        geo: list[str] | str | None = None,
        advertiser: list[str] | str | None = None,
        filters: dict[str, Any] | None = None,
        order_by: str | None = None,
        direction: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.status = status
        self.geo = geo
        self.advertiser = advertiser
        self.filters = filters
        self.order_by = check_choice("order_by", order_by, ORDER_BY)
        self.direction = check_choice("direction", direction, choices_of("campaigns.list", "direction"))


class TrackierCreateCampaignOperator(TrackierCreateOperator):
    """Create a campaign (CampaignCreate) unless the advertiser already has one with this title.

    Required fields are checked before any request. Natural key: ``title`` within ``advertiser_id``.

    :param advertiser_id: advertiser (numeric or hash id).
    :param title: campaign title.
    :param url: tracking destination URL (with Trackier macros such as ``{click_id}``).
    :param currency: e.g. ``"USD"``.
    :param conv_tracking: ``postback``, ``iframe_https`` or ``image_https``.
    :param payouts: e.g. ``[{"payout": 1.2, "revenue": 1.5, "geo": ["US"]}]``.
    :param fields: any other CampaignCreate fields (description, previewUrl, status, commModel, ...).
    """

    template_fields: Sequence[str] = ("advertiser_id", "title", "url", "currency", "conv_tracking", "payouts", "fields")
    template_fields_renderers = {"payouts": "json", "fields": "json"}
    operation = "campaigns.create"
    kind = "campaign"

    def __init__(
        self,
        *,
        advertiser_id: str | int,
        title: str,
        url: str,
        currency: str,
        conv_tracking: str,
        payouts: list[dict[str, Any]],
        fields: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.advertiser_id = advertiser_id
        self.title = title
        self.url = url
        self.currency = currency
        self.payouts = payouts
        self.conv_tracking = conv_tracking
        self.fields = fields

    def payload(self) -> dict[str, Any]:
        return {
            **check_json("fields", check_mapping("fields", self.fields) or {}),
            "advertiserId": check_id("advertiser_id", self.advertiser_id),
            "title": require_text("title", self.title),
            "url": require_text("url", self.url),
            "currency": require_text("currency", self.currency),
            "convTracking": require_choice("conv_tracking", self.conv_tracking, CONV_TRACKING),
            "payouts": check_payouts(self.payouts),
        }


class TrackierFetchCampaignTimelineOperator(TrackierWindowedFetchOperator):
    """Read the campaigns changed (created, edited, status changed) in a window of UTC days.

    Trackier takes the timeline's dates in UTC, so the window is always UTC.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "start", "end")
    operation = "campaigns.timelines.list"

    def __init__(self, *, timezone: str | None = "UTC", **kwargs: Any) -> None:
        if timezone is not None and check_text("timezone", timezone) != "UTC":
            raise TrackierConfigError(
                "timezone", f"{timezone!r}: Trackier takes the campaign timeline in UTC", "Leave timezone unset."
            )
        super().__init__(timezone="UTC", **kwargs)

    def request_params(self, window: Window | None) -> dict[str, Any]:
        assert window is not None
        return {"start": window.start_date, "end": window.end_date}


class TrackierFetchCampaignPayoutsOperator(TrackierFetchOperator):
    """Read one campaign's payouts. Links to the campaign in the panel.

    :param campaign_id: campaign (numeric or hash id; templated).
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "campaign_id")
    operator_extra_links = (TrackierPanelLink(),)
    operation = "campaigns.payouts.list"

    def __init__(self, *, campaign_id: str | int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id

    def request_ids(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}

    def run(self, context: Context) -> Any:
        result = super().run(context)
        TrackierPanelLink.persist(context, self.hook.settings.panel_url, "campaign", self.campaign_id)
        return result
