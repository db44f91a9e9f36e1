"""Every catalogue operation answers hostile input with a 4xx in one of Trackier's envelopes, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.conftest import Api
from trackier_provider.api import MODELS, OPERATIONS

IDS = ["99999999999999999999999", "%C3%A9"]
QUERIES: list[dict[str, Any]] = [
    {"page": "-1", "limit": "0", "filters[campaignIds][]": ["x"], "fields[]": ["nope"], "status": "maybe"},
    {"page": "99999999999999999999", "limit": "abc", "start": "9999-12-31", "end": "0000-01-01", "date": "x",
     "filters": "y", "id": "zz"},
]
_FIELDS = sorted({name for m in MODELS.values() for name in (*m.required, *m.choices)}
                 | {"payouts", "rules", "goals", "geo", "pubIds", "pubs", "def", "ids", "manager_ids", "image"})
BODIES: list[Any] = [[], "text", {name: 10**30 for name in _FIELDS}, {name: ["x", None, {}] for name in _FIELDS},
                     {name: "\u00e9" for name in _FIELDS}, {name: None for name in _FIELDS}]


def _enveloped(body: Any) -> bool:
    return isinstance(body, dict) and ("errors" in body or "error" in body or body.get("success") is False)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_hostile_input_is_refused_in_an_envelope(api: Api, name: str) -> None:
    operation = OPERATIONS[name]
    for value in IDS:
        path = operation.path.format(**{p.name: value for p in operation.path_params})
        for query in QUERIES:
            for body in BODIES if operation.method != "GET" else [None]:
                response = api.request(operation.method, path, params=query,
                                       data=None if body is None else json.dumps(body),
                                       headers={"Content-Type": "application/json"})
                assert response.status_code < 500, (path, query, body, response.text)
                if response.status_code >= 400:
                    assert _enveloped(response.json()), response.text
