"""The shape of the catalogue: one frozen ``Operation`` per Admin API operation, and the helpers that write it.

Nothing here imports Airflow, so the emulator reads the same catalogue as the hook.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

#: How a value is spelled and checked: ``id`` is a numeric or hash id (an integer or text), ``date`` is
#: ``YYYY-MM-DD``, ``object`` is a PHP-style nested parameter such as ``filters[status]=active``.
ParamType = Literal["integer", "number", "string", "boolean", "date", "id", "array", "object"]
PagingStyle = Literal["keyset", "page", "cursor"]
Method = Literal["GET", "POST", "PATCH", "DELETE"]
Content = Literal["json", "multipart"]
#: A JSON type a body field may have (a field may allow several, e.g. an id as ``integer`` or ``string``).
JsonType = Literal["string", "integer", "number", "boolean", "array", "object", "null"]
#: The request parameter that carries each paging style's position.
CURSOR_PARAMS: Mapping[str, str] = MappingProxyType({"keyset": "lastId", "page": "page", "cursor": "pageToken"})

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(name: str) -> str:
    """``lastId`` -> ``last_id``: the Python keyword for a parameter Trackier spells in camel case."""
    return _CAMEL.sub(r"_\1", name).lower()


@dataclass(frozen=True)
class Param:
    """One query, path or header parameter.

    ``name`` is how Trackier spells it, ``arg`` the Python keyword the typed API takes for it. ``choices``
    are the values Trackier's spec allows (of each item, for arrays), ``also`` values the provider accepts
    besides them (the API takes them although the spec leaves them out); ``keys`` the documented
    sub-parameters of an ``object`` (none: any key). ``documented`` is False for a parameter Trackier's spec
    leaves out but the API takes (and this provider sends).
    """

    name: str
    type: ParamType
    required: bool = False
    choices: tuple[Any, ...] = ()
    keys: tuple[Param, ...] = ()
    arg: str = ""
    documented: bool = True
    also: tuple[Any, ...] = ()

    @property
    def allowed(self) -> tuple[Any, ...]:
        """Every value the provider accepts: the spec's ``choices`` and ``also`` (empty: any value)."""
        return (*self.choices, *self.also)

    def __post_init__(self) -> None:
        if not self.arg:
            object.__setattr__(self, "arg", snake(self.name))

    def key(self, name: str) -> Param | None:
        """The documented sub-parameter ``name`` of an object parameter, or None."""
        return next((k for k in self.keys if k.name == name), None)


@dataclass(frozen=True)
class Pages:
    """How a list operation pages: the style, where its records sit (dotted) and its page-size bounds.

    ``total`` is where an answer announces the list's total (dotted), for operations that announce one;
    ``total_optional`` marks those whose answers may omit it (Trackier's own example answer has none): their
    pages are then verified by the fallback rule of ``hooks.pagination`` (read until a short page, which must
    be followed by an empty one; every record's id checked against those already read).
    """

    style: PagingStyle
    records: str
    default_limit: int | None = None
    min_limit: int | None = None
    max_limit: int | None = None
    total: str | None = None
    total_optional: bool = False

    @property
    def cursor_param(self) -> str:
        """The request parameter carrying the position (``lastId``, ``page`` or ``pageToken``)."""
        return CURSOR_PARAMS[self.style]


@dataclass(frozen=True)
class NaturalKey:
    """What identifies an object a create would make: body ``fields`` compared (trimmed, case-insensitive)
    with the records of the list operation ``lookup``. ``narrow`` maps a query parameter of the lookup to the
    body field whose value narrows it server-side (an object parameter gets ``{field: value}``)."""

    fields: tuple[str, ...]
    lookup: str
    narrow: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


_TYPE_WORDS: Mapping[str, str] = MappingProxyType({
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
    "array": "an array", "object": "an object", "null": "null"})


def _is(value: Any, kind: str) -> bool:
    """True when ``value`` (decoded JSON) is of JSON type ``kind`` (a boolean is no number)."""
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = {"string": str, "boolean": bool, "array": list, "object": Mapping, "null": type(None)}[kind]
    return isinstance(value, expected)


def _allowed(value: Any, allowed: tuple[Any, ...], as_text: bool) -> bool:
    if as_text:
        return str(value) in {str(a) for a in allowed}
    return any(value == a and isinstance(value, bool) == isinstance(a, bool) for a in allowed)


@dataclass(frozen=True)
class FileFormat:
    """A kind of file a multipart file field takes: its media type (sent as the part's content type), the
    file-name extension of bytes sent without a name, and the signatures its content starts with (how the
    provider recognises the file, whatever its name)."""

    media_type: str
    extension: str
    signatures: tuple[bytes, ...]

    def matches(self, content: bytes) -> bool:
        """True when ``content`` starts with one of this format's signatures."""
        return content.startswith(self.signatures)


