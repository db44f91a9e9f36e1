"""The workflow operators (campaign access, tracking links, publisher payouts, campaign caps) against the
emulator: success, validation errors before any request, templates, and re-runs/retries that change nothing
twice."""

from __future__ import annotations

import pytest

from tests.operators.conftest import RecordingTI, api_calls
from trackier_provider.exceptions import TrackierConfigError, TrackierConnectionError, TrackierNotFoundError
from trackier_provider.operators.access import TrackierGrantCampaignAccessOperator
from trackier_provider.operators.caps import TrackierCreateCampaignCapOperator
from trackier_provider.operators.payouts import TrackierSetPublisherPayoutOperator
from trackier_provider.operators.tracking_links import TrackierCreateTrackingLinkOperator


def test_access_is_granted_once(trackier_conn, context) -> None:
    op = TrackierGrantCampaignAccessOperator(task_id="t", campaign_ids=[2, 4], publisher_ids="3,5")
    first = op.execute(context)
    assert [(g["campaign_id"], g["publisher_id"]) for g in first["granted"]] == [(2, 3), (2, 5), (4, 3), (4, 5)]
    again = op.execute(context)
    assert again == {"granted": [], "already": first["granted"]}
    assert len(api_calls(trackier_conn, "POST", "/v2/campaigns/access")) == 2  # one per campaign, first run only
    listed = trackier_conn.requests[0]["query"]
    assert listed["filters[campaignIds][]"] == ["2", "4"] and listed["filters[publisherIds][]"] == ["3", "5"]


def test_access_grants_only_what_is_missing(trackier_conn, context) -> None:
    TrackierGrantCampaignAccessOperator(task_id="t", campaign_ids=[2], publisher_ids=[3]).execute(context)
    result = TrackierGrantCampaignAccessOperator(task_id="t", campaign_ids=["{{ params.c }}"], publisher_ids=[3, 6])
    result.render_template_fields({**context, "params": {"c": 2}})
    assert result.execute(context)["granted"] == [{"campaign_id": 2, "publisher_id": 6}]


@pytest.mark.parametrize(
    ("campaigns", "field"), [(["x"], "campaign_ids"), ([0], "campaign_ids"), ([], "campaign_ids")]
)
def test_bad_access_ids_fail_before_any_request(trackier_conn, context, campaigns, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierGrantCampaignAccessOperator(task_id="t", campaign_ids=campaigns, publisher_ids=[3]).execute(context)
    assert info.value.field.startswith(field)
    assert trackier_conn.requests == []


def test_a_tracking_link_names_campaign_publisher_and_options(trackier_conn, context) -> None:
    op = TrackierCreateTrackingLinkOperator(task_id="t", campaign_id="{{ params.c }}", publisher_id=3,
                                            options={"source": "{{ params.s }}", "tracking_params": {"p1": "x"}})
    op.render_template_fields({**context, "params": {"c": 2, "s": "newsletter"}})
    link = op.execute({**context, "ti": RecordingTI(try_number=2)})  # no side effect: a retry may send it
    assert "campaign_id=2" in link["url"] and "pub_id=3" in link["url"] and "source=newsletter" in link["url"]
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/trackingLink/2/3"]


def test_a_tracking_link_for_a_missing_publisher_is_typed(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError):
        TrackierCreateTrackingLinkOperator(task_id="t", campaign_id=2, publisher_id=999).execute(context)
    with pytest.raises(TrackierConfigError) as info:
        TrackierCreateTrackingLinkOperator(task_id="t", campaign_id=2, publisher_id=3, options={"random_url": "2"})
    assert info.value.field == "data.random_url"


def _payouts(emu, campaign: int = 2) -> list[dict]:
    return [p for p in emu.store.campaigns.find(campaign)["payouts"] if p.get("pubIds")]


def test_a_publisher_payout_is_created_updated_and_left_alone(trackier_conn, context) -> None:
    set_to = lambda amount: TrackierSetPublisherPayoutOperator(  # noqa: E731
        task_id="t", campaign_id=2, publisher_id=3, payout=amount, revenue="4.5", geo=["US", "GB"])
    created = set_to(2).execute(context)
    assert context["ti"].xcom["created"] is True and created["payout"] == 2
    assert set_to("2.0").execute(context)["_id"] == created["_id"]
    assert len(api_calls(trackier_conn, "POST")) == 1  # same figures: nothing sent
    updated = set_to(3).execute(context)
    assert (updated["_id"], updated["payout"], context["ti"].xcom["created"]) == (created["_id"], 3, False)
    assert [(p["pubIds"], p["payout"]) for p in _payouts(trackier_conn)] == [("3", 3)]
    other = TrackierSetPublisherPayoutOperator(task_id="t", campaign_id=2, publisher_id=4, payout=1, revenue=2,
                                               geo=["US", "GB"]).execute(context)
    assert other["_id"] != created["_id"] and len(_payouts(trackier_conn)) == 2


def test_a_payout_whose_answer_was_lost_is_found_on_retry(trackier_conn, context) -> None:
    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/campaigns/2/payouts", "when": "after",
                             "times": 1})
    op = TrackierSetPublisherPayoutOperator(task_id="t", campaign_id=2, publisher_id=3, payout=2, revenue=3)
    with pytest.raises(TrackierConnectionError):
        op.execute(context)
    retry = {**context, "ti": RecordingTI(try_number=2)}
    assert op.execute(retry)["payout"] == 2
    assert retry["ti"].xcom["created"] is False
    assert len(_payouts(trackier_conn)) == 1


