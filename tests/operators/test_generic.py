"""TrackierOperator: any operation by name (checked against the catalogue) or any endpoint by path; typed
errors, templating, create-if-absent, retry safety, no I/O before execute."""

from __future__ import annotations

import json

import pytest

from tests.conftest import connection_json
from tests.operators.conftest import api_calls
from trackier_provider.exceptions import (
    TrackierAuthenticationError,
    TrackierConfigError,
    TrackierNotFoundError,
    TrackierValidationError,
)
from trackier_provider.operators.generic import TrackierOperator


def test_get_with_response_key(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", endpoint="/v2/campaigns/3", response_key="campaign")
    campaign = op.execute(context)
    assert campaign["id"] == 3
    assert api_calls(trackier_conn, "GET", "/v2/campaigns/3")[0]["key_present"] is True


def test_post_body_and_query(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", method="post", endpoint="/v2/categories", data={"name": "Escape hatch"})
    answer = op.execute(context)
    assert answer["category"]["name"] == "Escape hatch"
    assert any(c["name"] == "Escape hatch" for c in trackier_conn.store.categories.values())


def test_nested_query_is_php_style(trackier_conn, context) -> None:
    op = TrackierOperator(
        task_id="t", endpoint="/v2/campaigns", query={"filters": {"status": "paused"}, "limit": 5},
        response_key="campaigns",
    )
    campaigns = op.execute(context)
    assert campaigns and all(c["status"] == "paused" for c in campaigns)
    assert api_calls(trackier_conn, "GET", "/v2/campaigns")[0]["query"]["filters[status]"] == ["paused"]


def test_not_found_is_typed(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", endpoint="/v2/campaigns/99999")
    with pytest.raises(TrackierNotFoundError) as info:
        op.execute(context)
    assert info.value.code == "109"


def test_validation_is_typed(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={})
    with pytest.raises(TrackierValidationError) as info:
        op.execute(context)
    assert info.value.code == "107"
    assert "name" in info.value.message


def test_bad_key_is_an_authentication_error(trackier_conn, context, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_conn.base_url, "wrong-key-123"))
    with pytest.raises(TrackierAuthenticationError) as info:
        TrackierOperator(task_id="t", endpoint="/v2/campaigns").execute(context)
    assert "wrong-key-123" not in str(info.value)


@pytest.mark.parametrize("endpoint", ["campaigns", "/v2/../admin", "/v2/login"])
def test_bad_endpoint_fails_before_any_request(trackier_conn, context, endpoint: str) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierOperator(task_id="t", endpoint=endpoint, method="POST").execute(context)
    assert info.value.field == "endpoint"
    assert trackier_conn.requests == []


def test_bad_method_fails_at_parse_time() -> None:
    with pytest.raises(TrackierConfigError, match="method"):
        TrackierOperator(task_id="t", endpoint="/v2/campaigns", method="FETCH")


def test_templates_render(trackier_conn, context) -> None:
    op = TrackierOperator(
        task_id="t", endpoint="/v2/campaigns/{{ params.campaign }}", query={"limit": "{{ params.limit }}"},
        params={"campaign": 7, "limit": 2},
    )
    op.render_template_fields({**context, "params": {"campaign": 7, "limit": 2}})
    assert op.endpoint == "/v2/campaigns/7"
    assert op.query == {"limit": "2"}
    assert op.execute(context)["campaign"]["id"] == 7


def test_no_io_in_init() -> None:
    op = TrackierOperator(task_id="t", endpoint="/v2/campaigns", trackier_conn_id="does_not_exist")
    assert "hook" not in op.__dict__


LOGIN_BODY = {"email": "admin@example.com", "password": "Emulator@123", "networkUrl": "https://demo.trackier.test"}


@pytest.mark.parametrize(
    "endpoint",
    [
        "/v2/login", "/v2/login/", "v2/login", "/v2//login", "/v2/./login", "/v2/x/../login", "/v2/%6Cogin",
        "/v2/%6cogin", "/v2/%252e/login", "/v2/LOGIN", "/v2/Login/", "/v2/%2E%2E/v2/login", " /v2/login ",
    ],
)
def test_every_spelling_of_the_login_path_is_refused(trackier_conn, context, endpoint) -> None:
    op = TrackierOperator(task_id="t", method="POST", endpoint=endpoint, data=LOGIN_BODY)
    with pytest.raises(TrackierConfigError, match="login answer holds an API key"):
        op.execute(context)
    assert trackier_conn.requests == []


@pytest.mark.parametrize(
    "endpoint", ["/v2/login?x=1", "/v2/login#frag", "/v2/login%3Fx=1", "/v2/camp\naigns", "/v2/a\\b", "/v3/x",
                 "/v2/..", "https://evil.example/v2/campaigns", "", 5],
)
def test_paths_that_are_not_plain_admin_paths_are_refused(trackier_conn, context, endpoint) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierOperator(task_id="t", endpoint=endpoint).execute(context)
    assert info.value.field == "endpoint"
    assert trackier_conn.requests == []


def test_the_checked_path_is_the_path_sent(trackier_conn, context) -> None:
    TrackierOperator(task_id="t", endpoint="/v2/campaigns/x/../3/", response_key="campaign").execute(context)
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/campaigns/3"]


CATEGORY_EXISTS = {"endpoint": "/v2/categories", "records": "categories", "match": {"name": "{{ params.name }}"}}


def test_exists_returns_the_object_an_earlier_try_created(trackier_conn, context) -> None:
    """A create whose answer was lost (connection dropped after the server acted) is not repeated."""
    from tests.operators.conftest import RecordingTI
    from trackier_provider.exceptions import TrackierConnectionError

    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/categories", "when": "after",
                             "times": 1})
    op = TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={"name": "{{ params.name }}"},
                          exists=CATEGORY_EXISTS)
    op.render_template_fields({**context, "params": {"name": "Retried Travel"}})
    with pytest.raises(TrackierConnectionError):
        op.execute(context)
    retry = {**context, "ti": RecordingTI(try_number=2)}
    found = op.execute(retry)
    named = [c for c in trackier_conn.store.categories.values() if c["name"] == "Retried Travel"]
    assert len(named) == 1
    assert found["_id"] == named[0]["_id"]
    assert retry["ti"].xcom["created"] is False
    assert len(api_calls(trackier_conn, "POST", "/v2/categories")) == 1


