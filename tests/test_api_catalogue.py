"""The catalogue against Trackier's OpenAPI spec, operation by operation.

The comparisons carry the ``spec`` marker (tests/spec.py: skipped without the spec, failed where
``TRACKIER_REQUIRE_SPEC=1``); the catalogue's own consistency checks run everywhere. Every difference the
catalogue keeps on purpose is listed here with the spec defect it works around; anything else fails.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.emulator.test_contract import load_spec, resolve
from tests.spec import SPEC_DIR
from trackier_provider.api import MODELS, OPERATIONS, Operation, Param

#: The spec writes this one path with a colon placeholder and declares no path parameter for it.
SPEC_PATH_ALIASES = {"/v2/jobs/{id}": "/v2/jobs/:id"}
#: Spec defects in parameters: a query parameter literally named ``{id}`` beside the path id.
IGNORED_SPEC_PARAMS = {("advertisers.delete", "{id}")}
#: Spec defects in types: ``filters`` typed as an array although it is sent as ``filters[name]=...``.
TYPE_DEFECTS = {(name, "filters"): "array" for name in ("publishers.list", "advertisers.list", "campaigns.access.list")}
#: Request bodies the catalogue does not take: a GET's empty ``{}`` body; and one it takes that the spec
#: forgot (a PATCH that "updates provided fields" with no body documented).
BODY_DEFECTS = {"reports.custom", "campaigns.notes.list", "publishers.notes.list", "advertisers.notes.list",
                "fraud_rules.update"}
#: Enumerations holding a placeholder ("24 Digit goal ID", "YYYY-MM-DD", "INR, USD, ...") are examples, not
#: a restriction; and one field is read-only.
_PLACEHOLDER_VALUE = re.compile(r"\s|\.\.\.|YYYY")
READ_ONLY = {("Payout", "payoutModel")}
_ALLOWED = re.compile(r"Allowed (?:KPIs|Group parameters|Fields parameters|values): (.*)$")
#: Where records or a result sit in answers the spec does not describe (no 200 schema).
UNDESCRIBED_ANSWERS = {"advertisers.caps.list", "advertisers.caps.get", "campaigns.goals.create",
                       "reports.adjust_stats", "fraud_rules.update", "fraud_rules.delete"}


def spec_operation(operation: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec's path item and operation object for a catalogue operation."""
    spec = load_spec()
    item = spec["paths"][SPEC_PATH_ALIASES.get(operation.path, operation.path)]
    return item, item[operation.method.lower()]


def spec_params(operation: Operation) -> list[dict[str, Any]]:
    """Path-level and operation-level parameters, each (location, name) once."""
    item, spec_op = spec_operation(operation)
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for param in [*item.get("parameters", []), *spec_op.get("parameters", [])]:
        seen.setdefault((param["in"], param["name"]), param)
    return list(seen.values())


def values(items: Any) -> tuple[Any, ...]:
    """Allowed values as the catalogue keeps them: none for examples, quotes stripped, each once."""
    out: list[Any] = []
    for item in items or ():
        if isinstance(item, str):
            if _PLACEHOLDER_VALUE.search(item):
                return ()
            item = item.strip().strip("'")
        if item not in out:
            out.append(item)
    return tuple(out)


def spec_choices(schema: dict[str, Any], description: str | None) -> tuple[Any, ...]:
    found = _ALLOWED.search((description or "").strip())
    if schema.get("type") == "array":
        listed = (schema.get("items") or {}).get("enum") or schema.get("enum")
    else:
        listed = schema.get("enum")
    if listed:
        return values(listed)
    return values(part.strip() for part in found.group(1).split(",")) if found else ()


def spec_type(schema: dict[str, Any]) -> str:
    if "oneOf" in schema:
        return "id"
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        return "object"
    if kind == "string" and schema.get("format") == "date":
        return "date"
    return str(kind)


def described(param: Param) -> dict[str, Any]:
    return {"type": param.type, "required": param.required, "choices": param.choices,
            "keys": {key.name: described(key) for key in param.keys}}


def from_spec(name: str, param: dict[str, Any]) -> dict[str, Any]:
    schema = param.get("schema") or {}
    keys = {key: from_spec(name, {"name": key, "schema": sub, "description": sub.get("description")})
            for key, sub in (schema.get("properties") or {}).items()}
    kind = spec_type(schema)
    if TYPE_DEFECTS.get((name, param["name"])) == kind:
        kind = "object"
    return {"type": kind, "required": bool(param.get("required")),
            "choices": spec_choices(schema, param.get("description")), "keys": keys}