@pytest.mark.parametrize(("kwargs", "field"), [({"payout": "lots"}, "payout"), ({"revenue": -1}, "revenue")])
def test_bad_payout_figures_fail_before_any_request(trackier_conn, context, kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:  # at parse time when static, else before any request
        TrackierSetPublisherPayoutOperator(task_id="t", campaign_id=2, publisher_id=3,
                                           **{"payout": 1, "revenue": 2, **kwargs}).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_a_campaign_cap_is_created_once(trackier_conn, context) -> None:
    op = TrackierCreateCampaignCapOperator(task_id="t", campaign_id="{{ params.c }}", cap_type="conversion",
                                           daily=50, publisher_ids=[3])
    op.render_template_fields({**context, "params": {"c": 2}})
    cap = op.execute(context)
    assert (cap["daily"], cap["publisherIds"], context["ti"].xcom["created"]) == (50, [3], True)
    retry = {**context, "ti": RecordingTI(try_number=2)}
    assert op.execute(retry)["_id"] == cap["_id"] and retry["ti"].xcom["created"] is False
    assert len(api_calls(trackier_conn, "POST", "/v2/campaigns/2/caps")) == 1


@pytest.mark.parametrize(("kwargs", "field"), [({"cap_type": "sales"}, "data.type"),
                                               ({"visibility": "secret"}, "data.visibility"),
                                               ({"campaign_id": "a/b"}, "campaign_id")])
def test_bad_caps_fail_when_the_dag_is_parsed(kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierCreateCampaignCapOperator(task_id="t", **{"campaign_id": 2, "cap_type": "conversion", "daily": 1,
                                                          **kwargs})
    assert info.value.field == field


def test_no_io_when_built() -> None:
    for op in (TrackierGrantCampaignAccessOperator(task_id="a", campaign_ids=[1], publisher_ids=[2]),
               TrackierCreateTrackingLinkOperator(task_id="b", campaign_id=1, publisher_id=2),
               TrackierSetPublisherPayoutOperator(task_id="c", campaign_id=1, publisher_id=2, payout=1, revenue=2),
               TrackierCreateCampaignCapOperator(task_id="d", campaign_id=1, cap_type="click", daily=1)):
        assert "hook" not in op.__dict__