@dataclass(frozen=True)
class BodyModel:
    """A request body: its required top-level fields, the JSON types of its fields and the allowed values of
    the enumerated ones (of each item, for an array). :meth:`problems` is the one rule that checks a body."""

    name: str
    required: tuple[str, ...] = ()
    choices: Mapping[str, tuple[Any, ...]] = field(default_factory=lambda: MappingProxyType({}))
    types: Mapping[str, tuple[JsonType, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: Fields with a format Trackier enforces beyond their type (``email``, ``password``), checked by the
    #: provider before sending (``api.calls.check_body``).
    formats: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: The file fields of a multipart body and the kinds of file each takes (``api.calls.Upload``).
    files: Mapping[str, tuple[FileFormat, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: Numeric fields that must not be negative (a cap's limits).
    not_negative: tuple[str, ...] = ()
    #: Fields of which a body must set at least one (a cap without any limit caps nothing).
    one_of: tuple[str, ...] = ()

    def problems(self, body: Any, *, as_text: bool = False) -> list[tuple[str, str]]:
        """What is wrong with ``body`` as ``(field, problem)`` pairs, in field order; empty when it is right.

        A required field is missing when absent, null, ``""`` or ``[]``. Fields the model does not type pass
        (Trackier's spec leaves some bodies open). ``as_text``: a form's fields, which arrive as text, so their
        types are not checked and allowed values are compared as text.
        """
        if not isinstance(body, Mapping):
            return [("", "must be an object")]
        found = [(name, "is required") for name in self.required if _missing(body.get(name))]
        for name, value in body.items():
            if _missing(value) and name in self.required:
                continue
            kinds = self.types.get(name, ())
            if kinds and not as_text and not any(_is(value, kind) for kind in kinds):
                found.append((name, "must be " + " or ".join(_TYPE_WORDS[kind] for kind in kinds)))
                continue
            if name in self.not_negative and _negative(value):
                found.append((name, "must not be negative"))
                continue
            allowed = self.choices.get(name)
            if allowed is None or (value is None and None in allowed):
                continue
            items = value if isinstance(value, list) and "array" in kinds else [value]
            if not all(_allowed(item, allowed, as_text) for item in items):
                found.append((name, f"must be one of [{', '.join(map(str, allowed))}]"))
        if self.one_of and all(_missing(body.get(name)) for name in self.one_of):
            found.append((self.one_of[0], f"one of {', '.join(self.one_of)} is required"))
        return found


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and not value)


def _negative(value: Any) -> bool:
    """A number below zero, or a text that reads as one (a form's field)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value < 0
    if isinstance(value, str):
        try:
            return float(value) < 0
        except ValueError:
            return False
    return False


@dataclass(frozen=True)
class Operation:
    """One Admin API operation.

    ``path`` is Trackier's template (``/v2/campaigns/{id}/caps/{capId}``); ``path_params`` name its
    placeholders in order, each with the Python keyword the typed API takes (``campaign_id``, ``cap_id``).
    ``records`` is where a list's records sit in the answer (dotted), ``result`` where a single object sits.
    ``side_effect`` says whether the call changes anything in Trackier; ``idempotent`` whether repeating it
    after a lost answer is harmless (reads, deletes and edits that set the same state again). ``group`` is
    the request budget the call draws from (``default``, ``reports`` or ``logs``: see ``hooks.throttle``).
    """

    name: str
    method: Method
    path: str
    path_params: tuple[Param, ...] = ()
    query: tuple[Param, ...] = ()
    headers: tuple[Param, ...] = ()
    body: str | None = None
    content: Content = "json"
    pages: Pages | None = None
    records: str | None = None
    result: str | None = None
    side_effect: bool = True
    idempotent: bool = False
    natural_key: NaturalKey | None = None
    group: str = "default"

    @property
    def resource(self) -> str:
        """``campaigns.caps`` for ``campaigns.caps.update``."""
        return self.name.rpartition(".")[0]

    @property
    def action(self) -> str:
        """``update`` for ``campaigns.caps.update``."""
        return self.name.rpartition(".")[2]

    @property
    def paging(self) -> str:
        """``keyset``, ``page``, ``cursor`` or ``none``."""
        return self.pages.style if self.pages is not None else "none"

    @property
    def records_at(self) -> str | None:
        """Where the records of a list operation sit (paged or not); None for other operations."""
        return self.pages.records if self.pages is not None else self.records

    @property
    def arg_template(self) -> str:
        """The path template spelled with the Python keywords (``/v2/campaigns/{campaign_id}/caps``)."""
        args = {p.name: p.arg for p in self.path_params}
        return _PLACEHOLDER.sub(lambda m: "{" + args[m.group(1)] + "}", self.path)

    def param(self, name: str) -> Param | None:
        """The query parameter Trackier spells ``name`` (``kpi`` also for ``kpi[]``), or None."""
        bare = name[:-2] if name.endswith("[]") else name
        return next((p for p in self.query if p.name == bare), None)


# ----------------------------------------------------------------------------- builders for catalogue.py
def q(name: str, type_: ParamType, *, required: bool = False, choices: tuple[Any, ...] = (),
      keys: tuple[Param, ...] = (), arg: str = "", documented: bool = True, also: tuple[Any, ...] = ()) -> Param:
    """A query parameter (or a key of an object parameter)."""
    return Param(name, type_, required, choices, keys, arg, documented, also)


def keyset(records: str, **bounds: Any) -> Pages:
    """``lastId`` paging."""
    return Pages("keyset", records, **bounds)


def page(records: str, **bounds: Any) -> Pages:
    """``page`` + ``limit`` paging."""
    return Pages("page", records, **bounds)


def cursor(records: str, **bounds: Any) -> Pages:
    """``pageToken`` paging."""
    return Pages("cursor", records, **bounds)


def natural(lookup: str, *fields: str, narrow: Mapping[str, str] | None = None) -> NaturalKey:
    """A create's natural key (see ``NaturalKey``)."""
    return NaturalKey(tuple(fields), lookup, MappingProxyType(dict(narrow or {})))


def model(name: str, *required: str, types: str = "", formats: str = "",
          files: Mapping[str, tuple[FileFormat, ...]] | None = None, not_negative: str = "", one_of: str = "",
          **choices: tuple[Any, ...]) -> BodyModel:
    """A body model; ``types`` lists ``field:type`` words, several types joined by ``|``
    (``"title:string advertiserId:string|integer"``), ``formats`` ``field:format`` words, ``files`` the file
    fields of a multipart body with the kinds of file each takes; ``not_negative`` and ``one_of`` list fields
    (words) that must not be below zero, and of which at least one must be set."""
    table: dict[str, tuple[JsonType, ...]] = {}
    for word in types.split():
        field_name, _, kinds = word.rpartition(":")
        for kind in kinds.split("|"):
            if kind not in _TYPE_WORDS:
                raise ValueError(f"{name}.{field_name}: {kind!r} is not a JSON type")
        table[field_name] = tuple(kinds.split("|"))  # type: ignore[arg-type]
    formatted = dict(word.rpartition(":")[::2] for word in formats.split())
    return BodyModel(name, tuple(required), MappingProxyType(choices), MappingProxyType(table),
                     MappingProxyType(formatted), MappingProxyType(dict(files or {})), tuple(not_negative.split()),
                     tuple(one_of.split()))


def op(name: str, method: Method, path: str, *, ids: tuple[str, ...] = (), query: tuple[Param, ...] = (),
       headers: tuple[Param, ...] = (), body: str | None = None, content: Content = "json",
       pages: Pages | None = None, records: str | None = None, result: str | None = None,
       side_effect: bool | None = None, idempotent: bool | None = None, key: NaturalKey | None = None,
       ) -> Operation:
    """An operation; ``ids`` are the Python keywords of the path's placeholders, in order.

    By default a GET has no side effect, and GETs, DELETEs, edits (``update``) and calls without a side
    effect are idempotent.
    """
    placeholders = _PLACEHOLDER.findall(path)
    effect = method != "GET" if side_effect is None else side_effect
    if idempotent is None:
        idempotent = method in ("GET", "DELETE") or name.endswith(".update") or not effect
    return Operation(
        name, method, path, tuple(Param(p, "id", True, arg=a) for p, a in zip(placeholders, ids, strict=True)), query,
        headers, body, content, pages, records, result, effect, idempotent, key,
    )


def index(*operations: Operation, group: Callable[[Operation], str]) -> Mapping[str, Operation]:
    """The read-only mapping name -> operation, each with the budget ``group`` says (a repeated name or
    method/path pair is a mistake)."""
    table: dict[str, Operation] = {}
    pairs: set[tuple[str, str]] = set()
    for operation in (replace(o, group=group(o)) for o in operations):
        pair = (operation.method, operation.path)
        if operation.name in table or pair in pairs:
            raise ValueError(f"{operation.name} ({pair}) is in the catalogue twice")
        table[operation.name] = operation
        pairs.add(pair)
    return MappingProxyType(table)


def dig(payload: Any, dotted: str) -> Any:
    """Follow a dotted location such as ``data.changedCampaigns`` (``Operation.records``, ``Pages.total``)
    into a decoded answer; None where it leads nowhere."""
    for part in dotted.split("."):
        if not isinstance(payload, Mapping):
            return None
        payload = payload.get(part)
    return payload


def words(text: str) -> tuple[str, ...]:
    """``("a", "b", "c")`` from ``"a b c"``: long lists of allowed values, written compactly."""
    return tuple(text.split())
