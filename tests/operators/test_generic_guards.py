"""Cases of issue 21 that no test guarded: removing the guard left the suite green. Each runs the generic
operator over HTTP against the emulator.

- a ``response_key`` that matches nothing in the answer fails (it returned None with success);
- a catalogue body's number rendered as text is sent as the number (a templated cap ``daily="10"``), and text
  that is not exactly a whole number is refused before any request;
- a weak password in ``publishers.create``'s body is refused by the generic operator before any request, as
  by the typed one, without the password in the message.
"""

from __future__ import annotations

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError, TrackierResponseError
from trackier_provider.operators.generic import TrackierOperator

CAP = {"type": "conversion", "visibility": "public", "pubCapType": "group", "goalId": "goal-t"}


def test_a_response_key_that_matches_nothing_fails(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", endpoint="/v2/campaigns/3", response_key="campaing")
    with pytest.raises(TrackierResponseError, match="nothing at response_key 'campaing'") as info:
        op.execute(context)
    assert "campaign" in str(info.value)  # the keys the answer has, to spot the typo
    assert len(api_calls(trackier_conn, "GET", "/v2/campaigns/3")) == 1


def test_a_templated_number_in_a_body_is_sent_as_the_number(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="c", operation="campaigns.caps.create", path_params={"campaign_id": 2},
                          data={**CAP, "daily": "{{ params.daily }}"})
    op.render_template_fields({**context, "params": {"daily": 10}})
    assert op.data["daily"] == "10"  # rendered as text
    op.execute(context)
    listed = TrackierOperator(task_id="l", operation="campaigns.caps.list", path_params={"campaign_id": 2}
                              ).execute(context)
    assert [cap["daily"] for cap in listed if cap.get("goalId") == "goal-t"] == [10]


@pytest.mark.parametrize("rendered", ["0x10", "ten", "1e400", "NaN"])
def test_a_templated_body_number_that_is_not_exact_is_refused_before_any_request(trackier_conn, context,
                                                                                   rendered) -> None:
    with pytest.raises(TrackierConfigError, match=r"data\.daily"):  # a static value: when the DAG is parsed
        TrackierOperator(task_id="c", operation="campaigns.caps.create", path_params={"campaign_id": 2},
                         data={**CAP, "daily": rendered})
    op = TrackierOperator(task_id="c", operation="campaigns.caps.create", path_params={"campaign_id": 2},
                          data={**CAP, "daily": "{{ params.daily }}"})
    op.render_template_fields({**context, "params": {"daily": rendered}})
    with pytest.raises(TrackierConfigError, match=r"data\.daily"):  # a rendered one: before any request
        op.execute(context)
    assert trackier_conn.requests == []


def test_a_weak_password_is_refused_by_the_generic_operator_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="Password criteria not met!") as info:
        TrackierOperator(task_id="p", operation="publishers.create",
                         data={"name": "Weak", "email": "weak@example.com", "password": "weakpass1"})
    assert info.value.field == "data.password"
    op = TrackierOperator(task_id="p", operation="publishers.create",
                          data={"name": "Weak", "email": "weak@example.com", "password": "{{ params.password }}"})
    op.render_template_fields({**context, "params": {"password": "weakpass1"}})
    with pytest.raises(TrackierConfigError, match="Password criteria not met!") as info:
        op.execute(context)
    assert info.value.field == "data.password"
    assert "weakpass1" not in str(info.value)
    assert trackier_conn.requests == []


@pytest.mark.parametrize(("limits", "message"), [
    ({"daily": -5}, "daily: must not be negative"),
    ({"daily": "{{ params.daily }}"}, "daily: must not be negative"),  # rendered to "-5"
    ({}, "one of hourly, daily, monthly, lifetime is required"),  # a cap that caps nothing
])
def test_a_negative_or_missing_cap_limit_is_refused_before_any_request(trackier_conn, context, limits, message):
    """One rule (the catalogue's ``Cap`` model) for the generic operator, ``hook.api`` and the emulator."""
    from trackier_provider.hooks.trackier import TrackierHook

    def build() -> TrackierOperator:
        op = TrackierOperator(task_id="c", operation="campaigns.caps.create", path_params={"campaign_id": 2},
                              data={**CAP, **limits})
        op.render_template_fields({**context, "params": {"daily": -5}})
        op.execute(context)
        return op

    with pytest.raises(TrackierConfigError, match=message):
        build()
    if "{{" not in str(limits):
        with pytest.raises(TrackierConfigError, match=message.split(": ")[-1]):
            TrackierHook().api.campaigns.caps.create(campaign_id=2, data={**CAP, **limits})
    assert api_calls(trackier_conn, "POST", "/v2/campaigns/2/caps") == []
    # The emulator applies the same rule, with Trackier's 107 envelope.
    import requests

    answer = requests.post(f"{trackier_conn.base_url}/v2/campaigns/2/caps", json={**CAP, "daily": -5},
                           headers={"X-Api-Key": trackier_conn.api_key}, timeout=30)
    assert answer.status_code == 400 and "107" in answer.text and "daily" in answer.text
