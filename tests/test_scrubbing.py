"""The one scrubber: credentials in answers never reach XCom, logs or exception text (canary values)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CANARY_KEY, connection_json
from tests.operators.conftest import RecordingTI
from trackier_provider.exceptions import TrackierAPIError
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.scrubbing import REDACTED, scrub, scrub_text

CANARY_TOKEN = "tok-canary-91b2c3d4e5f6"
CANARY_PASSWORD = "Pw-canary@2026"


def test_scrub_removes_every_credential_field() -> None:
    answer = {
        "data": {"key": CANARY_KEY, "user": {"id": 1, "email": "a@example.com", "password": CANARY_PASSWORD}},
        "advertiser": {"id": 7, "meta": {"security_token": CANARY_TOKEN, "currency": "USD"}},
        "items": [{"apiKey": CANARY_KEY, "API_KEY": CANARY_KEY, "Token": CANARY_TOKEN, "name": "kept"}],
        "key": "a-field-named-key-elsewhere-is-data",
    }
    clean = scrub(answer)
    blob = json.dumps(clean)
    assert CANARY_KEY not in blob and CANARY_TOKEN not in blob and CANARY_PASSWORD not in blob
    assert clean["data"]["user"] == {"id": 1, "email": "a@example.com"}
    assert clean["advertiser"]["meta"] == {"currency": "USD"}
    assert clean["items"] == [{"name": "kept"}]
    assert clean["key"] == "a-field-named-key-elsewhere-is-data"


@pytest.mark.parametrize(
    "text",
    [
        f"https://postback.example/acq?click_id=1&security_token={CANARY_TOKEN}&x=2",
        f"/pb?apiKey={CANARY_KEY}",
        f"/pb?api_key[]={CANARY_KEY}",
        f"/pb?filters%5Bpassword%5D=1&password={CANARY_PASSWORD}",
        f'{{"data": {{"key": "{CANARY_KEY}"}}}}',
        f'{{"password" : "{CANARY_PASSWORD}"}}',
    ],
)
def test_scrub_text_redacts_secret_parameters_and_fields(text) -> None:
    clean = scrub_text(text)
    assert CANARY_KEY not in clean and CANARY_TOKEN not in clean and CANARY_PASSWORD not in clean
    assert REDACTED in clean


def test_urls_inside_answers_are_scrubbed() -> None:
    clean = scrub({"logs": [{"url": f"/acquisition?click_id=9&security_token={CANARY_TOKEN}&sale_amount=5"}]})
    assert clean == {"logs": [{"url": "/acquisition?click_id=9&security_token=***&sale_amount=5"}]}


@pytest.fixture
def context() -> dict:
    return {"ti": RecordingTI()}


@pytest.fixture
def canary_conn(trackier_emulator, monkeypatch):
    """``trackier_default`` on the emulator with the canary key, one attempt per call."""
    trackier_emulator.reset()
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(trackier_emulator.base_url, trackier_emulator.api_key, max_retries=0),
    )
    return trackier_emulator


def test_generic_answer_with_credentials_reaches_xcom_without_them(canary_conn, context, task_output) -> None:
    body = json.dumps({"success": True, "data": {"key": CANARY_KEY, "user": {"id": 1}},
                       "advertisers": [{"id": 1, "meta": {"security_token": CANARY_TOKEN}}]})
    canary_conn.add_fault({"kind": "replace_body", "body": body, "path": "/v2/advertisers"})
    result = TrackierOperator(task_id="t", endpoint="/v2/advertisers").execute(context)
    task_output.assert_free_of([CANARY_KEY, CANARY_TOKEN], result, context["ti"].xcom)
    assert result["data"] == {"user": {"id": 1}}


def test_error_text_never_quotes_a_credential(canary_conn, context) -> None:
    body = json.dumps({"oops": {"key": CANARY_KEY}, "url": f"/x?security_token={CANARY_TOKEN}"})
    canary_conn.add_fault({"kind": "non_json", "status": 400, "body": body, "path": "/v2/advertisers"})
    with pytest.raises(TrackierAPIError) as info:
        TrackierOperator(task_id="t", endpoint="/v2/advertisers").execute(context)
    assert "unrecognised error body" in str(info.value)
    assert CANARY_KEY not in str(info.value) and CANARY_TOKEN not in str(info.value)