@pytest.mark.spec
def test_every_spec_operation_is_in_the_catalogue_once() -> None:
    spec = load_spec()
    in_spec = {(method.upper(), path) for path, item in spec["paths"].items() for method in item
               if method != "parameters"}
    in_catalogue = {(o.method, SPEC_PATH_ALIASES.get(o.path, o.path)) for o in OPERATIONS.values()}
    assert len(OPERATIONS) == len(in_spec) == 155
    assert in_catalogue == in_spec


@pytest.mark.spec
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_parameters_match_the_spec(name: str) -> None:
    operation = OPERATIONS[name]
    params = [p for p in spec_params(operation) if (name, p["name"]) not in IGNORED_SPEC_PARAMS]
    path_names = [p["name"] for p in params if p["in"] == "path"]
    if operation.path not in SPEC_PATH_ALIASES:  # the colon-spelled path declares no parameter
        assert sorted(path_names) == sorted(p.name for p in operation.path_params)
    for where, mine in (("query", operation.query), ("header", operation.headers)):
        documented = {p.name: described(p) for p in mine if p.documented}
        assert documented == {p["name"]: from_spec(name, p) for p in params if p["in"] == where}


def spec_body(operation: Operation) -> dict[str, Any] | None:
    _, spec_op = spec_operation(operation)
    content = (spec_op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json") or content.get("multipart/form-data")
    if media is None:
        return None
    return resolve(media.get("schema") or {}, SPEC_DIR, load_spec())


@pytest.mark.spec
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_body_model_matches_the_spec(name: str) -> None:
    operation = OPERATIONS[name]
    schema = spec_body(operation)
    if name in BODY_DEFECTS:
        assert (operation.body is None) == (schema is not None)
        return
    assert (operation.body is None) == (schema is None)
    if schema is None or operation.body is None:
        return
    body = MODELS[operation.body]
    assert body.required == tuple(schema.get("required") or ())
    choices = {field: values(prop.get("enum")) for field, prop in (schema.get("properties") or {}).items()
               if isinstance(prop, dict) and prop.get("enum") and (body.name, field) not in READ_ONLY
               and values(prop["enum"]) and not all(isinstance(v, bool) for v in prop["enum"])}
    assert dict(body.choices) == choices


def response_schema(operation: Operation) -> dict[str, Any] | None:
    _, spec_op = spec_operation(operation)
    content = (spec_op.get("responses", {}).get("200") or {}).get("content") or {}
    for media in ("application/json", "application/xml"):  # clicks: the JSON schema sits under xml
        if "schema" in content.get(media, {}):
            return resolve(content[media]["schema"], SPEC_DIR, load_spec())
    return None


def has_property(schema: dict[str, Any], dotted: str) -> bool:
    node: Any = schema
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in (node.get("properties") or {}):
            return False
        node = node["properties"][part]
    return True


@pytest.mark.spec
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_records_result_and_paging_are_where_the_spec_says(name: str) -> None:
    operation = OPERATIONS[name]
    schema = response_schema(operation)
    if name in UNDESCRIBED_ANSWERS:
        assert schema is None or not schema.get("properties")
        return
    assert schema is not None
    for dotted in (operation.records_at, operation.result, operation.pages and operation.pages.total):
        if dotted:
            assert has_property(schema, dotted), f"{dotted} is not in the answer of {name}"
    positions = {"lastId", "page", "pageToken"} & {p.name for p in operation.query if p.documented}
    assert bool(positions) == (operation.pages is not None), "an operation that takes a page position pages"
    if operation.pages is not None:
        assert operation.pages.cursor_param in positions
        assert operation.pages.default_limit is None or operation.param("limit") is not None


def test_natural_keys_look_up_list_operations_of_the_same_parent() -> None:
    for operation in OPERATIONS.values():
        key = operation.natural_key
        if key is None:
            continue
        lookup = OPERATIONS[key.lookup]
        assert operation.action == "create" and lookup.records_at, operation.name
        assert {p.arg for p in lookup.path_params} <= {p.arg for p in operation.path_params}
        assert set(key.narrow) <= {p.name for p in lookup.query}
        assert set(key.narrow.values()) <= set(key.fields)


def test_every_body_model_is_used() -> None:
    assert {o.body for o in OPERATIONS.values() if o.body} == set(MODELS)
