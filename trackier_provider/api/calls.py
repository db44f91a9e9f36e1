"""A call checked against the catalogue before any request: ``prepare`` turns an operation, its ids, query
parameters and body into a ``Call`` (path built by ``trackier_provider.paths.build_path``; query, headers,
body and page size checked against the catalogue) or raises ``TrackierConfigError`` naming the field.

A header parameter (``editConv``'s ``is_multiple``) is given with the query parameters and sent as a header.
A multipart operation's body holds its form fields and its files: each file a local path or bytes
(``Upload``), checked when the call is prepared (no I/O) and read, checked again and recognised by its
content when the call is sent (``Call.sent``).

``TrackierHook`` sends ``Call`` objects (``TrackierHook.call``, ``pages``, ``records``): every rule of the
operation (budget group, answer schema, paging, idempotency) travels with it. ``path_operation`` describes a
raw path for the hook's path-based escape hatch (``TrackierHook.request``).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import PurePath
from typing import Any

from trackier_provider.api.catalogue import MODELS, OPERATIONS
from trackier_provider.api.model import FileFormat, Method, Operation, Pages, Param
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
from trackier_provider.windows import check_day

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


#: Bytes read from the start of a file to recognise its kind (the longest signature is 8 bytes).
_HEAD = 16


@dataclass(frozen=True)
class Upload:
    """A file a multipart field sends: a local path (read when the call is sent) or the bytes themselves.

    ``field`` names it in errors (``data.image``), ``formats`` are the kinds of file the field takes (the
    catalogue's ``BodyModel.files``): the content must start with one of their signatures, and that format's
    media type is the part's content type.
    """

    field: str
    source: str | bytes
    formats: tuple[FileFormat, ...]

    def read(self) -> tuple[str, bytes, str]:
        """``(file name, content, media type)``: a path opened now (without waiting on a pipe) and read whole
        when it is a regular file; ``TrackierConfigError`` when it is missing, a directory, a pipe, socket or
        device, unreadable, or of a kind the field does not take."""
        if isinstance(self.source, bytes):
            kind = self.kind(self.source)
            return f"{self.field.rpartition('.')[2]}.{kind.extension}", self.source, kind.media_type
        path = self.source
        try:
            # Non-blocking: opening a named pipe must not wait for a writer; fstat then judges what was opened.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            raise TrackierConfigError(self.field, f"{path!r} does not exist",
                                      "Pass the path of the file as the worker sees it, or its bytes.") from None
        except OSError as exc:
            raise TrackierConfigError(self.field, f"{path!r} cannot be opened ({exc.strerror})",
                                      "Pass a file the worker may read, or its bytes.") from None
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise TrackierConfigError(self.field, f"{path!r} is a directory", "Pass the path of a file.")
            if not stat.S_ISREG(mode):
                raise TrackierConfigError(self.field, f"{path!r} is not a regular file (a pipe, socket or device)",
                                          "Pass the path of a regular file, or its bytes.")
            with os.fdopen(os.dup(fd), "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise TrackierConfigError(self.field, f"{path!r} cannot be read ({exc.strerror})",
                                      "Pass a file the worker may read, or its bytes.") from None
        finally:
            os.close(fd)
        return PurePath(path).name, content, self.kind(content, path).media_type

    def kind(self, content: bytes, path: str | None = None) -> FileFormat:
        """The format whose signature ``content`` starts with, or ``TrackierConfigError`` naming those taken."""
        found = next((f for f in self.formats if f.matches(content[:_HEAD])), None)
        if found is None:
            what = f"{path!r} is" if path is not None else ("the bytes are" if content else "the bytes are empty:")
            raise TrackierConfigError(
                self.field, f"{what} not a file of a kind it takes ({', '.join(f.extension for f in self.formats)})",
                "Pass a file of one of those kinds.")
        return found


def upload(field_name: str, value: Any, formats: tuple[FileFormat, ...]) -> Upload:
    """A file field's value checked without I/O: a path (text or ``os.PathLike``) or bytes, whose kind is
    recognised now; anything else is ``TrackierConfigError``."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        content = bytes(value)
        file = Upload(field_name, content, formats)
        file.kind(content)
        return file
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise TrackierConfigError(
            field_name, f"must be a file's path or its bytes, got {type(value).__name__} {value!r}"[:200],
            "Pass e.g. '/data/logo.png' or the file's bytes.")
    return Upload(field_name, value, formats)


@dataclass(frozen=True)
class Outgoing:
    """What one request of a call sends besides its path and query, in requests' terms: a JSON body, or the
    parts of a multipart/form-data body (requests' ``files=``: a field is a part without a file name), and
    the call's own headers. ``TrackierHook`` sends it (``_send``)."""

    json: Any = None
    parts: tuple[tuple[str, tuple[str | None, bytes | str, str | None]], ...] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def requests_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``requests.Session.request`` that carry this."""
        sent: dict[str, Any] = {"json": self.json} if self.parts is None else {"files": list(self.parts)}
        if self.headers:
            sent["headers"] = dict(self.headers)
        return sent


@dataclass(frozen=True)
class Call:
    """A checked request for one operation: built path, query parameters, headers, body (a multipart
    operation's form fields), files, page size."""

    operation: Operation
    ids: Mapping[str, Any]
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    page_size: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, Upload] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, Any]:
        """What one request of this call sends: its parameters, and its page size as ``limit``."""
        return {**self.params, "limit": self.page_size} if self.page_size is not None else dict(self.params)

    def sent(self) -> Any:
        """The body as ``TrackierHook`` sends it: the JSON body itself, or, for a multipart operation or a
        call with headers, an ``Outgoing`` (its files read now, so every attempt sends the same bytes)."""
        if self.operation.content != "multipart" and not self.headers:
            return self.body
        if self.operation.content != "multipart":
            return Outgoing(self.body, None, self.headers)
        parts: list[tuple[str, tuple[str | None, bytes | str, str | None]]] = []
        for name, value in (self.body or {}).items():
            for item in value if isinstance(value, list) else [value]:
                parts.append((name, (None, _form_text(item), None)))
        for name, file in self.files.items():
            parts.append((name, file.read()))
        return Outgoing(None, tuple(parts), self.headers)


