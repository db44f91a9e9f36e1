"""Fast validity checks compiled from the provider's schemas: is an answer or a record valid, yes or no.

``jsonschema`` walks a schema for every instance (about 400 µs for one 65-field conversion); an export of
200,000 conversions cannot afford that. ``compile_schema`` turns a schema into nested Python checks that
agree with ``jsonschema`` (draft 2020-12) on every JSON value, for the keywords the provider's schemas use:
``type``, ``properties``, ``additionalProperties``, ``required``, ``items``, ``enum`` (of strings) and
``$ref``. Annotations
(``title``, ``description``, ``format``, ``$comment``, ``x-...``) are ignored, as ``jsonschema`` ignores
them; any other keyword is refused when the schema is compiled, so a schema cannot use a keyword this module
would silently skip.

An object's keys and the types of its values decide most of its validity, and the records of one answer
nearly always share them: the first record of each shape (its keys and their value types, in order) is
judged once, and what remains to check for that shape (enums, nested objects and lists, whole floats where
integers are expected) is remembered. A record of a known shape costs one dictionary lookup plus those
checks.

Only the yes/no answer comes from here; ``jsonschema`` explains an invalid instance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: A compiled check: True when the instance is valid.
Check = Callable[[Any], bool]
#: Finds the schema a ``$ref`` names.
Resolve = Callable[[str], Mapping[str, Any]]

#: The Python types ``json.loads`` produces for each JSON Schema type.
JSON_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "null": frozenset({type(None)}),
    "object": frozenset({dict}),
    "array": frozenset({list}),
}
ASSERTIONS = frozenset({"type", "properties", "additionalProperties", "required", "items", "enum", "$ref"})
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples", "format", "deprecated",
     "readOnly", "writeOnly"}
)
#: Shapes remembered per object schema; records beyond them are checked without the memo.
MAX_SHAPES = 4096
_INVALID = None


class Compiled:
    """One schema as a check: the Python types it allows, and what else it asks of a value of those types."""

    __slots__ = ("integral_floats", "rest", "types")

    def __init__(self, types: frozenset[type] | None, integral_floats: bool, rest: tuple[Check, ...]) -> None:
        #: Allowed ``type(value)``; None for any.
        self.types = types
        #: A float passes the type test when it is whole (the schema allows integers but not numbers).
        self.integral_floats = integral_floats
        #: Further checks of a value of an allowed type (enum, object and array keywords, references).
        self.rest = rest

    def type_ok(self, value: Any) -> bool:
        kind = type(value)
        if self.types is None or kind in self.types:
            return True
        return self.integral_floats and kind is float and value.is_integer()

    def __call__(self, value: Any) -> bool:
        if not self.type_ok(value):
            return False
        for check in self.rest:
            if not check(value):
                return False
        return True


def compile_schema(schema: Mapping[str, Any] | bool, resolve: Resolve) -> Compiled:
    """The check of ``schema`` (see the module docstring); ``ValueError`` for a keyword it cannot check."""
    return _Compiler(resolve).compile(schema)


class _Compiler:
    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve
        self.refs: dict[str, Compiled] = {}

    def compile(self, schema: Mapping[str, Any] | bool) -> Compiled:
        if schema is True:
            return Compiled(None, False, ())
        if schema is False:
            return Compiled(frozenset(), False, ())
        unknown = {k for k in schema if k not in ASSERTIONS and k not in ANNOTATIONS and not k.startswith("x-")}
        if unknown:
            raise ValueError(f"keywords {sorted(unknown)} are not supported by the compiled checks")
        types, integral = _types(schema.get("type"))
        rest: list[Check] = []
        if "$ref" in schema:
            target = self.reference(str(schema["$ref"]))
            rest.append(target)
        if "enum" in schema:
            rest.append(_enum(schema["enum"]))
        if {"properties", "additionalProperties", "required"} & set(schema):
            additional = schema.get("additionalProperties")
            rest.append(_ObjectCheck(
                {name: self.compile(sub) for name, sub in (schema.get("properties") or {}).items()},
                self.compile(additional) if additional is not None else None,
                frozenset(schema.get("required") or ()),
            ))
        if "items" in schema:
            rest.append(_items(self.compile(schema["items"])))
        return Compiled(types, integral, tuple(rest))

    def reference(self, uri: str) -> Compiled:
        if uri not in self.refs:
            self.refs[uri] = self.compile(self.resolve(uri))
        return self.refs[uri]


def _types(declared: Any) -> tuple[frozenset[type] | None, bool]:
    if declared is None:
        return None, False
    names = [declared] if isinstance(declared, str) else list(declared)
    unknown = [n for n in names if n not in JSON_TYPES]
    if unknown:
        raise ValueError(f"unknown types {unknown}")
    allowed = frozenset().union(*(JSON_TYPES[n] for n in names))
    return allowed, "integer" in names and "number" not in names


def _enum(values: Any) -> Check:
    if not isinstance(values, list) or not all(v is None or isinstance(v, str) for v in values):
        raise ValueError(f"only enums of strings (and null) are supported, got {values!r}")
    allowed = frozenset(values)
    nullable = None in allowed

    def check(value: Any) -> bool:
        if value is None:
            return nullable
        return type(value) is str and value in allowed

    return check


def _items(item: Compiled) -> Check:
    if item.types is not None and not item.rest and not item.integral_floats:
        kinds = item.types

        def scalars(value: Any) -> bool:
            return type(value) is not list or all(type(x) in kinds for x in value)

        return scalars

    def check(value: Any) -> bool:
        return type(value) is not list or all(item(x) for x in value)

    return check


class _ObjectCheck:
    """``properties``, ``additionalProperties`` and ``required`` of one schema, judged once per shape of object
    (see the module docstring)."""

    __slots__ = ("additional", "properties", "required", "shapes")

    def __init__(self, properties: dict[str, Compiled], additional: Compiled | None, required: frozenset[str]) -> None:
        self.properties = properties
        #: The check of keys not in ``properties``; None when any value goes.
        self.additional = additional
        self.required = required
        self.shapes: dict[tuple[tuple[Any, ...], tuple[type, ...]], tuple[tuple[str, Check], ...] | None] = {}

    def __call__(self, value: Any) -> bool:
        if type(value) is not dict:
            return True  # the keywords apply to objects only; ``type`` judges the rest
        shape = (tuple(value), tuple(map(type, value.values())))
        try:
            plan = self.shapes[shape]
        except KeyError:
            plan = self._plan(value)
            if len(self.shapes) < MAX_SHAPES:
                self.shapes[shape] = plan
        if plan is _INVALID:
            return False
        for name, check in plan:
            if not check(value[name]):
                return False
        return True

    def _plan(self, value: dict[Any, Any]) -> tuple[tuple[str, Check], ...] | None:
        """What an object of ``value``'s shape still needs checked, or None when the shape alone is invalid."""
        if not self.required.issubset(value):
            return _INVALID
        plan: list[tuple[str, Check]] = []
        for name, item in value.items():
            sub = self.properties.get(name, self.additional)
            if sub is None:
                continue
            kind = type(item)
            if sub.types is not None and kind not in sub.types:
                if sub.integral_floats and kind is float:
                    plan.append((name, sub))  # valid when whole: decided per value
                    continue
                return _INVALID
            if sub.rest:
                plan.append((name, sub))
        return tuple(plan)
