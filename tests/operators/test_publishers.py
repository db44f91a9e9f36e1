"""Publishers: filtered listing, create-if-absent by email, passwords kept secret, retry after a dropped POST."""

from __future__ import annotations

import pytest

from tests.operators.conftest import PANEL_URL, api_calls
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierConnectionError,
    TrackierObjectExistsError,
    TrackierValidationError,
)
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator, TrackierFetchPublishersOperator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

CANARY_PASSWORD = "Canary#7f3a9X"


def _create(**overrides):
    args = {"task_id": "create", "name": "Acme Media", "email": "ops@acme.example", "password": CANARY_PASSWORD}
    return TrackierCreatePublisherOperator(**{**args, **overrides})


def _redact(value):
    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk._shared.secrets_masker import redact
    else:
        from airflow.utils.log.secrets_masker import redact
    return redact(value)


def test_fetch_with_filters(trackier_conn, context) -> None:
    publishers = TrackierFetchPublishersOperator(task_id="p", filters={"status": "active"}).execute(context)
    assert publishers and all(p["status"] == "active" for p in publishers)
    assert api_calls(trackier_conn, "GET", "/v2/publishers")[0]["query"]["filters[status]"] == ["active"]


def test_create_returns_publisher_without_password(panel_conn, context, task_output) -> None:
    publisher = _create(company="Acme", tags=["vip"], send_email=False).execute(context)
    assert publisher["email"] == "ops@acme.example" and publisher["company"] == "Acme"
    assert "password" not in publisher
    written = task_output.assert_free_of([CANARY_PASSWORD], publisher, context["ti"].xcom)
    assert f"Created publisher {publisher['id']}" in written  # the operator's own log is among what was read
    assert context["ti"].xcom["trackier_panel_url"] == f"{PANEL_URL}/admin/publishers/{publisher['id']}"


def test_existing_email_is_returned_case_insensitively(trackier_conn, context) -> None:
    first = _create().execute(context)
    second = _create(email="OPS@acme.example").execute(context)
    assert second["id"] == first["id"]
    assert len(api_calls(trackier_conn, "POST", "/v2/publishers")) == 1
    assert api_calls(trackier_conn, "GET", "/v2/publishers")[-1]["query"]["filters[email]"] == ["OPS@acme.example"]


def test_if_exists_fail(trackier_conn, context) -> None:
    _create().execute(context)
    with pytest.raises(TrackierObjectExistsError) as info:
        _create(if_exists="fail").execute(context)
    assert "ops@acme.example" in str(info.value) and CANARY_PASSWORD not in str(info.value)


def test_if_exists_create_hits_trackiers_duplicate_check(trackier_conn, context) -> None:
    _create().execute(context)
    with pytest.raises(TrackierValidationError) as info:
        _create(if_exists="create").execute(context)
    assert info.value.code == "107"


def test_retry_after_dropped_post_leaves_exactly_one(trackier_conn, context) -> None:
    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/publishers", "when": "after", "times": 1})
    op = _create()
    with pytest.raises(TrackierConnectionError) as info:
        op.execute(context)
    assert info.value.before_send is False
    retried = _create().execute(context)  # what Airflow's task retry does: a fresh execute
    assert context["ti"].xcom["created"] is False
    matching = [p for p in trackier_conn.store.publishers.values() if p["email"] == "ops@acme.example"]
    assert len(matching) == 1
    assert retried["id"] == matching[0]["id"]
    assert len(api_calls(trackier_conn, "POST", "/v2/publishers")) == 1


@pytest.mark.parametrize("password", ["short1@A", "nouppercase1@", "NoSpecial123", "Has!Bang123"])
def test_weak_password_fails_before_any_request(trackier_conn, context, password: str) -> None:
    if password == "short1@A":
        password = "Sh1@"
    with pytest.raises(TrackierConfigError) as info:
        _create(password=password).execute(context)
    assert info.value.problem == "Password criteria not met!"
    assert password not in str(info.value)
    assert trackier_conn.requests == []


def test_bad_email_fails_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="email"):
        _create(email="not-an-email").execute(context)
    assert trackier_conn.requests == []


def test_rendered_password_is_masked(trackier_conn, context) -> None:
    canary = "Rendered#Canary9"
    op = _create(password="{{ params.pw }}", email="{{ params.email }}")
    op.render_template_fields({**context, "params": {"pw": canary, "email": "r@acme.example"}})
    assert op.publisher_email == "r@acme.example"
    assert op.email is None  # BaseOperator's alert address is left alone
    assert op.password == canary
    assert canary not in str(_redact(op.password))
    assert canary not in str(_redact({"message": f"logging {canary}"}))


def test_unknown_status_fails_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError) as info:
        _create(status="live").execute(context)
    assert info.value.field == "status" and "active" in info.value.fix
    assert trackier_conn.requests == []


def test_email_is_sent_without_surrounding_whitespace(trackier_conn, context) -> None:
    publisher = _create(email="ops@acme.example\n").execute(context)
    assert publisher["email"] == "ops@acme.example"
    assert api_calls(trackier_conn, "GET", "/v2/publishers")[0]["query"]["filters[email]"] == ["ops@acme.example"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"send_email": "no"}, "send_email"), ({"region": {"x": float("nan")}}, "region.x"),
     ({"custom_fields": "x"}, "custom_fields"), ({"username": 5}, "username")],
)
def test_optional_fields_are_checked_when_the_task_is_built(kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        _create(**kwargs)
    assert info.value.field == field


def test_filters_must_be_a_dict(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="filters: must be a dict, got list"):
        TrackierFetchPublishersOperator(task_id="p", filters=[1]).execute(context)
    assert trackier_conn.requests == []
