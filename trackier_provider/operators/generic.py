"""``TrackierOperator``: any Admin API operation, by its catalogue name or by path."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any
from urllib.parse import quote, unquote

from trackier_provider.api import API_PREFIX, OPERATIONS, Operation
from trackier_provider.api.client import ApiClient, Call, operation_named, prepare
from trackier_provider.exceptions import TrackierConfigError, TrackierObjectExistsError
from trackier_provider.hooks.connection import SETTING_BOUNDS
from trackier_provider.hooks.pagination import Paging, dig, restarting
from trackier_provider.operators.base import (
    DEFAULT_MAX_XCOM_ROWS,
    IF_EXISTS,
    TrackierBaseOperator,
    find_existing,
    without_secrets,
)
from trackier_provider.operators.login import LOGIN_PATH
from trackier_provider.outputs import is_templated, output_spec, write_records
from trackier_provider.scrubbing import mask_credentials
from trackier_provider.validation import check_choice, check_json, check_number, check_text, require_choice
from trackier_provider.version_compat import Context

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: Methods whose repetition can create a second object.
UNSAFE_METHODS = ("POST", "PATCH")
EXISTS_KEYS = {"endpoint", "records", "match", "query", "paging"}
PAGING_STYLES = ("keyset", "page", "cursor")
_SEGMENT_SAFE = "@:!$&'()*+,;=-._~"


def normalised_endpoint(endpoint: Any, field: str = "endpoint") -> str:
    """The path a request for ``endpoint`` really goes to, so checks judge what is sent.

    Percent-encoding is decoded, dot segments and empty segments are resolved the way URL normalisation
    resolves them, and each segment is quoted again. A query or fragment in the path is refused (they
    belong in ``query=``), and so is a path outside ``/v2/``.
    """
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise TrackierConfigError(field, f"must be an API path such as '/v2/campaigns', got {endpoint!r}")
    text = endpoint.strip()
    for _ in range(5):  # %252e -> %2e -> .
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or "?" in text or "#" in text or "\\" in text:
        raise TrackierConfigError(
            field, f"{endpoint!r} is not a plain API path", "Put query parameters in query=, not in the path."
        )
    path = posixpath.normpath("/" + text.lstrip("/"))
    if not path.startswith(API_PREFIX):
        raise TrackierConfigError(field, f"{endpoint!r} is not an Admin API path", "Use e.g. '/v2/campaigns'.")
    return "/".join(quote(segment, safe=_SEGMENT_SAFE) for segment in path.split("/"))


class TrackierOperator(TrackierBaseOperator):
    """Call any Admin API operation: by its catalogue name (checked before any request), or by path.

    **By name** (``operation="campaigns.caps.create"``): ids in ``path_params`` (by their keyword names,
    ``{"campaign_id": 3}``), query parameters as Trackier spells them, the body in ``data``; all checked
    against ``trackier_provider.api.OPERATIONS`` before any request (at parse time when nothing is
    templated). A list operation reads every page and returns the records through XCom (at most
    ``max_xcom_rows``) or streams them to ``output_path``; a create the catalogue knows a natural key for
    (``docs/api-catalogue.md``) first looks for an existing object (``if_exists``).

    **By path** (``endpoint='/v2/...'``): for calls outside the catalogue. The path is checked as it will be
    sent (after decoding and dot-segment resolution): it must be under ``/v2/``. ``exists`` gives a POST
    create-if-absent.

    Either way the login operation is refused (its answer is an API key: use ``TrackierLoginOperator``),
    credentials are stripped from what is returned, and a POST/PATCH is never repeated blindly: the hook does
    not resend it after an ambiguous failure, and a retry of the task (try 2 or later) refuses to send it
    again unless a natural key or ``exists`` lets it look for the object an earlier try may have created, or
    ``idempotent=True`` says repeating it is harmless. XCom key ``created`` says whether a looked-up create
    created its object.

    :param operation: catalogue name, e.g. ``"campaigns.caps.create"`` (not templated).
    :param endpoint: API path such as ``/v2/campaigns/123/caps`` (templated), instead of ``operation``.
    :param method: HTTP method of an ``endpoint`` call (an ``operation`` has its own).
    :param path_params: an operation's ids, e.g. ``{"campaign_id": 3}`` (templated).
    :param query: query parameters; nested dicts/lists become PHP-style ``filters[status]=...`` (templated).
        For a list operation ``limit`` is the page size and ``lastId``/``page``/``pageToken`` where to start.
    :param data: JSON body (templated).
    :param response_key: dotted path of the part of the answer to return, e.g. ``"campaign"``.
    :param idempotent: allow retrying this call after an ambiguous failure.
    :param exists: create-if-absent for an ``endpoint`` POST (templated): ``{'endpoint': '/v2/categories',
        'records': 'categories', 'match': {'name': 'Travel'}}`` (plus optional ``query`` and ``paging``:
        ``keyset``, ``page`` or ``cursor`` to look through every page). When a listed record matches every
        ``match`` field (trimmed, case-insensitive), it is returned instead of sending the POST.
    :param if_exists: for an operation with a natural key: ``"return"`` (default) the existing object,
        ``"fail"`` (``TrackierObjectExistsError``) or ``"create"`` without looking.
    :param output_path: a list operation's records go there (local path or fsspec URL, templated); XCom gets
        ``{"path", "rows"}``. ``output_format``, ``compression``: as for the fetch operators.
    :param max_xcom_rows: without ``output_path``, fail (pointing at ``output_path``) above this many records.
    :param page_size: records per request of a list operation.
    """

    template_fields: Sequence[str] = ("endpoint", "path_params", "query", "data", "exists", "output_path")
    template_fields_renderers = {"path_params": "json", "query": "json", "data": "json", "exists": "json"}

    def __init__(
        self,
        *,
        operation: str | None = None,
        endpoint: str | None = None,
        method: str | None = None,
        path_params: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        data: Any = None,
        response_key: str | None = None,
        idempotent: bool | None = None,
        exists: dict[str, Any] | None = None,
        if_exists: str = "return",
        output_path: Any = None,
        output_format: str | None = None,
        compression: str | None = "infer",
        max_xcom_rows: int = DEFAULT_MAX_XCOM_ROWS,
        page_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (operation is None) == (endpoint is None):
            raise TrackierConfigError("operation", "pass exactly one of operation= and endpoint=",
                                      'E.g. operation="campaigns.caps.list" or endpoint=\'/v2/...\'.')
        found = operation_named(operation) if operation is not None else None
        self.operation = found.name if found is not None else None
        self.endpoint = endpoint
        given = method.upper() if isinstance(method, str) else method
        self.method: str
        if found is None:
            self.method = check_choice("method", given or "GET", METHODS) or "GET"
        elif given not in (None, found.method):
            raise TrackierConfigError("method", f"{found.name} is a {found.method}, not {given}", "Leave method unset.")
        else:
            self.method = found.method
        self.path_params = path_params
        self.query = query
        self.data = data
        self.response_key = check_text("response_key", response_key)
        self.idempotent = idempotent
        self.exists = exists
        self.if_exists = require_choice("if_exists", if_exists, IF_EXISTS)
        self.output_path = output_path
        self.output_format = output_format
        self.compression = compression
        self.max_xcom_rows = check_number("max_xcom_rows", max_xcom_rows, whole=True, at_least=0, required=True)
        self.page_size = check_number("page_size", page_size, **SETTING_BOUNDS["page_size"])
        self._check_form(found)
        if found is not None and not _templated([path_params, query, data]):
            self._prepare()  # nothing to render: bad input fails when the DAG is parsed

    def _check_form(self, found: Operation | None) -> None:
        """Arguments that belong to one form only, and the login refusal."""
        listing = found is not None and found.records_at is not None
        misplaced = {
            "path_params": found is None and self.path_params is not None,
            "exists": found is not None and self.exists is not None,
            "output_path": not listing and self.output_path is not None,
            "page_size": not listing and self.page_size is not None,
            "response_key": listing and self.response_key is not None,
        }
        for name, wrong in misplaced.items():
            if wrong:
                form = "an endpoint= call" if name == "exists" else (
                    "an operation= call" if name == "path_params" else "this kind of call")
                raise TrackierConfigError(name, f"does not apply to {form}", f"Leave {name} unset.")
        if found is not None and found.path == LOGIN_PATH:
            raise TrackierConfigError("operation", "the login answer holds an API key", "Use TrackierLoginOperator.")
        if self.output_path is not None and not is_templated(self.output_path):
            output_spec(self.output_path, self.output_format, self.compression)  # a typo fails at parse time

    def mask_secrets(self) -> None:
        """Mask the credentials a body or query may carry (a publisher's ``password``...) once rendered."""
        super().mask_secrets()
        mask_credentials(self.data)
        mask_credentials(self.query)

    def lookup(self) -> tuple[Paging | str, dict[str, Any] | None, dict[str, Any], str] | None:
        """``exists`` checked: the lookup (a ``Paging`` or a path), its query, the fields to match, and the
        records key; None without ``exists``."""
        if self.exists is None:
            return None
        spec = self.exists
        if self.method != "POST":
            raise TrackierConfigError("exists", f"applies to POST (create) calls, not {self.method}")
        if not isinstance(spec, Mapping) or not {"endpoint", "records", "match"} <= set(spec):
            raise TrackierConfigError(
                "exists", "must be a dict with endpoint, records and match",
                "E.g. {'endpoint': '/v2/categories', 'records': 'categories', 'match': {'name': 'Travel'}}.",
            )
        unknown = set(spec) - EXISTS_KEYS
        if unknown:
            raise TrackierConfigError("exists", f"unknown keys {sorted(unknown)}", f"Use {sorted(EXISTS_KEYS)}.")
        path = normalised_endpoint(spec["endpoint"], "exists.endpoint")
        records, match, query = spec["records"], spec["match"], spec.get("query")
        if not isinstance(records, str) or not records.strip():
            raise TrackierConfigError("exists.records", "must name where the listed records sit, e.g. 'categories'")
        if not isinstance(match, Mapping) or not match or not all(isinstance(k, str) for k in match):
            raise TrackierConfigError("exists.match", "must be a non-empty dict of field names to values")
        if query is not None and not isinstance(query, Mapping):
            raise TrackierConfigError("exists.query", f"must be a dict, got {type(query).__name__}")
        style = spec.get("paging")
        check_choice("exists.paging", style, PAGING_STYLES)
        lookup: Paging | str = Paging(path, records.strip(), style) if style else path
        return lookup, dict(query) if query else None, dict(match), records.strip()

    def execute(self, context: Context) -> Any:
        self.mask_secrets()
        if self.operation is None:
            return self._send_endpoint(context)
        call = self._prepare()
        if call.operation.records_at is not None:
            return self._read(call)
        return self._write(context, call)

    # ----------------------------------------------------------------------------- by name
    def _prepare(self) -> Call:
        """The operation's call, checked against the catalogue (``TrackierConfigError`` before any request)."""
        operation = OPERATIONS[str(self.operation)]
        if self.path_params is not None and not isinstance(self.path_params, Mapping):
            raise TrackierConfigError("path_params", f"must be a dict, got {type(self.path_params).__name__}")
        return prepare(operation, self.path_params, self.query, self.data, page_size=self.page_size,
                       by_arg=False, prefix="query.")

    def _read(self, call: Call) -> Any:
        """Every record of a list operation, to ``output_path`` or (capped) to XCom."""
        spec = output_spec(self.output_path, self.output_format, self.compression) if self.output_path else None
        self.log.info("Trackier %s: reading %s (%s paging)", call.operation.name, call.path, call.operation.paging)
        what = call.operation.name
        if spec is not None:  # a list that moves under the read is read again (``hooks.pagination.restarting``)
            rows = restarting(lambda: write_records(ApiClient(self.hook).records(call), spec), what=what)
            self.log.info("Wrote %s records to %s", rows, spec.uri)
            return {"path": spec.uri, "rows": rows}
        rows_read = restarting(
            lambda: list(islice(ApiClient(self.hook).records(call), self.max_xcom_rows + 1)), what=what
        )
        if len(rows_read) > self.max_xcom_rows:
            raise TrackierConfigError(
                "max_xcom_rows", f"{call.operation.name} listed more than {self.max_xcom_rows} records",
                "Set output_path to stream them to storage, or raise max_xcom_rows.",
            )
        self.log.info("Read %s records", len(rows_read))
        return without_secrets(rows_read)

    def _write(self, context: Context, call: Call) -> Any:
        """One call; a create with a natural key returns an existing object instead of creating another."""
        operation, ti = call.operation, context["ti"]
        key = operation.natural_key if self.if_exists != "create" else None
        if key is not None:
            existing = self._existing(call)
            if existing is not None:
                described = ", ".join(f"{f}={call.body.get(f)!r}" for f in key.fields)
                if self.if_exists == "fail":
                    raise TrackierObjectExistsError(f"{operation.name}: an object with {described} already exists.")
                self.log.info("%s skipped: an object with %s exists", operation.name, described)
                ti.xcom_push(key="created", value=False)
                return without_secrets(existing)
        elif operation.side_effect and not (operation.idempotent or self.idempotent) and ti.try_number > 1:
            raise TrackierConfigError(
                "idempotent",
                f"{operation.name} is try {ti.try_number}, and an earlier try may already have acted on it",
                "Set idempotent=True if repeating the call is harmless.",
            )
        self.log.info("Trackier %s: %s %s", operation.name, operation.method, call.path)
        answer = without_secrets(ApiClient(self.hook).send(call, idempotent=self.idempotent))
        if key is None:
            return dig(answer, self.response_key) if self.response_key else answer
        ti.xcom_push(key="created", value=True)
        created = dig(answer, self.response_key or operation.result or "")
        return created if isinstance(created, Mapping) else answer

    def _existing(self, call: Call) -> dict[str, Any] | None:
        """The object a create's natural key finds in its lookup list, or None."""
        key = call.operation.natural_key
        assert key is not None
        body = call.body or {}
        lookup = OPERATIONS[key.lookup]
        query: dict[str, Any] = {}
        for name, field in key.narrow.items():
            param = lookup.param(name)
            kind = param.type if param is not None else "string"
            if body.get(field) is not None:
                query[name] = {field: body[field]} if kind == "object" else (
                    [body[field]] if kind == "array" else body[field])
        ids = {p.arg: call.ids[p.arg] for p in lookup.path_params}
        listed = prepare(lookup, ids, query, by_arg=False)
        where = listed.paging if listed.paging is not None else listed.path
        wanted = {name: body.get(name) for name in key.fields}
        return find_existing(self.hook, where, listed.params, wanted, lookup.records_at or "")

    # ----------------------------------------------------------------------------- by path
    def _send_endpoint(self, context: Context) -> Any:
        endpoint = normalised_endpoint(self.endpoint)
        if endpoint.rstrip("/").casefold() == LOGIN_PATH:
            raise TrackierConfigError("endpoint", "the login answer holds an API key", "Use TrackierLoginOperator.")
        body = check_json("data", self.data)
        lookup = self.lookup()
        if lookup is not None:
            where, query, match, records = lookup
            existing = find_existing(self.hook, where, query, match, records)
            if existing is not None:
                self.log.info("Trackier %s %s skipped: a matching object exists (%s)", self.method, endpoint,
                              ", ".join(sorted(match)))
                context["ti"].xcom_push(key="created", value=False)
                return without_secrets(existing)
        elif self.method in UNSAFE_METHODS and not self.idempotent and context["ti"].try_number > 1:
            raise TrackierConfigError(
                "exists",
                f"this {self.method} is try {context['ti'].try_number}, and an earlier try may already have "
                "acted on it",
                "Set exists= so a retry looks for the object first, or idempotent=True if repeating the call "
                "is harmless.",
            )
        self.log.info("Trackier %s %s", self.method, endpoint)
        answer = without_secrets(
            self.hook.request(self.method, endpoint, params=self.query, json=body,
                              idempotent=self.idempotent)
        )
        if lookup is not None:
            context["ti"].xcom_push(key="created", value=True)
        return dig(answer, self.response_key) if self.response_key else answer


def _templated(values: Iterable[Any]) -> bool:
    """True when any string inside ``values`` (nested) still holds Jinja."""
    return is_templated(json.dumps(list(values), default=str))
