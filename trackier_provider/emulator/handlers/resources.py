"""Stateful CRUD for the catalogue's resources, driven by ``trackier_provider.api.OPERATIONS``.

One ``Kind`` per stored resource (campaign caps, goals, notes, postbacks, ...) says how a create body
becomes an object; the operation's catalogue entry says the rest: which path id names the parent and the
object, where records and results sit in the answer, how a list pages, which query parameters and body
fields are required or enumerated. Every request is checked against the catalogue first (107 in the
route's envelope), a missing parent or object is 109, and objects live in per-store tables, so what the
API creates appears in lists, edits are visible and a deleted object is 109 afterwards. ``emu.reset()``
starts a new store and with it empty tables.

Adding a resource is one ``Kind`` and one line per operation in ``ROUTES``.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from trackier_provider.api import MODELS, OPERATIONS, BodyModel, Operation
from trackier_provider.emulator.errors import Variant, not_found, validation_error
from trackier_provider.emulator.handlers.common import done, lookup, now_iso
from trackier_provider.emulator.paging import offset_page
from trackier_provider.emulator.rng import hex_id, stream
from trackier_provider.emulator.router import Call, Router
from trackier_provider.emulator.store import Store

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

Obj = dict[str, Any]
#: Builds a new object from a create body: (app, body, parent or None, new key) -> object.
Builder = Callable[["EmulatorApp", Obj, "Obj | None", str], Obj]
#: Serves one operation: (app, operation, call) -> answer.
Handler = Callable[["EmulatorApp", Operation, Call], Any]


class Table:
    """The objects of one kind, keyed by (parent id, key), in creation order."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Obj] = {}
        #: How many keys were handed out (deleted objects' keys are never reused).
        self.created = 0

    def put(self, scope: str, key: str, obj: Obj) -> Obj:
        """Store (or replace) an object."""
        self.rows[(scope, key)] = obj
        return obj

    def find(self, scope: str, key: str) -> Obj | None:
        """The object, or None when it never existed or was deleted."""
        return self.rows.get((scope, key))

    def all(self, scope: str) -> list[Obj]:
        """The live objects of one parent (``""`` for top-level kinds), oldest first."""
        return [obj for (owner, _), obj in self.rows.items() if owner == scope]

    def remove(self, scope: str, key: str) -> None:
        """Delete an object."""
        self.rows.pop((scope, key), None)


@dataclass(frozen=True)
class Kind:
    """A stored resource: its not-found label, key field, create builder (none: the API cannot create it)
    and parent collection (``campaign``, ``publisher``, ``advertiser``). ``seed`` gives the objects a fresh
    store starts with.
    """

    label: str
    key: str
    build: Builder | None = None
    parent: str | None = None
    numeric: bool = False
    seed: Callable[[EmulatorApp], list[Obj]] | None = None


_STATE: weakref.WeakKeyDictionary[Store, dict[str, Table]] = weakref.WeakKeyDictionary()


def table(app: EmulatorApp, kind: Kind) -> Table:
    """The table of ``kind`` in the app's current store (created, with its seeds, on first use)."""
    tables = _STATE.setdefault(app.store, {})
    if kind.label not in tables:
        tables[kind.label] = found = Table()
        for obj in kind.seed(app) if kind.seed else []:
            found.put("", str(obj[kind.key]), obj)
            found.created += 1
    return tables[kind.label]


def hash_of(app: EmulatorApp, kind: str, number: int) -> str:
    """The 24-hex id of object ``number`` of ``kind`` (a pure function of the seed)."""
    return hex_id(stream(app.config.seed, kind), number)


def new_key(app: EmulatorApp, kind: Kind) -> str:
    """A fresh key: the next number for numeric kinds, else a 24-hex id."""
    rows = table(app, kind)
    rows.created += 1
    return str(rows.created) if kind.numeric else hash_of(app, kind.label, rows.created)


