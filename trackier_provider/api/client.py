"""Calls by operation name: the catalogue's checks before any request, then one request or a lazy list.

``prepare`` turns an operation, its ids, query parameters and body into a checked ``Call`` (path built
by ``trackier_provider.paths.build_path``; query and body checked against the catalogue) or raises
``TrackierConfigError`` naming the field. ``ApiClient`` sends a ``Call`` with a ``TrackierHook``: a list
operation yields the records of every page lazily (``TrackierHook.paginate``), any other returns the decoded
answer. ``TrackierHook.api`` (``trackier_provider.api.generated``) puts typed methods in front of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from typing import TYPE_CHECKING, Any

from trackier_provider.api.catalogue import MODELS, OPERATIONS
from trackier_provider.api.model import Operation, Param
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.pagination import Paging, dig, paging_of, records_check
from trackier_provider.paths import build_path
from trackier_provider.validation import (
    check_choice,
    check_choices,
    check_id,
    check_ids,
    check_json,
    check_mapping,
    check_number,
    check_text,
)
from trackier_provider.windows import check_day

if TYPE_CHECKING:
    from trackier_provider.hooks.trackier import TrackierHook

_TRUE, _FALSE = ("true", "1"), ("false", "0")


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
    def paging(self) -> Paging | None:
        """The operation's paging for this call's path (None for operations that do not page)."""
        return paging_of(self.operation.name, self.path) if self.operation.pages is not None else None


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
        paging_size = Paging(path, "", operation.pages.style, None, operation.pages.min_limit,
                             operation.pages.max_limit).check_limit(page_size)
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
        return check_day(field_name, value)
    if kind == "id":
        return check_id(field_name, value)
    if kind == "array":
        if param.choices:
            return check_choices(field_name, value, [str(c) for c in param.choices])
        return check_ids(field_name, value) or []
    if kind == "object":
        return _object(field_name, param, value)
    text = check_text(field_name, str(value) if isinstance(value, Integral) and not isinstance(value, bool) else value)
    return check_choice(field_name, text, [str(c) for c in param.choices]) if param.choices else text


def _flag(field_name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise TrackierConfigError(field_name, f"must be True or False, got {value!r}", f"Pass {field_name}=True or False.")


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
    """The body checked against the operation's model (required fields, allowed values), or an error."""
    if operation.body is None:
        if data is not None:
            raise TrackierConfigError("data", f"{operation.name} takes no body", "Leave data unset.")
        return None
    if operation.content == "multipart":
        raise TrackierConfigError(
            "operation", f"{operation.name} sends multipart/form-data, which TrackierHook cannot send",
            "Change this setting in the Trackier panel.",
        )
    model = MODELS[operation.body]
    if data is None and not model.required:
        return None
    body = check_json("data", check_mapping("data", data) if not isinstance(data, Mapping) else data)
    if body is None:
        body = {}
    for name in model.required:
        if body.get(name) in (None, "", []):
            raise TrackierConfigError(f"data.{name}", "is required", f"{operation.name} needs {name} in data.")
    for name, allowed in model.choices.items():
        if name in body and body[name] not in allowed:
            raise TrackierConfigError(
                f"data.{name}", f"{body[name]!r} is not allowed", f"Use one of: {', '.join(map(str, allowed))}."
            )
    return body


class ApiClient:
    """Sends checked calls with a hook: one request, or the records of a list operation's pages."""

    def __init__(self, hook: TrackierHook) -> None:
        self.hook = hook

    def call(self, name: str, ids: Mapping[str, Any] | None = None, query: Mapping[str, Any] | None = None,
             data: Any = None, *, page_size: int | None = None) -> Any:
        """Check and send ``name``: an iterator over the records of a list operation, else the answer."""
        checked = prepare(OPERATIONS[name], ids, query, data, page_size=page_size)
        return self.records(checked) if checked.operation.records_at else self.send(checked)

    def send(self, call: Call, *, idempotent: bool | None = None) -> Any:
        """One request; the decoded answer. ``idempotent=True`` lets the hook retry a call the catalogue
        does not call idempotent after an ambiguous failure."""
        operation = call.operation
        return self.hook.request(operation.method, call.path, params=call.params or None, json=call.body,
                                 idempotent=operation.idempotent or bool(idempotent))

    def records(self, call: Call) -> Iterator[Any]:
        """The records of a list operation, every page, lazily: nothing is sent until the first is read."""
        paging = call.paging
        if paging is not None:
            return self.hook.paginate(paging, call.params, page_size=call.page_size)
        return self._single(call)

    def _single(self, call: Call) -> Iterator[Any]:
        key = call.operation.records_at or ""
        answer = self.hook.get(call.path, call.params or None, check=records_check(key, call.path))
        yield from dig(answer, key)


class Resource:
    """Base of the generated resource classes: they share one ``ApiClient``."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client


__all__ = ["ApiClient", "Call", "Resource", "check_body", "check_query", "operation_named", "prepare"]