def _form_text(value: Any) -> str:
    """A form field's value as text: numbers as they are written, booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


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
    query, headers = _split_headers(operation, query, by_arg=by_arg, prefix=prefix)
    params = check_query(operation, query, by_arg=by_arg, prefix=prefix)
    if operation.pages is not None and "limit" in params:
        size = params.pop("limit")
        page_size = size if page_size is None else page_size
    paging_size = None
    if operation.pages is not None and operation.param("limit") is not None:
        paging_size = check_limit(operation.pages, page_size, path) if page_size is not None else None
    elif page_size is not None:
        raise TrackierConfigError("page_size", f"{operation.name} takes no page size", "Leave page_size unset.")
    data, files = check_files(operation, data)
    return Call(operation, given, path, params, check_body(operation, data), paging_size, headers, files)


def _split_headers(operation: Operation, query: Any, *, by_arg: bool, prefix: str,
                   ) -> tuple[Any, dict[str, str]]:
    """The query without the operation's header parameters, and those headers checked and spelled as sent."""
    if not operation.headers or not isinstance(query, Mapping):
        return query, {}
    known = {(p.arg if by_arg else p.name): p for p in operation.headers}
    rest: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for key, value in query.items():
        param = known.get(key)
        if param is None:
            rest[key] = value
        elif value is not None:
            checked = check_value(f"{prefix}{key}", param, value)
            headers[param.name] = _form_text(checked)
    return rest, headers


def check_files(operation: Operation, data: Any) -> tuple[Any, dict[str, Upload]]:
    """A multipart body's files taken out of ``data`` and checked (``upload``); the rest is its form fields."""
    formats = MODELS[operation.body].files if operation.body is not None else {}
    if not formats or not isinstance(data, Mapping):
        return data, {}
    fields = {k: v for k, v in data.items() if k not in formats}
    files = {k: upload(f"data.{k}", v, formats[k]) for k, v in data.items() if k in formats and v is not None}
    return fields, files


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
    "Outgoing",
    "Upload",
    "check_body",
    "check_files",
    "check_limit",
    "check_query",
    "choices_of",
    "natural_lookup",
    "operation_named",
    "path_operation",
    "prepare",
    "upload",
]