def test_exists_creates_when_absent(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={"name": "Brand new"},
                          exists={**CATEGORY_EXISTS, "match": {"name": "brand NEW "}})
    answer = op.execute(context)
    assert answer["category"]["name"] == "Brand new"
    assert context["ti"].xcom["created"] is True
    again = op.execute(context)  # case- and space-insensitive match finds it now
    assert again["name"] == "Brand new"
    assert len(api_calls(trackier_conn, "POST", "/v2/categories")) == 1


def test_a_retried_post_without_exists_is_not_sent_blindly(trackier_conn, context) -> None:
    from tests.operators.conftest import RecordingTI

    op = TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={"name": "Once"})
    with pytest.raises(TrackierConfigError, match="try 2") as info:
        op.execute({**context, "ti": RecordingTI(try_number=2)})
    assert info.value.field == "exists"
    assert trackier_conn.requests == []
    idempotent = TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={"name": "Once"},
                                  idempotent=True)
    idempotent.execute({**context, "ti": RecordingTI(try_number=2)})
    assert len(api_calls(trackier_conn, "POST", "/v2/categories")) == 1


@pytest.mark.parametrize(
    ("exists", "field"),
    [
        ({"endpoint": "/v2/categories"}, "exists"),
        ({"endpoint": "/v2/categories", "records": "categories", "match": {}}, "exists.match"),
        ({"endpoint": "/v2/../x", "records": "categories", "match": {"name": "a"}}, "exists.endpoint"),
        ({"endpoint": "/v2/categories", "records": "", "match": {"name": "a"}}, "exists.records"),
        ({**CATEGORY_EXISTS, "paging": "sideways"}, "exists.paging"),
        ({**CATEGORY_EXISTS, "colour": "red"}, "exists"),
        ("name", "exists"),
    ],
)
def test_bad_exists_is_refused_before_any_request(trackier_conn, context, exists, field) -> None:
    op = TrackierOperator(task_id="t", method="POST", endpoint="/v2/categories", data={"name": "x"}, exists=exists)
    with pytest.raises(TrackierConfigError) as info:
        op.execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


