"""``TrackierSetPublisherPayoutOperator``: a publisher-specific payout on a campaign, created or updated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.outputs import is_templated
from trackier_provider.scrubbing import scrub
from trackier_provider.validation import check_choices, check_number, check_text
from trackier_provider.version_compat import Context


def _members(value: Any) -> frozenset[str]:
    """Ids from a list or a comma-separated string (Trackier answers ``pubIds`` as the latter)."""
    items = value.split(",") if isinstance(value, str) else (value or [])
    return frozenset(str(item).strip() for item in items if str(item).strip())


class TrackierSetPublisherPayoutOperator(TrackierOperator):
    """Make a campaign pay one publisher ``payout`` (and earn ``revenue``) for a goal and geo.

    The campaign's payouts are read first (``campaigns.payouts.list``): a payout for exactly this publisher,
    goal and geo is updated when its figures differ and left alone when they match; otherwise one is
    created. So a retry after a lost answer, and a re-run, leave exactly one such payout. Returns the
    payout; XCom ``created`` says whether this run created it.

    :param campaign_id: the campaign (numeric or hash id, templated).
    :param publisher_id: the publisher (templated).
    :param payout: what the publisher is paid (templated).
    :param revenue: what the network earns (templated).
    :param geo: country codes, or ``["ALL"]`` (the default).
    :param goal_id: the goal (default: the campaign's default goal).
    :param currency: the payout's currency (default: the campaign's).
    """

    arguments = {"path_params.campaign_id": "campaign_id", "data.pubIds": "publisher_id", "data.payout": "payout",
                 "data.revenue": "revenue", "data.geo": "geo", "data.goalId": "goal_id", "data.currency": "currency"}

    def __init__(self, *, campaign_id: Any, publisher_id: Any, payout: Any, revenue: Any,
                 geo: Sequence[str] = ("ALL",), goal_id: Any = None, currency: str | None = None,
                 **kwargs: Any) -> None:
        geos = geo if is_templated(geo) else check_choices("geo", geo) or ["ALL"]
        data = {"payout": payout, "revenue": revenue, "geo": geos, "pubIds": [publisher_id], "goalId": goal_id,
                "currency": check_text("currency", currency)}
        super().__init__(operation="campaigns.payouts.create", path_params={"campaign_id": campaign_id},
                         data={k: v for k, v in data.items() if v is not None}, **kwargs)

    def run(self, context: Context) -> Any:
        self.mask_secrets()
        call = self._prepare()
        body = dict(call.body) | {
            name: check_number(name, call.body[name], at_least=0, from_text=True, required=True)
            for name in ("payout", "revenue")
        }
        wanted = (_members(body["pubIds"]), str(body.get("goalId") or ""), _members(body["geo"]))
        current = next((p for p in self.hook.records(prepare(OPERATIONS["campaigns.payouts.list"], call.ids))
                        if isinstance(p, Mapping)
                        and (_members(p.get("pubIds")), str(p.get("goalId") or ""), _members(p.get("geo"))) == wanted),
                       None)
        context["ti"].xcom_push(key="created", value=False)
        if current is None:
            answer = self.hook.call(prepare(call.operation, call.ids, data=body))
            context["ti"].xcom_push(key="created", value=True)
            self.log.info("Created payout %s for publisher %s", answer.get("payout", {}).get("_id"), body["pubIds"])
            return scrub(answer.get("payout", answer))
        if all(float(current.get(k, -1)) == body[k] for k in ("payout", "revenue")):
            self.log.info("Payout %s already pays %s", current.get("_id"), body["payout"])
            return scrub(dict(current))
        update = prepare(OPERATIONS["campaigns.payouts.update"], {**call.ids, "payout_id": current["_id"]}, data=body)
        answer = self.hook.call(update)
        self.log.info("Updated payout %s to %s", current.get("_id"), body["payout"])
        return scrub(answer.get("payout", answer))
