"""The shipped schemas: valid draft 2020-12, one per operation the provider calls, their references resolved,
spec defects recorded as data, packaged in the wheel; the compiled checks agree with ``jsonschema``."""

from __future__ import annotations

import copy
import fnmatch
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests.conftest import REPO_ROOT
from tests.test_schemas_emulator import emulator_answers
from trackier_provider.api import OPERATIONS
from trackier_provider.hooks.pagination import dig
from trackier_provider.schemas import (
    ANSWER_URN,
    RECORD_URN,
    answer_for,
    answer_schema,
    answer_schemas,
    record_schemas,
    resolve,
)
from trackier_provider.schemas.compiled import compile_schema

SCHEMA_DIR = REPO_ROOT / "trackier_provider" / "schemas"
REPORTS = {f"reports.{name}" for name in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")}
#: What the provider reads (operators, sensors, triggers, the schema check) and what its creates send.
READS = {
    "campaigns.list", "campaigns.timelines.list", "campaigns.payouts.list", "campaigns.caps.list",
    "campaigns.access.list", "publishers.list", "advertisers.list", "advertisers.caps.list", "conversions.list",
    "coupons.list", "incent_offers.list", "categories.list", "clicks.list", "jobs.list", "jobs.get", *REPORTS,
}
WRITES = {
    "campaigns.create", "publishers.create", "categories.create", "categories.update", "categories.delete",
    "conversions.bulk_upload", "auth.login", "tracking_links.create", "campaigns.caps.create",
    "campaigns.payouts.create", "campaigns.payouts.update", "campaigns.access.update",
}


def test_one_answer_schema_per_operation_of_the_catalogue() -> None:
    assert set(answer_schemas()) == set(OPERATIONS)
    assert len(answer_schemas()) == 155
    assert READS | WRITES <= set(answer_schemas())  # the hand-written ones among them


def test_every_schema_is_valid_draft_2020_12_named_like_its_file() -> None:
    for kind, urn, docs in (("answers", ANSWER_URN, answer_schemas()), ("records", RECORD_URN, record_schemas())):
        for name, doc in docs.items():
            Draft202012Validator.check_schema(doc)
            assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
            assert doc["$id"] == f"{urn}{name}", name
            assert doc["title"] and len(doc["description"]) > 20, name
            assert (SCHEMA_DIR / kind / f"{name}.json").is_file()


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_reference_resolves_and_every_record_is_used() -> None:
    used = {ref for doc in (*answer_schemas().values(), *record_schemas().values()) for ref in _refs(doc)}
    assert {resolve(ref)["$id"] for ref in used} == used
    assert used == {f"{RECORD_URN}{name}" for name in record_schemas()}
    with pytest.raises(KeyError):
        resolve("https://example.com/elsewhere.json")


def test_list_answers_are_split_into_envelope_and_record() -> None:
    for name in answer_schemas():
        schema = answer_schema(name)
        assert (schema.records is None) == (schema.record is None) == (OPERATIONS[name].records_at is None)
        assert schema.method == OPERATIONS[name].method and schema.path == OPERATIONS[name].path
    conversions = answer_schema("conversions.list")
    assert conversions.records == "conversions"
    # The envelope holds the list, not what is in it: records are validated (and counted) one by one.
    assert conversions.envelope.is_valid({"conversions": ["not a record"], "pagination": {"total": 1}})
    assert not conversions.record.is_valid("not a record")
    assert answer_schema("conversions.list") is conversions  # compiled once


SPEC_DEFECTS = {
    "campaigns.timelines.list": "required at the top level",
    "clicks.list": "application/xml",
    "jobs.get": "/v2/jobs/:id",
    "conversions.bulk_upload": "job.result.rows",
    "advertisers.caps.list": "no answer schema",
    "campaigns.list": "empty string",
}


@pytest.mark.parametrize("name", sorted(SPEC_DEFECTS))
def test_known_spec_defects_are_recorded_in_the_schemas(name: str) -> None:
    defects = answer_schema(name).defects
    assert any(SPEC_DEFECTS[name] in d["spec"] for d in defects), defects
    assert all(d["provider"] for d in defects)


def test_timelines_follow_the_provider_reading_of_the_misplaced_required_fields() -> None:
    envelope = answer_schema("campaigns.timelines.list").envelope
    assert envelope.is_valid({"data": {"changedCampaigns": [], "page": 1}})
    assert not envelope.is_valid({"changedCampaigns": [], "page": 1})  # the spec's reading


def test_job_rows_may_be_a_number_or_its_digits() -> None:
    job = answer_schema("jobs.get").envelope
    for rows in (3, "3"):
        assert job.is_valid({"job": {"_id": "j", "status": "completed", "result": {"rows": rows}}})
    assert not job.is_valid({"job": {"_id": "j", "status": "completed", "result": {"rows": 3.5}}})


@pytest.mark.parametrize(("operation", "found"), [
    ("advertisers.caps.list", True), ("categories.update", True), ("categories.delete", True), ("jobs.get", True),
    ("reports.subid", True),
    ("campaigns.get", True), ("fraud_rules.delete", True),
    ("campaigns.nothing", False),  # not a catalogue operation
    ("GET /v2/campaigns/12/payouts/extra", False),  # a path call (TrackierHook.request) has none
])
def test_answer_schemas_are_found_by_operation(operation: str, found: bool) -> None:
    schema = answer_for(operation)
    assert (schema.operation if schema else None) == (operation if found else None)


# ------------------------------------------------------------------------------- compiled checks
def test_compiling_refuses_keywords_it_would_not_check() -> None:
    for schema in ({"type": "string", "pattern": "^a"}, {"anyOf": [{"type": "string"}]},
                   {"type": "object", "patternProperties": {"^a": {}}}, {"enum": [1, 2]}, {"type": "decimal"}):
        with pytest.raises(ValueError, match=r"support|unknown"):
            compile_schema(schema, resolve)


def test_a_remembered_shape_still_checks_each_value() -> None:
    check = compile_schema({"type": "object", "properties": {
        "status": {"type": "string", "enum": ["approved"]}, "n": {"type": "integer"}}, "required": ["n"]}, resolve)
    assert check({"status": "approved", "n": 1})
    assert not check({"status": "refunded", "n": 1})  # same keys and types as the valid one
    assert check({"status": "approved", "n": 2.0}) and not check({"status": "approved", "n": 2.5})
    assert not check({"status": "approved"}) and not check({"status": "approved", "n": True})


def test_additional_properties_are_checked_by_their_own_schema() -> None:
    labels = compile_schema({"type": "object", "properties": {"id": {"type": "integer"}},
                             "additionalProperties": {"type": "string"}}, resolve)
    assert labels({"id": 1, "payout": "Payout"}) and not labels({"id": 1, "payout": 2})
    closed = compile_schema({"type": "object", "properties": {"id": {}}, "additionalProperties": False}, resolve)
    assert closed({"id": None}) and not closed({"id": 1, "other": 2})


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 2.0, 1.5, -0.25]),
    st.sampled_from(["", "approved", "x", "5f00"]),
    st.lists(st.one_of(st.integers(0, 2), st.text(max_size=2)), max_size=2),
    st.dictionaries(st.sampled_from(["id", "min", "a"]), st.integers(0, 2), max_size=2),
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(value, dict):
        found += [p for k, v in value.items() for p in _paths(v, (*here, k))]
    elif isinstance(value, list):
        found += [p for i, v in enumerate(value[:3]) for p in _paths(v, (*here, i))]
    return found


