"""Retries and races of creates and deletes, over HTTP to the emulator (issue: exact or fail).

- Two creates of one natural key at the same time end with one object, or fail loudly naming both ids:
  never two silent successes. The race is made to happen every run: the second task's lookup answers as
  it would have before the first task's create landed (a one-time stale answer from the emulator).
- A duplicate refusal from Trackier (code 107: "this email already exists") is answered by looking the
  object up and returning it.
- A delete whose answer was lost (the server deleted, the connection dropped) succeeds on its retry, on every
  path: the typed operator, the generic operator and ``hook.api``.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from tests.operators.conftest import RecordingTI, api_calls
from trackier_provider.exceptions import TrackierObjectExistsError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.categories import TrackierCreateCategoryOperator, TrackierDeleteCategoryOperator
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator


def _stale_lookup(emu: Any, path: str, body: dict[str, Any]) -> None:
    """The next lookup of ``path`` answers as if nothing existed yet: what a task sees when another task's
    create lands between its lookup and its own create (the race, made to happen every run)."""
    emu.add_fault({"kind": "replace_body", "method": "GET", "path": path, "times": 1, "body": json.dumps(body)})


def test_two_creates_of_one_name_never_both_succeed_silently(trackier_conn) -> None:
    first = TrackierCreateCategoryOperator(task_id="first", name="Race Cat").execute({"ti": RecordingTI()})
    _stale_lookup(trackier_conn, "/v2/categories", {"success": True, "categories": []})
    with pytest.raises(TrackierObjectExistsError) as info:
        TrackierCreateCategoryOperator(task_id="second", name="Race Cat").execute({"ti": RecordingTI()})
    listed = [c for c in TrackierHook().call("categories.list")["categories"] if c["name"] == "Race Cat"]
    assert len(listed) == 2  # Trackier keeps both: the task says so instead of succeeding
    named = set(re.findall(r"ids ([^)]*)\)", str(info.value))[0].split(", "))
    assert named == {str(c["_id"]) for c in listed} and str(first["_id"]) in named


def test_a_duplicate_refusal_returns_the_object_it_collides_with(trackier_conn) -> None:
    """Trackier refuses a second publisher with the same email (107): the refusal is answered with the
    publisher the other create made, ``created`` False."""
    kwargs = {"name": "Race Media", "email": "race@example.com", "password": "Race#Pass9"}
    first = TrackierCreatePublisherOperator(task_id="first", **kwargs).execute({"ti": RecordingTI()})
    _stale_lookup(trackier_conn, "/v2/publishers",
                  {"success": True, "publishers": [], "pagination": {"totalCount": 0}, "lastId": None})
    ti = RecordingTI()
    second = TrackierCreatePublisherOperator(task_id="second", **kwargs).execute({"ti": ti})
    assert ti.xcom["created"] is False and second["id"] == first["id"]
    posts = [r["status"] for r in api_calls(trackier_conn, "POST", "/v2/publishers")]
    assert posts == [200, 400]  # the second create was sent, refused, and not retried


@pytest.mark.parametrize("path", ["typed", "generic", "hook.api", "hook.acall"])
def test_a_delete_whose_answer_was_lost_succeeds_on_its_retry(trackier_conn, path: str) -> None:
    hook = TrackierHook()
    created = hook.api.categories.create(data={"name": f"Gone {path}"})["category"]
    category = created["_id"]
    trackier_conn.add_fault({"kind": "drop", "method": "DELETE", "path": f"/v2/categories/{category}",
                             "when": "after", "times": 1})
    if path == "typed":
        TrackierDeleteCategoryOperator(task_id="d", category_id=category).execute({"ti": RecordingTI()})
    elif path == "generic":
        TrackierOperator(task_id="d", operation="categories.delete",
                         path_params={"category_id": category}).execute({"ti": RecordingTI()})
    elif path == "hook.api":
        hook.api.categories.delete(category_id=category)
    else:  # the async path triggers use: the same rule

        async def delete() -> None:
            async with await hook.async_client() as client:
                await hook.acall(client, "categories.delete", ids={"category_id": category})

        asyncio.run(delete())
    deletes = [r["status"] for r in api_calls(trackier_conn, "DELETE", f"/v2/categories/{category}")]
    assert len(deletes) == 2 and deletes[-1] in (400, 404)  # the retry found it gone
    assert category not in {c["_id"] for c in hook.call("categories.list")["categories"]}
