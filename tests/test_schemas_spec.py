"""The provider's schemas against Trackier's OpenAPI spec: every field the spec documents for an answer is in
the provider's schema, with the spec's types (or a wider reading), its enumerated values and its required
fields; where the spec documents no answer, the provider's schema says so under ``x-spec-defects``.

The comparison carries the ``spec`` marker (tests/spec.py: skipped without the spec, failed where
``TRACKIER_REQUIRE_SPEC=1``), as the emulator's contract test does, whose spec reader (with its documented
fixes) this test shares; the check of the comparison itself runs everywhere.
"""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.emulator.test_contract import response_schema
from tests.spec import SPEC_DIR, SPEC_FILE
from tests.test_schemas import READS, WRITES
from trackier_provider.api import OPERATIONS
from trackier_provider.schemas import answer_schema, answer_schemas, resolve


def _ours(node: Any) -> dict[str, Any]:
    """``node`` with its ``$ref`` merged in (the referenced schema's keywords, then the node's own)."""
    if isinstance(node, dict) and "$ref" in node:
        merged = dict(resolve(node["$ref"]))
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        if "required" in node and "required" in resolve(node["$ref"]):
            merged["required"] = [*resolve(node["$ref"])["required"], *node["required"]]
        return merged
    return node


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    return {declared} if isinstance(declared, str) else set(declared or ())


def differences(spec: Any, ours: Any, where: str = "") -> list[str]:
    """How ``ours`` is narrower than ``spec``: a field it lacks, a type, enum value or required field it
    refuses that the spec allows or asks for."""
    ours = _ours(ours)
    if not isinstance(spec, dict):
        return []
    found = []
    spec_types, our_types = _types(spec), _types(ours)
    if our_types and "number" in our_types:
        our_types.add("integer")
    if spec_types - our_types and our_types:
        found.append(f"{where or '/'}: the spec allows {sorted(spec_types)}, ours {sorted(_types(ours))}")
    if "enum" in spec and "enum" in ours and set(spec["enum"]) - set(ours["enum"]):
        found.append(f"{where}: enum values {sorted(set(spec['enum']) - set(ours['enum']), key=str)} missing")
    missing = set(spec.get("required") or ()) - set(ours.get("required") or ())
    if missing:
        found.append(f"{where or '/'}: not required here: {sorted(missing)}")
    for name, sub in (spec.get("properties") or {}).items():
        if name == "":  # campaigns.list: a property named '' (recorded in its x-spec-defects)
            continue
        mine = (ours.get("properties") or {}).get(name, ours.get("additionalProperties"))
        if not isinstance(mine, dict):
            found.append(f"{where}.{name}: missing")
            continue
        found += differences(sub, mine, f"{where}.{name}")
    if isinstance(spec.get("items"), dict) and "items" in ours:
        found += differences(spec["items"], ours["items"], f"{where}[]")
    return found


@pytest.mark.spec
@pytest.mark.parametrize("name", sorted(answer_schemas()))
def test_every_documented_field_of_the_answer_is_in_the_schema(name: str) -> None:
    operation = OPERATIONS[name]
    spec = response_schema(operation.method, operation.path, 200)
    ours = answer_schemas()[name]
    if spec is None:
        assert any("no answer schema" in d["spec"] for d in answer_schema(name).defects), name
        return
    for defect in answer_schema(name).defects:
        if "field" in defect:  # a list the spec types as one object: the provider reads a list of them
            *parents, last = defect["field"].split(".")
            node = spec
            for part in parents:
                node = node["properties"][part]
            node["properties"][last] = {"type": "array", "items": node["properties"][last]}
    assert differences(spec, ours) == []


def test_the_comparison_finds_a_narrower_schema() -> None:
    spec = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": ["string", "null"]}, "b": {"type": "string", "enum": ["x", "y"]}, "c": {"type": "integer"}}}
    ours = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string", "enum": ["x"]}}}
    assert differences(spec, ours) == [
        "/: not required here: ['a']", ".a: the spec allows ['null', 'string'], ours ['string']",
        ".b: enum values ['y'] missing", ".c: missing"]


HAND_WRITTEN = READS | WRITES


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_answer_schemas",
                                                  REPO_ROOT / "scripts" / "generate_answer_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.spec
def test_the_generated_schemas_are_what_the_generator_writes_today() -> None:
    """121 answers and their records come from ``scripts/generate_answer_schemas.py``; the 34 hand-written
    answers are left alone by it."""
    files = _generator().build(SPEC_DIR)
    stale = [str(path.relative_to(REPO_ROOT)) for path, text in files.items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    assert stale == [], f"run python scripts/generate_answer_schemas.py (stale: {stale})"
    answers = {path.name.removesuffix(".json") for path in files if path.parent.name == "answers"}
    assert len(answers) == 121 and len(answers | set(HAND_WRITTEN)) == len(OPERATIONS) == 155
    assert not answers & set(HAND_WRITTEN)


def _texts(node: Any, found: set[str]) -> set[str]:
    """Every ``description``/``title``/``summary`` text and every example value of a spec document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary", "title") and isinstance(value, str) and len(value) > 12:
                found.add(value.strip())
            elif key in ("example", "examples", "x-examples"):
                found.add(json.dumps(value, sort_keys=True))
            else:
                _texts(value, found)
    elif isinstance(node, list):
        for item in node:
            _texts(item, found)
    return found


@pytest.mark.spec
def test_no_text_or_example_of_the_spec_is_copied_into_the_schemas() -> None:
    texts: set[str] = set()
    for path in [SPEC_FILE, *sorted((SPEC_DIR / "models").glob("*.yaml"))]:
        _texts(yaml.safe_load(path.read_text(encoding="utf-8")), texts)
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "trackier_provider" / "schemas").rglob(
        "*.json"))
    assert len(texts) > 100
    assert [text for text in texts if text in shipped and "\n" not in text and len(text) > 30] == []


def test_an_example_widens_the_generated_schema_and_is_recorded() -> None:
    """The generator believes the spec's examples: a null, an omitted required field, another type and a value
    outside the list each widen the schema, and each is noted (what ``x-spec-defects`` records)."""
    schema = {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "string", "enum": ["x"]},
        "d": {"type": "array", "items": {"type": "object", "properties": {"e": {"type": "boolean"}}}}}}
    found: list[str] = []
    _generator().widen(None, schema, {"a": None, "c": "y", "d": [{"e": "yes"}]}, "", found)
    assert schema["required"] == ["a"] and schema["properties"]["a"]["type"] == ["integer", "null"]
    assert schema["properties"]["c"]["enum"] == ["x", "y"]
    assert schema["properties"]["d"]["items"]["properties"]["e"]["type"] == ["boolean", "string"]
    assert found == ["b is required but the example omits it", "a is null in the example, typed integer",
                     "c holds a value outside the schema's list in the example",
                     "d[].e is string in the example, typed boolean"]