# ----------------------------------------------------------------------------- operation= (the catalogue)
def test_a_list_operation_reads_every_page(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.list", query={"filters": {"status": "active"}, "limit": 4})
    campaigns = op.execute(context)
    assert len(campaigns) > 4 and all(c["status"] == "active" for c in campaigns)
    pages = api_calls(trackier_conn, "GET", "/v2/campaigns")
    assert len(pages) == -(-len(campaigns) // 4) + 1
    assert all(p["query"]["limit"] == ["4"] for p in pages)


def test_a_list_operation_streams_to_output_path(trackier_conn, context, tmp_path) -> None:
    target = tmp_path / "caps.jsonl"
    for daily in (5, 6, 7):
        TrackierOperator(task_id="c", operation="campaigns.caps.create", path_params={"campaign_id": 2},
                         data={"type": "conversion", "visibility": "public", "pubCapType": "group", "daily": daily,
                               "goalId": f"goal-{daily}"}).execute(context)
    op = TrackierOperator(task_id="t", operation="campaigns.caps.list", path_params={"campaign_id": 2},
                          output_path=str(target))
    summary = op.execute(context)
    assert summary == {"path": str(target), "rows": 3, "start": None, "end": None, "timezone": None}
    assert [json.loads(line)["daily"] for line in target.read_text().splitlines()] == [5, 6, 7]


def test_too_many_records_for_xcom_point_at_output_path(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", operation="publishers.list", max_xcom_rows=3)
    with pytest.raises(TrackierConfigError, match="read more than 3 records") as info:
        op.execute(context)
    assert info.value.field == "max_xcom_rows" and "output_path" in info.value.fix


def test_a_create_with_a_natural_key_creates_once(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.goals.create", path_params={"campaign_id": 2},
                          data={"title": "Purchase", "value": "purchase", "type": "public", "payout_model": "fixed",
                                "payouts": [{"payout": 1, "revenue": 2, "geo": ["US"]}]})
    first = op.execute(context)
    assert context["ti"].xcom["created"] is True
    again = op.execute(context)
    assert context["ti"].xcom["created"] is False
    assert again["_id"] == first["_id"]
    assert len(api_calls(trackier_conn, "POST", "/v2/campaigns/2/goals")) == 1
    # A lookup before each create, and one after the create that checks no other task created the same goal.
    assert len(api_calls(trackier_conn, "GET", "/v2/campaigns/2/goals")) == 3


def test_a_create_whose_answer_was_lost_is_found_on_retry(trackier_conn, context) -> None:
    from tests.operators.conftest import RecordingTI
    from trackier_provider.exceptions import TrackierConnectionError

    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/publishers", "when": "after", "times": 1})
    op = TrackierOperator(task_id="t", operation="publishers.create",
                          data={"name": "Lost", "email": "{{ params.email }}", "password": "Secret@123"})
    op.render_template_fields({**context, "params": {"email": "lost@example.com"}})
    with pytest.raises(TrackierConnectionError):
        op.execute(context)
    retry = {**context, "ti": RecordingTI(try_number=2)}
    found = op.execute(retry)
    assert found["email"] == "lost@example.com" and "password" not in found
    assert retry["ti"].xcom["created"] is False
    assert len(api_calls(trackier_conn, "POST", "/v2/publishers")) == 1
    assert api_calls(trackier_conn, "GET", "/v2/publishers")[0]["query"]["filters[email]"] == ["lost@example.com"]


def test_if_exists_fail_and_create(trackier_conn, context) -> None:
    from trackier_provider.exceptions import TrackierObjectExistsError

    data = {"name": "Twice"}
    TrackierOperator(task_id="t", operation="categories.create", data=data).execute(context)
    with pytest.raises(TrackierObjectExistsError, match="name='Twice'"):
        TrackierOperator(task_id="t", operation="categories.create", data=data, if_exists="fail").execute(context)
    TrackierOperator(task_id="t", operation="categories.create", data=data, if_exists="create").execute(context)
    assert sum(c["name"] == "Twice" for c in trackier_conn.store.categories.values()) == 2


def test_a_retried_create_without_natural_key_is_not_sent_blindly(trackier_conn, context) -> None:
    from tests.operators.conftest import RecordingTI

    kwargs = {"task_id": "t", "operation": "campaigns.notes.create", "path_params": {"campaign_id": 2},
              "data": {"message": "hello"}}
    with pytest.raises(TrackierConfigError, match="try 2") as info:
        TrackierOperator(**kwargs).execute({**context, "ti": RecordingTI(try_number=2)})
    assert info.value.field == "idempotent"
    assert trackier_conn.requests == []
    TrackierOperator(**kwargs, idempotent=True).execute({**context, "ti": RecordingTI(try_number=2)})
    assert len(api_calls(trackier_conn, "POST", "/v2/campaigns/2/notes")) == 1


def test_an_idempotent_operation_may_be_retried(trackier_conn, context) -> None:
    from tests.operators.conftest import RecordingTI

    op = TrackierOperator(task_id="t", operation="campaigns.update", path_params={"campaign_id": 5},
                          data={"status": "paused"}, response_key="campaign.status")
    assert op.execute({**context, "ti": RecordingTI(try_number=3)}) == "paused"


def test_operation_templates_render(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.get", path_params={"campaign_id": "{{ params.c }}"},
                          response_key="campaign")
    op.render_template_fields({**context, "params": {"c": 7}})
    assert op.path_params == {"campaign_id": "7"}
    assert op.execute(context)["id"] == 7
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/campaigns/7"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"operation": "campaigns.caps.upsert"}, "operation"),
        ({"operation": "auth.login", "data": LOGIN_BODY}, "operation"),
        ({"operation": "campaigns.get"}, "path_params"),
        ({"operation": "campaigns.get", "path_params": {"campaign_id": ".."}}, "campaign_id"),
        ({"operation": "campaigns.list", "query": {"orderBy": "popularity"}}, "query.orderBy"),
        ({"operation": "campaigns.list", "query": {"colour": "red"}}, "query.colour"),
        ({"operation": "publishers.create", "data": {"name": "N", "email": "n@example.com"}}, "data.password"),
        ({"operation": "campaigns.get", "path_params": {"campaign_id": 1}, "method": "POST"}, "method"),
        ({"operation": "campaigns.get", "path_params": {"campaign_id": 1}, "output_path": "/tmp/x.jsonl"},
         "output_path"),
        ({"operation": "campaigns.list", "output_path": "/tmp/x.parquet"}, "output_path"),
        ({"operation": "categories.create", "data": {"name": "x"}, "exists": CATEGORY_EXISTS}, "exists"),
        ({"endpoint": "/v2/campaigns", "path_params": {"campaign_id": 1}}, "path_params"),
        ({"operation": "campaigns.list", "endpoint": "/v2/campaigns"}, "operation"),
        ({}, "operation"),
    ],
)
def test_static_mistakes_fail_when_the_dag_is_parsed(kwargs, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierOperator(task_id="t", **kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"operation": "campaigns.list", "query": {"direction": "{{ params.x }}"}}, "query.direction"),
        ({"operation": "campaigns.caps.list", "path_params": {"campaign_id": "{{ params.x }}"}}, "campaign_id"),
        ({"operation": "incent_offers.list", "query": {"pubId": "1", "source": "{{ params.empty }}"}},
         "query.source"),
    ],
)
def test_rendered_mistakes_fail_before_any_request(trackier_conn, context, kwargs, field) -> None:
    op = TrackierOperator(task_id="t", **kwargs)
    op.render_template_fields({**context, "params": {"x": "../3", "empty": ""}})
    with pytest.raises(TrackierConfigError) as info:
        op.execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_operation_errors_are_typed(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError):
        TrackierOperator(task_id="t", operation="campaigns.caps.list", path_params={"campaign_id": 999}).execute(
            context)
    campaign = {"advertiserId": 999, "title": "T", "url": "https://example.com/", "currency": "USD",
                "convTracking": "postback", "payouts": [{"payout": 1, "revenue": 2, "geo": ["US"]}]}
    with pytest.raises(TrackierValidationError, match="advertiserId") as info:
        TrackierOperator(task_id="t", operation="campaigns.create", data=campaign, if_exists="create").execute(
            context)
    assert info.value.code == "107"