# ----------------------------------------------------------------------------- request bodies and checks
def form(call: Call) -> Obj:
    """The body as a dict: JSON, or a multipart / url-encoded form (field values as text).

    A multipart field sent more than once (or named ``name[]``) is a list of its values; a file part is
    ``{"filename", "contentType", "size"}`` (its name without any directory, its media type, its bytes).
    """
    kind = call.request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + call.request.body)
        fields: Obj = {}
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            value: Any = content.decode("utf-8", "replace") if filename is None else {
                "filename": PurePosixPath(filename.replace("\\", "/")).name, "contentType": part.get_content_type(),
                "size": len(content)}
            listed = name.endswith("[]")
            name = name.removesuffix("[]")
            if name in fields or listed:
                previous = fields.get(name, [])
                fields[name] = [*(previous if isinstance(previous, list) else [previous]), value]
            else:
                fields[name] = value
        return fields
    if kind.startswith("application/x-www-form-urlencoded"):
        return {k: vals[0] for k, vals in parse_qs(call.request.body.decode(), keep_blank_values=True).items()}
    return call.body()


def check_query(operation: Operation, call: Call) -> None:
    """The query's whole-number, enumerated and required parameters, with Trackier's messages (107)."""
    p = call.params
    for param in operation.query:
        if param.type == "integer":
            p.integer(param.name, 0)
        if param.choices and param.type == "array":
            p.choices(param.name, tuple(str(c) for c in param.choices))
        elif param.choices and param.type != "object":
            p.choice(param.name, tuple(str(c) for c in param.choices))
        if param.required and not p.values(param.name):
            raise validation_error(f'"{param.name}" is required', variant=call.route.variant)


def body_of(operation: Operation, call: Call) -> Obj:
    """The body (``{}`` for operations without one); the application has already checked it against the
    operation's body model (``BodyModel.problems``) before the endpoint runs. A multipart form's fields
    come typed (``typed_form``)."""
    if operation.body is None:
        return {}
    body = form(call)
    return typed_form(MODELS[operation.body], body) if operation.content == "multipart" else body


def typed_form(model: BodyModel, fields: Obj) -> Obj:
    """A multipart form's fields as the model types them (107 otherwise): whole numbers from their text, an
    array field sent once as a one-item list, a file field a file of a kind the model takes."""
    typed: Obj = {}
    for name, value in fields.items():
        kinds = model.types.get(name, ())
        formats = model.files.get(name)
        if formats is not None:
            if not isinstance(value, dict):
                raise validation_error(f'"{name}" must be a file')
            taken = {f.media_type for f in formats}
            if value["contentType"] not in taken or not value["size"]:
                raise validation_error(f'"{name}" must be a {" | ".join(f.extension for f in formats)} file')
        elif "array" in kinds:
            value = value if isinstance(value, list) else [value]
        elif isinstance(value, (list, dict)):
            raise validation_error(f'"{name}" must be a single value')
        elif kinds and set(kinds) <= {"integer", "number"}:
            try:
                value = int(value) if "number" not in kinds else float(value)
            except ValueError:
                raise validation_error(f'"{name}" must be a number') from None
        typed[name] = value
    return typed


def array(body: Obj, name: str, *, required: bool = False) -> list[Any]:
    """``body[name]`` as a list (``[]`` when absent and not ``required``), or 107 ``"<name>" must be an array``."""
    value = body.get(name, None if required else [])
    if not isinstance(value, list):
        raise validation_error(f'"{name}" must be an array')
    return value


def nest(dotted: str | None, value: Any) -> Obj:
    """``{"data": {"postback": value}}`` for ``data.postback``; ``{}`` for no path."""
    if not dotted:
        return {}
    answer: Any = value
    for part in reversed(dotted.split(".")):
        answer = {part: answer}
    return dict(answer)


# ----------------------------------------------------------------------------- the generic operations
def _scope(app: EmulatorApp, kind: Kind, operation: Operation, call: Call) -> tuple[str, Obj | None]:
    """The parent's id (``""`` for top-level kinds) and the parent, or 109 when it does not exist."""
    if kind.parent is None:
        return "", None
    collection = getattr(app.store, kind.parent + "s")
    parent = lookup(app, collection, call.path_params[operation.path_params[0].name], kind.parent.title())
    return str(parent["id"]), parent