def _mutate(instance: Any, data: st.DataObject) -> Any:
    mutated = copy.deepcopy(instance)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(mutated)))
        if not path:
            return data.draw(_VALUES)
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extra", "payout_v2", "id"]))] = data.draw(_VALUES)
        else:
            parent[path[-1]] = data.draw(_VALUES)
    return mutated


@pytest.fixture(scope="module")
def samples(trackier_emulator_server) -> list[tuple[Any, Any]]:
    """``(validator, instance)`` for every envelope and the first records of every list the emulator answers."""
    pairs = []
    for name, body in emulator_answers(trackier_emulator_server).items():
        schema = answer_schema(name)
        pairs.append((schema.envelope, body))
        if schema.record is not None:
            pairs += [(schema.record, record) for record in dig(body, schema.records)[:2]]
    return pairs


@settings(max_examples=400, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_compiled_checks_agree_with_jsonschema(samples: list[tuple[Any, Any]], data: st.DataObject) -> None:
    validator, instance = data.draw(st.sampled_from(samples))
    mutated = _mutate(instance, data)
    expected = next(iter(validator.errors(mutated)), None) is None
    assert validator.is_valid(mutated) == expected, mutated
    assert validator.is_valid(mutated) == expected  # the shape is remembered now: same verdict


# ------------------------------------------------------------------------------- packaging
def test_the_wheel_ships_every_schema() -> None:
    """Every schema file matches a package-data pattern of pyproject.toml (the packaging test builds the wheel)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["trackier_provider"]
    files = [p.relative_to(REPO_ROOT / "trackier_provider").as_posix() for p in SCHEMA_DIR.rglob("*.json")]
    assert len(files) == len(answer_schemas()) + len(record_schemas())
    assert all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), patterns


def test_no_spec_text_is_copied() -> None:
    """Written from the spec's facts: no descriptions or examples of the spec's files (its stoplight ids and
    example blocks are the tell-tale)."""
    for path in Path(SCHEMA_DIR).rglob("*.json"):
        text = path.read_text()
        assert "x-stoplight" not in text and "x-examples" not in text and '"examples"' not in text, path


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_field_by_field_explanations_match_jsonschemas(samples: list[tuple[Any, Any]], data: st.DataObject) -> None:
    """``issues`` hands only the failing fields of an object to ``jsonschema``: same issues, same examples."""
    from trackier_provider.schemas.validation import _explained, issues

    validator, instance = data.draw(st.sampled_from(samples))
    mutated = _mutate(instance, data)
    assert issues(validator, mutated, "x[]") == _explained(validator, mutated, "x[]")
