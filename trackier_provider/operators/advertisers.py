"""Advertisers: caps of one advertiser or of all of them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from trackier_provider.links import TrackierPanelLink
from trackier_provider.operators.base import TrackierFetchOperator
from trackier_provider.version_compat import Context
from trackier_provider.windows import Window


class TrackierFetchAdvertiserCapsOperator(TrackierFetchOperator):
    """Read advertiser caps: of ``advertiser_id``, or of every advertiser when it is omitted.

    Each cap carries ``advertiserId`` so caps of many advertisers stay distinguishable in one file.

    :param advertiser_id: advertiser (numeric or hash id; templated); None for all advertisers.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "advertiser_id")
    operator_extra_links = (TrackierPanelLink(),)
    operation = "advertisers.caps.list"

    def __init__(self, *, advertiser_id: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.advertiser_id = advertiser_id

    def fetch_pages(self, window: Window | None, *, raw: bool) -> Iterable[Sequence[Any]]:
        if self.advertiser_id not in (None, ""):
            return self._caps_of([self.advertiser_id])
        advertisers = self.hook.records("advertisers.list", page_size=self.page_size)
        return self._caps_of(advertiser.get("id") for advertiser in advertisers)

    def _caps_of(self, advertisers: Iterable[Any]) -> Iterator[list[Any]]:
        for advertiser in advertisers:
            call = self.hook.prepare(self.operation, ids={"advertiser_id": advertiser})
            self.lineage_run.read(call.path)
            for page in self.hook.pages(call):
                for cap in page:
                    if isinstance(cap, dict):
                        cap.setdefault("advertiserId", str(advertiser).strip())
                yield page

    def run(self, context: Context) -> Any:
        result = super().run(context)
        if self.advertiser_id not in (None, ""):
            TrackierPanelLink.persist(context, self.hook.settings.panel_url, "advertiser", self.advertiser_id)
        return result