def _object(app: EmulatorApp, kind: Kind, operation: Operation, call: Call) -> tuple[str, Obj]:
    scope, _ = _scope(app, kind, operation, call)
    key = call.path_params[operation.path_params[-1].name]
    found = table(app, kind).find(scope, key)
    if found is None:
        raise not_found(kind.label)
    return scope, found


def listing(kind: Kind, app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """Every object of the parent; page + limit where the catalogue says the list pages."""
    scope, _ = _scope(app, kind, operation, call)
    return paged(operation, call, table(app, kind).all(scope))


def paged(operation: Operation, call: Call, rows: list[Obj]) -> Obj:
    """``rows`` as the operation's list answer: records where the catalogue says, one page of them when
    it pages (``page``/``limit``), the total where the catalogue says it is announced."""
    answer: Obj = {"success": True}
    pages = operation.pages
    if pages is None:
        return answer | nest(operation.records_at, rows)
    page = call.params.integer("page", 1, minimum=1)
    limit = call.params.integer("limit", pages.default_limit or 100, minimum=pages.min_limit or 1,
                                maximum=pages.max_limit)
    answer |= nest(pages.records, offset_page(rows, page, limit))
    if pages.total == "pagination.total":
        answer["pagination"] = {"perPage": limit, "currentPage": page, "total": len(rows)}
    return answer


def getting(kind: Kind, app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """One object, where the catalogue says the result sits."""
    return {"success": True} | nest(operation.result, _object(app, kind, operation, call)[1])


def creating(kind: Kind, app: EmulatorApp, operation: Operation, call: Call, body: Obj) -> Obj:
    """A new object from the body (checked against the model already)."""
    scope, parent = _scope(app, kind, operation, call)
    if kind.build is None:
        raise validation_error(f"A {kind.label.lower()} cannot be created")
    key = new_key(app, kind)
    obj = kind.build(app, body, parent, key)
    table(app, kind).put(scope, str(obj[kind.key]), obj)
    return done(f"{kind.label} created successfully") | nest(operation.result, obj)


def updating(kind: Kind, app: EmulatorApp, operation: Operation, call: Call, body: Obj) -> Obj:
    """The body's fields merged into the object (its key, parent and creation time kept)."""
    scope, found = _object(app, kind, operation, call)
    kept = {name: found[name] for name in (kind.key, "created") if name in found}
    edited = copy.deepcopy(found) | {k: val for k, val in body.items() if k != "password"} | kept
    edited["modified"] = now_iso(app)
    table(app, kind).put(scope, str(found[kind.key]), edited)
    return done(f"{kind.label} updated successfully") | nest(operation.result, edited)


def deleting(kind: Kind, app: EmulatorApp, operation: Operation, call: Call) -> Obj:
    """Remove the object: reading it afterwards is 109."""
    scope, found = _object(app, kind, operation, call)
    table(app, kind).remove(scope, str(found[kind.key]))
    return done(f"{kind.label} deleted successfully")


def crud(kind: Kind, action: str) -> Handler:
    """The generic handler of ``action`` (list, get, create, update, delete) for ``kind``."""
    if action in ("create", "update"):
        step = creating if action == "create" else updating

        def write(app: EmulatorApp, operation: Operation, call: Call) -> Obj:
            return step(kind, app, operation, call, body_of(operation, call))

        return write
    read = {"list": listing, "get": getting, "delete": deleting}[action]
    return partial(read, kind)


def serve(handler: Handler, app: EmulatorApp, operation: Operation, call: Call) -> Any:
    """Check the query against the catalogue, then run the handler (writers check their body)."""
    check_query(operation, call)
    return handler(app, operation, call)


def register_table(router: Router, app: EmulatorApp, routes: dict[str, Handler],
                   variants: dict[str, Variant]) -> None:
    """Route each operation of ``routes`` (by its catalogue method and path) to its handler."""
    for name, handler in routes.items():
        operation = OPERATIONS[name]
        router.add(operation.method, operation.path, partial(serve, handler, app, operation),
                   variant=variants.get(name))


__all__ = [
    "Kind", "Table", "array", "body_of", "check_query", "crud", "form", "hash_of", "nest", "paged",
    "register_table", "table",
]
