"""A call checked against the catalogue before any request: ``prepare`` turns an operation, its ids, query
parameters and body into a ``Call`` (path built by ``trackier_provider.paths.build_path``; query, body and
page size checked against the catalogue) or raises ``TrackierConfigError`` naming the field.

``TrackierHook`` sends ``Call`` objects (``TrackierHook.call``, ``pages``, ``records``): every rule of the
operation (budget group, answer schema, paging, idempotency) travels with it. ``path_operation`` describes a
raw path for the hook's path-based escape hatch (``TrackierHook.request``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from numbers import Integral
from typing import Any

from trackier_provider.api.catalogue import MODELS, OPERATIONS
from trackier_provider.api.model import Method, Operation, Pages, Param
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.paths import build_path
from trackier_provider.validation import (
    check_choice,
    check_choices,
    check_email,
    check_id,
    check_ids,
    check_json,
    check_mapping,
    check_number,
    check_password,
    check_text,
)

_TRUE, _FALSE = ("true", "1"), ("false", "0")


def check_limit(pages: Pages, limit: Any, where: str) -> int | None:
    """A page size checked against the list's documented bounds before any request (``where`` names the
    list in the error); None means the list's default."""
    if limit is None:
        return pages.default_limit
    limit = check_number("page_size", limit, whole=True, above=0)
    if (pages.min_limit and limit < pages.min_limit) or (pages.max_limit and limit > pages.max_limit):
        raise TrackierConfigError(
            "page_size",
            f"{limit} is outside {pages.min_limit or 1}..{pages.max_limit} for {where}",
            "Pick a page size within Trackier's documented range.",
        )
    return limit


def path_operation(method: Method, path: str, *, idempotent: bool) -> Operation:
    """The operation a raw ``method path`` call stands for (``TrackierHook.request``, the escape hatch): the
    ``default`` budget, no answer schema, no paging; ``idempotent`` as the caller vouches."""
    return Operation(f"{method} {path}", method, path, side_effect=method != "GET", idempotent=idempotent)


def operation_named(name: Any, field_name: str = "operation") -> Operation:
    """The catalogue's operation ``name``, or ``TrackierConfigError`` suggesting the closest names."""
    if isinstance(name, str) and name.strip() in OPERATIONS:
        return OPERATIONS[name.strip()]
    prefix = str(name).rpartition(".")[0] if isinstance(name, str) else ""
    near = [n for n in OPERATIONS if prefix and n.startswith(prefix + ".")] or sorted(
        {n.split(".")[0] for n in OPERATIONS}
    )
    raise TrackierConfigError(
        field_name, f"{name!r} is not an operation of the catalogue", f"Use one of: {', '.join(near)}."
    )


@dataclass(frozen=True)
class Call:
    """A checked request for one operation: built path, query parameters, body, page size."""

    operation: Operation
    ids: Mapping[str, Any]
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    page_size: int | None = None

    @property
    def query(self) -> dict[str, Any]:
        """What one request of this call sends: its parameters, and its page size as ``limit``."""
        return {**self.params, "limit": self.page_size} if self.page_size is not None else dict(self.params)


def prepare(
    operation: Operation,
    ids: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    data: Any = None,
    *,
    page_size: int | None = None,
    by_arg: bool = True,
    prefix: str = "",
) -> Call:
    """Check everything about a call before any request.

    ``ids`` are keyed by the path parameters' Python names (``campaign_id``); ``query`` by the same names
    when ``by_arg`` (the typed API) or by Trackier's spelling (``lastId``, ``kpi`` or ``kpi[]``) otherwise;
    ``prefix`` goes before the names of query fields in errors (``query.``).
    """
    expected = {p.arg for p in operation.path_params}
    given = dict(ids or {})
    if set(given) != expected:
        missing, unknown = sorted(expected - set(given)), sorted(set(given) - expected)
        problem = f"missing {missing}" if missing else f"unknown {unknown}"
        raise TrackierConfigError(
            "path_params", f"{operation.name} takes ids {sorted(expected) or 'none'}: {problem}",
            f"Pass {', '.join(sorted(expected))}." if expected else "Pass no path_params.",
        )
    path = build_path(operation.arg_template, **given)
    params = check_query(operation, query, by_arg=by_arg, prefix=prefix)
    if operation.pages is not None and "limit" in params:
        size = params.pop("limit")
        page_size = size if page_size is None else page_size
    paging_size = None
    if operation.pages is not None and operation.param("limit") is not None:
        paging_size = check_limit(operation.pages, page_size, path) if page_size is not None else None
    elif page_size is not None:
        raise TrackierConfigError("page_size", f"{operation.name} takes no page size", "Leave page_size unset.")
    return Call(operation, given, path, params, check_body(operation, data), paging_size)


def _fields(operation: Operation, by_arg: bool) -> dict[str, Param]:
    return {(p.arg if by_arg else p.name): p for p in operation.query}


def check_query(
    operation: Operation, query: Mapping[str, Any] | None, *, by_arg: bool = True, prefix: str = ""
) -> dict[str, Any]:
    """The query as it will be sent (keyed by Trackier's names, ``None`` values left out), or an error."""
    if query is not None and not isinstance(query, Mapping):
        raise TrackierConfigError("query", f"must be a dict, got {type(query).__name__}")
    known = _fields(operation, by_arg)
    out = _checked(query or {}, known, lambda key: f"{prefix}{key}", operation.name)
    for name, param in known.items():
        if param.required and out.get(param.name) in (None, "", []):
            raise TrackierConfigError(f"{prefix}{name}", "is required", f"{operation.name} needs {name}.")
    return out


