"""``TrackierSetPublisherPayoutOperator``: a publisher-specific payout on a campaign, created or updated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.exceptions import TrackierConfigError, TrackierResponseError
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.scrubbing import scrub
from trackier_provider.validation import check_choices, check_number, check_text, is_templated
from trackier_provider.version_compat import Context


def _members(value: Any) -> frozenset[str]:
    """Ids from a list or a comma-separated string (Trackier answers ``pubIds`` as the latter)."""
    items = value.split(",") if isinstance(value, str) else (value or [])
    return frozenset(str(item).strip() for item in items if str(item).strip())


def _existing(payout: Mapping[str, Any], endpoint: str) -> tuple[str, tuple[float, float]]:
    """The id and ``(payout, revenue)`` of a payout Trackier listed, or ``TrackierResponseError`` when the
    record lacks them (an update needs the id; a figure that is not a number cannot be compared)."""
    payout_id = payout.get("_id")
    if isinstance(payout_id, int) and not isinstance(payout_id, bool):
        payout_id = str(payout_id)
    if not isinstance(payout_id, str) or not payout_id.strip():
        raise TrackierResponseError(
            f"a listed payout has no _id ({str(dict(payout))[:200]}), so it cannot be updated", method="GET",
            endpoint=endpoint,
        )
    figures = []
    for name in ("payout", "revenue"):
        value = payout.get(name)
        try:
            figures.append(check_number(name, value, at_least=0, from_text=True, required=True))
        except TrackierConfigError:
            raise TrackierResponseError(
                f"payout {payout_id} has {name}={value!r}, which is not a number >= 0", method="GET",
                endpoint=endpoint,
            ) from None
    return payout_id, (figures[0], figures[1])


def _payout_of(answer: Any, method: str, endpoint: str) -> dict[str, Any]:
    """The payout object of a create or update answer (``{"payout": {...}}`` or the object itself)."""
    payout = answer.get("payout", answer) if isinstance(answer, Mapping) else None
    if not isinstance(payout, Mapping):
        raise TrackierResponseError(
            f"expected a payout object, got {str(answer)[:200]}", method=method, endpoint=endpoint
        )
    return dict(payout)


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
        listed = prepare(OPERATIONS["campaigns.payouts.list"], call.ids)
        current = next((p for p in self.hook.records(listed)
                        if isinstance(p, Mapping)
                        and (_members(p.get("pubIds")), str(p.get("goalId") or ""), _members(p.get("geo"))) == wanted),
                       None)
        context["ti"].xcom_push(key="created", value=False)
        if current is None:
            create = prepare(call.operation, call.ids, data=body)
            created = _payout_of(self.hook.call(create), "POST", create.path)
            context["ti"].xcom_push(key="created", value=True)
            self.log.info("Created payout %s for publisher %s", created.get("_id"), body["pubIds"])
            return scrub(created)
        payout_id, figures = _existing(current, listed.path)
        if figures == (body["payout"], body["revenue"]):
            self.log.info("Payout %s already pays %s", payout_id, body["payout"])
            return scrub(dict(current))
        update = prepare(OPERATIONS["campaigns.payouts.update"], {**call.ids, "payout_id": payout_id}, data=body)
        answer = self.hook.call(update)
        self.log.info("Updated payout %s to %s", payout_id, body["payout"])
        return scrub(_payout_of(answer, "PUT", update.path))
