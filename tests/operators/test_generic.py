"""TrackierOperator: any endpoint, typed errors, templating, no I/O before execute."""

from __future__ import annotations

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
