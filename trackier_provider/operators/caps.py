"""``TrackierCreateCampaignCapOperator``: a campaign cap, created once (``campaigns.caps.create``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.validation import check_ids, check_mapping, check_number, is_templated


class TrackierCreateCampaignCapOperator(TrackierOperator):
    """Create a cap on a campaign unless one of the same type and goal exists (the catalogue's natural key).

    A declaration over ``TrackierOperator(operation="campaigns.caps.create")``: checked against the catalogue
    before any request, safe to retry, the cap (or the existing one) returned, XCom ``created``.

    :param campaign_id: the campaign (numeric or hash id, templated).
    :param cap_type: what is capped: ``conversion``, ``approvedConv``, ``click``, ``payout``, ``revenue``, ...
    :param daily: limit per day; ``hourly``, ``monthly``, ``lifetime`` likewise (at least one).
    :param visibility: ``public`` or ``private``.
    :param pub_cap_type: ``group`` (one cap shared by the publishers) or ``each`` (one per publisher).
    :param goal_id: cap one goal only.
    :param publisher_ids: cap these publishers only.
    :param fields: further Cap fields (``geo``, ``landingPageIds``, ``redirect``, ...).
    :param if_exists: ``"return"`` (default), ``"fail"`` or ``"create"``.
    """

    def __init__(
        self,
        *,
        campaign_id: Any,
        cap_type: str,
        daily: Any = None,
        hourly: Any = None,
        monthly: Any = None,
        lifetime: Any = None,
        visibility: str = "public",
        pub_cap_type: str = "group",
        goal_id: Any = None,
        publisher_ids: Sequence[Any] | None = None,
        fields: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        given = {"hourly": hourly, "daily": daily, "monthly": monthly, "lifetime": lifetime}
        limits = {name: value if is_templated(value) else check_number(name, value, whole=True, at_least=0)
                  for name, value in given.items()}
        ids = publisher_ids if is_templated(publisher_ids) else [  # numeric ids as numbers, hash ids as text
            int(i) if i.isdigit() else i for i in check_ids("publisher_ids", publisher_ids) or []] or None
        extra = fields if is_templated(fields) else check_mapping("fields", fields)
        data = {"type": cap_type, "visibility": visibility, "pubCapType": pub_cap_type, "goalId": goal_id,
                "publisherIds": ids, **limits, **(extra or {})}
        super().__init__(operation="campaigns.caps.create", path_params={"campaign_id": campaign_id},
                         data={k: v for k, v in data.items() if v is not None}, **kwargs)
