"""Advertisers: caps of one advertiser or of all of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from trackier_provider.hooks.pagination import ADVERTISERS
from trackier_provider.links import TrackierPanelLink
from trackier_provider.operators.base import TrackierFetchOperator
from trackier_provider.paths import path_of
from trackier_provider.version_compat import Context
from trackier_provider.windows import Window


class TrackierFetchAdvertiserCapsOperator(TrackierFetchOperator):
    """Read advertiser caps: of ``advertiser_id``, or of every advertiser when it is omitted.

    Each cap carries ``advertiserId`` so caps of many advertisers stay distinguishable in one file.

    :param advertiser_id: advertiser (numeric or hash id; templated); None for all advertisers.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "advertiser_id")
    operator_extra_links = (TrackierPanelLink(),)
    records_key = "caps"

    def __init__(self, *, advertiser_id: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.advertiser_id = advertiser_id

    def fetch_records(self, window: Window | None) -> Iterable[Any]:
        if self.advertiser_id not in (None, ""):
            return self._caps_of(self.advertiser_id, path_of("advertisers.caps.list", advertiser_id=self.advertiser_id))
        return self._all_caps()

    def _caps_of(self, advertiser: Any, path: str) -> Iterator[Any]:
        for cap in self._single(path, None):
            if isinstance(cap, dict):
                cap.setdefault("advertiserId", str(advertiser).strip())
            yield cap

    def _all_caps(self) -> Iterator[Any]:
        for advertiser in self.hook.paginate(ADVERTISERS, page_size=self.page_size):
            advertiser_id = advertiser.get("id")
            yield from self._caps_of(advertiser_id, path_of("advertisers.caps.list", advertiser_id=advertiser_id))

    def execute(self, context: Context) -> Any:
        result = super().execute(context)
        if self.advertiser_id not in (None, ""):
            TrackierPanelLink.persist(context, self.hook.settings.panel_url, "advertiser", self.advertiser_id)
        return result
