"""Every create operator, a read and an error, against a panel that echoes credentials in its answers (the
emulator's ``echo_credentials`` fault: a password, an API key, a token, a security token and a postback URL
carrying one, with canary values, in every object of every answer): nothing of the canaries reaches the
return value, XCom, stdout, stderr, the log or an error text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trackier_provider.emulator.faults import ECHOED_CANARIES
from trackier_provider.exceptions import TrackierValidationError
from trackier_provider.operators.access import TrackierGrantCampaignAccessOperator
from trackier_provider.operators.campaigns import TrackierCreateCampaignOperator
from trackier_provider.operators.caps import TrackierCreateCampaignCapOperator
from trackier_provider.operators.categories import TrackierCreateCategoryOperator
from trackier_provider.operators.conversions import TrackierUploadConversionsOperator
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.operators.payouts import TrackierSetPublisherPayoutOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator, TrackierFetchPublishersOperator
from trackier_provider.operators.tracking_links import TrackierCreateTrackingLinkOperator
from trackier_provider.scrubbing import REDACTED

#: One call of every operator that creates something, as a task would make it.
CREATES: dict[str, Callable[[], Any]] = {
    "publisher": lambda: TrackierCreatePublisherOperator(
        task_id="t", name="Echo Media", email="echo@acme.example", password="Echo#Pass9x"
    ),
    "campaign": lambda: TrackierCreateCampaignOperator(
        task_id="t", advertiser_id="2", title="Echo campaign", url="https://x.example/?c={click_id}",
        currency="USD", conv_tracking="postback", payouts=[{"payout": 1.2, "revenue": 1.5, "geo": ["US"]}],
    ),
    "category": lambda: TrackierCreateCategoryOperator(task_id="t", name="Echoed"),
    "campaign_cap": lambda: TrackierCreateCampaignCapOperator(
        task_id="t", campaign_id=2, cap_type="conversion", daily=10
    ),
    "campaign_access": lambda: TrackierGrantCampaignAccessOperator(task_id="t", campaign_ids=[2], publisher_ids=[3]),
    "publisher_payout": lambda: TrackierSetPublisherPayoutOperator(
        task_id="t", campaign_id=2, publisher_id=3, payout=1.1, revenue=1.4
    ),
    "tracking_link": lambda: TrackierCreateTrackingLinkOperator(task_id="t", campaign_id=2, publisher_id=3),
    "conversions_upload": lambda: TrackierUploadConversionsOperator(
        task_id="t", conversions=[{"click_id": "echo-click-1", "sale_amount": 3}]
    ),
    "generic_operation": lambda: TrackierOperator(
        task_id="t", operation="advertisers.create",
        data={"name": "Echo Adv", "email": "echo-adv@acme.example", "password": "Echo#Adv9x"},
    ),
    "generic_endpoint": lambda: TrackierOperator(
        task_id="t", method="POST", endpoint="/v2/categories", data={"name": "Echo escape hatch"}
    ),
}


@pytest.fixture
def echoing_panel(panel_conn):
    """The emulator (with ``panel_url`` set, so links reach XCom too), echoing credentials in every answer."""
    panel_conn.add_fault({"kind": "echo_credentials"})
    return panel_conn


def test_the_fault_echoes_every_canary(echoing_panel) -> None:
    """The guard of the tests below: the panel really does send the canaries."""
    import requests

    answer = requests.get(
        f"{echoing_panel.base_url}/v2/categories", headers={"X-Api-Key": echoing_panel.api_key}, timeout=10
    ).text
    assert all(canary in answer for canary in ECHOED_CANARIES)


@pytest.mark.parametrize("name", sorted(CREATES))
def test_create_answers_reach_nothing_with_their_credentials(echoing_panel, context, task_output, name) -> None:
    result = CREATES[name]().execute(context)
    assert result  # the operation ran: a created object, a job id, a link
    written = task_output.assert_free_of(ECHOED_CANARIES, result, context["ti"].xcom)
    assert written  # the operator logged what it did, and that was read
    if isinstance(result, dict) and "postback_url" in result:  # kept, its token replaced
        assert f"security_token={REDACTED}" in result["postback_url"]


def test_read_answers_reach_nothing_with_their_credentials(echoing_panel, context, task_output) -> None:
    records = TrackierFetchPublishersOperator(task_id="t").execute(context)
    assert records and all("password" not in record for record in records)
    got = TrackierOperator(task_id="g", operation="advertisers.list").execute(context)
    task_output.assert_free_of(ECHOED_CANARIES, records, got, context["ti"].xcom)


def test_error_answers_reach_no_error_text_with_their_credentials(echoing_panel, context, task_output) -> None:
    """The panel's error envelope (a refused body) echoes the credentials too."""
    with pytest.raises(TrackierValidationError) as info:
        TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={}).execute(context)
    task_output.assert_free_of(ECHOED_CANARIES, str(info.value), repr(info.value), info.value.args)
