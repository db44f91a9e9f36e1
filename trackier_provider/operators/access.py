"""``TrackierGrantCampaignAccessOperator``: give publishers access to private or permission campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.validation import check_ids, check_number, holds_template
from trackier_provider.version_compat import Context


def _numbers(field: str, values: Any) -> list[int]:
    return [check_number(field, value, whole=True, at_least=1, from_text=True)
            for value in check_ids(field, values) or []]


class TrackierGrantCampaignAccessOperator(TrackierOperator):
    """Approve each publisher's access to each campaign (``campaigns.access.update`` with ``assign``).

    The campaigns' access list is read first (``campaigns.access.list``); only pairs that are not approved
    yet are assigned, one request per campaign, so a re-run grants nothing twice. Returns
    ``{"granted": [...], "already": [...]}``, each a list of ``{"campaign_id", "publisher_id"}``.

    :param campaign_ids: numeric campaign ids (templated; a list or a comma-separated string).
    :param publisher_ids: numeric publisher ids (templated; a list or a comma-separated string).
    """

    arguments = {"data.campaign_ids": "campaign_ids", "data.publisher_ids": "publisher_ids"}

    def __init__(self, *, campaign_ids: Sequence[Any] | str, publisher_ids: Sequence[Any] | str,
                 **kwargs: Any) -> None:
        ids = {"campaign_ids": campaign_ids, "publisher_ids": publisher_ids}
        listed = {name: value if holds_template(value) else _numbers(name, value) for name, value in ids.items()}
        super().__init__(operation="campaigns.access.update", data={**listed, "type": "assign"}, **kwargs)

    def run(self, context: Context) -> Any:
        self.mask_secrets()
        self.data = {**self.data, **{name: _numbers(name, self.data[name]) for name in self.arguments.values()}}
        body = self._prepare().body
        campaigns, publishers = body["campaign_ids"], body["publisher_ids"]
        listed = prepare(OPERATIONS["campaigns.access.list"], query={
            "filters": {"campaignIds": campaigns, "publisherIds": publishers}}, by_arg=False)
        approved = {(int(r["campaign"]["id"]), int(r["publisher"]["id"])) for r in self.hook.records(listed)
                    if r.get("status") == "approved"}
        granted, already = [], []
        for campaign in campaigns:
            missing = [p for p in publishers if (campaign, p) not in approved]
            already += [{"campaign_id": campaign, "publisher_id": p} for p in publishers if p not in missing]
            if missing:
                assign = prepare(OPERATIONS["campaigns.access.update"], data={
                    "campaign_ids": [campaign], "publisher_ids": missing, "type": "assign"})
                self.hook.call(assign)
                granted += [{"campaign_id": campaign, "publisher_id": p} for p in missing]
        self.log.info("Campaign access: %s granted, %s already approved", len(granted), len(already))
        return {"granted": granted, "already": already}
