"""The provider's own JSON Schemas (draft 2020-12) of Trackier's answers, and the one loader that compiles them.

``answers/<operation>.json`` describes the answer of each catalogue operation the provider calls (its
operators, sensors and triggers), ``records/<model>.json`` the records those answers carry (``$ref``'d as
``urn:trackier-provider:record:<model>``). They are written from the facts of Trackier's OpenAPI spec
(field names, types, nullability, required fields, envelopes) plus what the provider itself relies on (the
ids it pages and looks up by, the totals it checks). Where the spec is known to be wrong, the schema says so
under ``x-spec-defects``: what the spec says, and which reading the provider follows. The files ship in the
wheel and change with the package version.

``answer_for(operation)`` finds the schema of a catalogue operation's answer (the hook hands it the operation
of every call). Each schema is compiled once per process, on first use: ``is_valid`` is the fast check of
``trackier_provider.schemas.compiled``, ``errors`` asks ``jsonschema`` why an instance is invalid. A list
answer is compiled as two schemas, its envelope (the list's items left out) and its record, so records can
be counted one by one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from trackier_provider.api.catalogue import OPERATIONS
from trackier_provider.schemas.compiled import Compiled, compile_schema

RECORD_URN = "urn:trackier-provider:record:"
ANSWER_URN = "urn:trackier-provider:answer:"


def _documents(kind: str) -> dict[str, dict[str, Any]]:
    folder = files(__package__).joinpath(kind)
    return {
        entry.name.removesuffix(".json"): json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


@cache
def record_schemas() -> Mapping[str, dict[str, Any]]:
    """Every record schema by model name (``conversion``, ``campaign``, ...), read once."""
    return _documents("records")


@cache
def answer_schemas() -> Mapping[str, dict[str, Any]]:
    """Every answer schema by catalogue operation name (``conversions.list``, ...), read once."""
    return _documents("answers")


def resolve(uri: str) -> dict[str, Any]:
    """The record schema a ``$ref`` names (``KeyError`` for an unknown one)."""
    if not uri.startswith(RECORD_URN):
        raise KeyError(uri)
    return record_schemas()[uri.removeprefix(RECORD_URN)]


@cache
def _registry() -> Any:
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resources(
        (doc["$id"], DRAFT202012.create_resource(doc)) for doc in record_schemas().values()
    )


class Validator:
    """One schema compiled twice: ``is_valid`` (fast, yes or no) and ``errors`` (``jsonschema``'s reasons).

    An object schema also hands out ``fields()``: its required fields and a ``Validator`` per field, so an
    invalid object can be explained field by field, ``jsonschema`` seeing only the fields that fail.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        from jsonschema import Draft202012Validator

        self.schema = schema
        self.is_valid: Compiled = compile_schema(schema, resolve)
        self._detail = Draft202012Validator(schema, registry=_registry())
        self._fields: Fields | bool | None = False  # False: not worked out yet

    def errors(self, instance: Any) -> Iterator[Any]:
        """``jsonschema.ValidationError`` for each way ``instance`` breaks the schema (none when valid)."""
        return self._detail.iter_errors(instance)

    def fields(self) -> Fields | None:
        """The fields of an object schema (its ``$ref`` merged in), each with its own ``Validator``; None when
        the schema says more about an object than its fields."""
        if self._fields is False:
            merged = dict(resolve(self.schema["$ref"])) if "$ref" in self.schema else {}
            required = {*merged.get("required", ()), *self.schema.get("required", ())}
            merged.update({k: v for k, v in self.schema.items() if k not in ("$ref", "required")})
            other = merged.get("additionalProperties", True)
            if merged.get("type") != "object" or {"enum", "items"} & set(merged) or other is False:
                self._fields = None
            else:
                self._fields = Fields(
                    frozenset(required),
                    {name: Validator(sub) for name, sub in (merged.get("properties") or {}).items()},
                    Validator(other) if isinstance(other, Mapping) else None,
                )
        return self._fields  # type: ignore[return-value]


@dataclass(frozen=True)
class Fields:
    """An object schema field by field: what is required, each field's validator, and the validator of the
    fields it does not name (None: anything goes)."""

    required: frozenset[str]
    named: dict[str, Validator]
    other: Validator | None


@dataclass(frozen=True)
class AnswerSchema:
    """The schema of one operation's answer: the envelope and, for a list answer, its record."""

    operation: str
    method: str
    #: The catalogue's path template, e.g. ``/v2/campaigns/{id}/payouts``.
    path: str
    #: Where a list answer's records sit (dotted, e.g. ``data.changedCampaigns``); None for other answers.
    records: str | None
    envelope: Validator
    record: Validator | None
    #: The spec's known defects at this answer (``x-spec-defects``).
    defects: tuple[Mapping[str, str], ...]


def _split(schema: dict[str, Any], dotted: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(envelope, item)``: the answer schema without the items of the list at ``dotted``, and those items."""
    envelope = copy.deepcopy(schema)
    node = envelope
    for part in dotted.split("."):
        node = node["properties"][part]
    return envelope, node.pop("items")


@cache
def answer_schema(operation: str) -> AnswerSchema:
    """The compiled schema of ``operation``'s answer (``KeyError`` when the provider has none for it)."""
    schema = answer_schemas()[operation]
    op = OPERATIONS[operation]
    records = op.records_at
    if records is None:
        envelope, item = schema, None
    else:
        envelope, item = _split(schema, records)
    return AnswerSchema(
        operation=operation,
        method=op.method,
        path=op.path,
        records=records,
        envelope=Validator(envelope),
        record=Validator(item) if item is not None else None,
        defects=tuple(schema.get("x-spec-defects", ())),
    )


def answer_for(operation: str) -> AnswerSchema | None:
    """The compiled schema of ``operation``'s answer (a catalogue name), or None when the provider has none."""
    return answer_schema(operation) if operation in answer_schemas() else None


__all__ = [
    "ANSWER_URN",
    "RECORD_URN",
    "AnswerSchema",
    "Fields",
    "Validator",
    "answer_for",
    "answer_schema",
    "answer_schemas",
    "record_schemas",
    "resolve",
]
