"""Categories: create-if-absent by name, rename, delete, list."""

from __future__ import annotations

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierConnectionError,
    TrackierNotFoundError,
    TrackierObjectExistsError,
)
from trackier_provider.operators.categories import (
    TrackierCreateCategoryOperator,
    TrackierDeleteCategoryOperator,
    TrackierFetchCategoriesOperator,
    TrackierUpdateCategoryOperator,
)


def test_create_and_reuse_by_name(trackier_conn, context) -> None:
    created = TrackierCreateCategoryOperator(task_id="c", name="Crypto").execute(context)
    assert created["name"] == "Crypto" and created["_id"]
    again = TrackierCreateCategoryOperator(task_id="c", name=" crypto ").execute(context)
    assert again["_id"] == created["_id"]
    assert len(api_calls(trackier_conn, "POST", "/v2/categories")) == 1


def test_seeded_category_is_found(trackier_conn, context) -> None:
    travel = TrackierCreateCategoryOperator(task_id="c", name="Travel").execute(context)
    assert context["ti"].xcom["created"] is False and travel["name"] == "Travel"
    with pytest.raises(TrackierObjectExistsError):
        TrackierCreateCategoryOperator(task_id="c", name="Travel", if_exists="fail").execute(context)
    assert api_calls(trackier_conn, "POST") == []


def test_retry_after_dropped_post_leaves_exactly_one(trackier_conn, context) -> None:
    trackier_conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/categories", "when": "after", "times": 1})
    with pytest.raises(TrackierConnectionError):
        TrackierCreateCategoryOperator(task_id="c", name="Pet Care").execute(context)
    TrackierCreateCategoryOperator(task_id="c", name="Pet Care").execute(context)
    assert [c["name"] for c in trackier_conn.store.categories.values()] == ["Pet Care"]


def test_empty_name_fails_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="name"):
        TrackierCreateCategoryOperator(task_id="c", name="  ").execute(context)
    assert trackier_conn.requests == []


def test_rename_delete_and_list(trackier_conn, context) -> None:
    created = TrackierCreateCategoryOperator(task_id="c", name="Health").execute(context)
    renamed = TrackierUpdateCategoryOperator(task_id="u", category_id=created["_id"], name="Wellness").execute(context)
    assert renamed["name"] == "Wellness"
    names = [c["name"] for c in TrackierFetchCategoriesOperator(task_id="f").execute(context)]
    assert "Wellness" in names and "Health" not in names
    assert TrackierDeleteCategoryOperator(task_id="d", category_id=created["_id"]).execute(context) is True
    assert created["_id"] in trackier_conn.store.categories.deleted


def test_delete_missing(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError):
        TrackierDeleteCategoryOperator(task_id="d", category_id="5f0000000000000000009999").execute(context)
    assert TrackierDeleteCategoryOperator(
        task_id="d", category_id="5f0000000000000000009999", missing_ok=True
    ).execute(context) is False


def test_update_missing(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError):
        TrackierUpdateCategoryOperator(task_id="u", category_id="nope", name="X").execute(context)


def test_ids_templated_and_path_safe(trackier_conn, context) -> None:
    op = TrackierDeleteCategoryOperator(task_id="d", category_id="{{ params.cid }}")
    op.render_template_fields({**context, "params": {"cid": "../campaigns/1"}})
    with pytest.raises(TrackierConfigError, match=r"category_id: '\.\./campaigns/1' is not an id"):
        op.execute(context)
    assert trackier_conn.requests == []
    assert trackier_conn.store.campaigns.deleted == set()
    assert trackier_conn.store.campaigns.find(1) is not None


def test_a_quoted_id_stays_one_segment(trackier_conn, context) -> None:
    """Characters that are legal in an id but special in a URL are percent-quoted, never interpreted."""
    op = TrackierDeleteCategoryOperator(task_id="d", category_id="1?x=#frag%2e")
    with pytest.raises(TrackierNotFoundError):
        op.execute(context)
    assert [(r["method"], r["path"]) for r in trackier_conn.requests] == [
        ("DELETE", "/v2/categories/1?x=#frag%2e")
    ]