def check_value(field_name: str, param: Param, value: Any) -> Any:
    """One parameter value checked against its type and allowed values, as it will be sent."""
    kind = param.type
    if kind == "integer":
        return check_number(field_name, value, whole=True, from_text=True)
    if kind == "number":
        return check_number(field_name, value, from_text=True)
    if kind == "boolean":
        return _flag(field_name, value)
    if kind == "date":
        return _day(field_name, value)
    if kind == "id":
        return check_id(field_name, value)
    if kind == "array":
        if param.allowed:
            return check_choices(field_name, value, [str(c) for c in param.allowed])
        return check_ids(field_name, value) or []
    if kind == "object":
        return _object(field_name, param, value)
    text = check_text(field_name, str(value) if isinstance(value, Integral) and not isinstance(value, bool) else value)
    return check_choice(field_name, text, [str(c) for c in param.allowed]) if param.allowed else text


def _flag(field_name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise TrackierConfigError(field_name, f"must be True or False, got {value!r}", f"Pass {field_name}=True or False.")


def _day(field_name: str, value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    text = check_text(field_name, value) if not isinstance(value, datetime) else None
    try:
        return datetime.strptime(text or "", "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise TrackierConfigError(field_name, f"must be a date (YYYY-MM-DD), got {value!r}", "Pass a date.") from None


def _object(field_name: str, param: Param, value: Any) -> dict[str, Any]:
    mapping = check_mapping(field_name, value) or {}
    if not param.keys:
        return mapping
    return _checked(mapping, {k.name: k for k in param.keys}, lambda key: f"{field_name}.{key}", param.name)


def _checked(values: Mapping[str, Any], known: Mapping[str, Param], label: Callable[[str], str], owner: str,
             ) -> dict[str, Any]:
    """Each value checked by the parameter its key names (``name[]`` names ``name``), keyed by Trackier's
    spelling; a key naming no parameter is an error listing the known ones."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        bare = key[:-2] if isinstance(key, str) and key.endswith("[]") else key
        param = known.get(bare)
        if param is None:
            raise TrackierConfigError(
                label(key), f"is not a parameter of {owner}", f"Use one of: {', '.join(known) or 'none'}."
            )
        if value is not None:
            out[param.name] = check_value(label(bare), param, value)
    return out


def check_body(operation: Operation, data: Any) -> Any:
    """The body checked against the operation's model (``BodyModel.problems``: required fields, JSON types,
    allowed values; then the formats Trackier enforces), or an error; numbers in text become numbers."""
    if operation.body is None:
        if data is not None:
            raise TrackierConfigError("data", f"{operation.name} takes no body", "Leave data unset.")
        return None
    if operation.content == "multipart":
        raise TrackierConfigError(
            "operation", f"{operation.name} sends multipart/form-data, which this provider does not send yet",
            "Upload the file in the Trackier panel.",
        )
    model = MODELS[operation.body]
    if data is None and not model.required:
        return None
    body = dict(check_json("data", check_mapping("data", data) if not isinstance(data, Mapping) else data) or {})
    for name, kinds in model.types.items():  # a number in text (a rendered template) sent as the number it is
        if isinstance(body.get(name), str) and body[name].strip() and set(kinds) <= {"integer", "number"}:
            body[name] = check_number(f"data.{name}", body[name], whole="number" not in kinds, from_text=True)
    for name, problem in model.problems(body):
        allowed = model.choices.get(name)
        fix = f"Use one of: {', '.join(map(str, allowed))}." if allowed and "one of" in problem else (
            f"{operation.name} needs {name} in data." if problem == "is required" else "")
        raise TrackierConfigError(f"data.{name}" if name else "data", problem, fix)
    for name, kind in model.formats.items():
        if body.get(name) is not None:
            _FORMATS[kind](body[name], f"data.{name}")
    return body


_FORMATS = {"email": check_email, "password": check_password}


def choices_of(operation: str, param: str, key: str | None = None) -> tuple[str, ...]:
    """The values the catalogue allows for a query parameter of ``operation`` (or for ``key`` of an object
    parameter): the one table the typed operators and ``hook.api`` both check against."""
    found = OPERATIONS[operation].param(param)
    if found is not None and key is not None:
        found = found.key(key)
    if found is None or not found.allowed:
        raise KeyError(f"{operation} {param} {key or ''}: the catalogue lists no values")
    return tuple(str(c) for c in found.allowed)


def natural_lookup(call: Call) -> tuple[Call, dict[str, Any]] | None:
    """Where a create's object would be listed, and the fields that identify it: the catalogue's natural key
    of ``call.operation`` (the lookup narrowed server-side where the key says how); None without a key."""
    key = call.operation.natural_key
    if key is None:
        return None
    body = call.body if isinstance(call.body, Mapping) else {}
    lookup = OPERATIONS[key.lookup]
    query: dict[str, Any] = {}
    for name, field_name in key.narrow.items():
        param = lookup.param(name)
        kind = param.type if param is not None else "string"
        if body.get(field_name) is not None:
            value = body[field_name]
            query[name] = {field_name: value} if kind == "object" else ([value] if kind == "array" else value)
    ids = {p.arg: call.ids[p.arg] for p in lookup.path_params}
    return prepare(lookup, ids, query, by_arg=False), {name: body.get(name) for name in key.fields}


__all__ = [
    "Call",
    "check_body",
    "check_limit",
    "check_query",
    "choices_of",
    "natural_lookup",
    "operation_named",
    "path_operation",
    "prepare",
]
