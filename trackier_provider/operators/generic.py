"""``TrackierOperator``: any Admin API operation, by its catalogue name or by path."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from trackier_provider.api import API_PREFIX, OPERATIONS, Operation, Pages
from trackier_provider.api.calls import Call, operation_named, path_operation, prepare
from trackier_provider.api.model import dig
from trackier_provider.exceptions import TrackierConfigError, TrackierResponseError
from trackier_provider.hooks.retry_policy import IDEMPOTENT_METHODS
from trackier_provider.operators.base import (
    IF_EXISTS,
    TrackierFetchOperator,
    create_once,
    created_object,
    named_for_user,
)
from trackier_provider.operators.login import LOGIN
from trackier_provider.scrubbing import mask_credentials, scrub
from trackier_provider.validation import (
    check_choice,
    check_flag,
    check_json,
    check_mapping,
    check_text,
    holds_template,
    require_choice,
)
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


class TrackierOperator(TrackierFetchOperator):
    """Call any Admin API operation: by its catalogue name (checked before any request), or by path.

    **By name** (``operation="campaigns.caps.create"``): ids in ``path_params`` (by their keyword names,
    ``{"campaign_id": 3}``), query parameters as Trackier spells them, the body in ``data``; all checked
    against ``trackier_provider.api.OPERATIONS`` before any request (at parse time when nothing is
    templated). A list operation is read like the typed fetch operators read theirs (the same code):
    every page, in order, with the paging checks, ``max_parallel_pages`` pages in flight, raw JSON Lines
    to ``output_path`` (declared as an outlet Asset when static) or the records through XCom (at most
    ``max_xcom_rows``), lineage and the drift summary. A create the catalogue knows a natural key for
    (``docs/api-catalogue.md``) goes through the one create-if-absent routine (``if_exists``).

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
    :param response_key: dotted path of the part of the answer to return, e.g. ``"campaign"``; an answer
        without it fails the task.
    :param idempotent: allow retrying this call after an ambiguous failure.
    :param exists: create-if-absent for an ``endpoint`` POST (templated): ``{'endpoint': '/v2/categories',
        'records': 'categories', 'match': {'name': 'Travel'}}`` (plus optional ``query`` and ``paging``:
        ``keyset``, ``page`` or ``cursor`` to look through every page). When a listed record matches every
        ``match`` field (trimmed, case-insensitive), it is returned instead of sending the POST.
    :param if_exists: for an operation with a natural key: ``"return"`` (default) the existing object,
        ``"fail"`` (``TrackierObjectExistsError``) or ``"create"`` without looking.

    A list operation also takes ``output_path``, ``output_format``, ``compression``, ``max_xcom_rows``,
    ``page_size``, ``max_parallel_pages`` and ``max_bytes_ahead``, as the fetch operators do
    (``TrackierFetchOperator``).
    """

    template_fields: Sequence[str] = ("endpoint", "path_params", "query", "data", "exists", "output_path")
    template_fields_renderers = {"path_params": "json", "query": "json", "data": "json", "exists": "json"}
    #: For declarations built on this operator: the place in the request -> the keyword that fills it
    #: (``{"data.payout": "payout"}``), so an error names what the user passed.
    arguments: ClassVar[Mapping[str, str]] = {}

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
        **kwargs: Any,
    ) -> None:
        if (operation is None) == (endpoint is None):
            raise TrackierConfigError("operation", "pass exactly one of operation= and endpoint=",
                                      'E.g. operation="campaigns.caps.list" or endpoint=\'/v2/...\'.')
        found = operation_named(operation) if operation is not None else None
        listing = found is not None and found.records_at is not None
        for name in ("output_path", "page_size", "max_parallel_pages", "max_bytes_ahead"):
            if not listing and kwargs.get(name) is not None:
                raise TrackierConfigError(name, "does not apply to this kind of call", f"Leave {name} unset.")
        super().__init__(**kwargs)
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
        self.idempotent = check_flag("idempotent", idempotent)
        self.exists = exists
        self.if_exists = require_choice("if_exists", if_exists, IF_EXISTS)
        self._check_form(found, listing)
        if found is not None and not holds_template([path_params, query, data]):
            self._prepare()  # nothing to render: bad input fails when the DAG is parsed

    def _check_form(self, found: Operation | None, listing: bool) -> None:
        """Arguments that belong to one form only, and the login refusal."""
        misplaced = {
            "path_params": found is None and self.path_params is not None,
            "exists": found is not None and self.exists is not None,
            "response_key": listing and self.response_key is not None,
        }
        for name, wrong in misplaced.items():
            if wrong:
                form = "an endpoint= call" if name == "exists" else (
                    "an operation= call" if name == "path_params" else "this kind of call")
                raise TrackierConfigError(name, f"does not apply to {form}", f"Leave {name} unset.")
        if found is not None and found.name == LOGIN:
            raise TrackierConfigError("operation", "the login answer holds an API key", "Use TrackierLoginOperator.")

    def mask_secrets(self) -> None:
        """Mask the credentials a body or query may carry (a publisher's ``password``...) once rendered."""
        super().mask_secrets()
        mask_credentials(self.data)
        mask_credentials(self.query)

    def lookup(self) -> tuple[Call, dict[str, Any]] | None:
        """``exists`` checked: the listing to look in and the fields to match; None without ``exists``."""
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
        style = check_choice("exists.paging", spec.get("paging"), PAGING_STYLES)
        listed = Operation(f"GET {path}", "GET", path, pages=Pages(style, records.strip()) if style else None,  # type: ignore[arg-type]
                           records=None if style else records.strip(), side_effect=False, idempotent=True)
        return Call(listed, {}, path, dict(query or {})), dict(match)

    def run(self, context: Context) -> Any:
        self.mask_secrets()
        if self.operation is None:
            return self._send_endpoint(context)
        call = self._prepare()
        if call.operation.records_at is not None:
            return super().run(context)  # the fetch operators' path
        return self._write(context, call)

    # ----------------------------------------------------------------------------- by name
    def _prepare(self) -> Call:
        """The operation's call, checked against the catalogue (``TrackierConfigError`` before any request)."""
        if self.path_params is not None and not isinstance(self.path_params, Mapping):
            raise TrackierConfigError("path_params", f"must be a dict, got {type(self.path_params).__name__}")
        try:
            return prepare(OPERATIONS[str(self.operation)], self.path_params, self.query, self.data,
                           page_size=self.page_size, by_arg=False, prefix="query.")
        except TrackierConfigError as error:
            raise named_for_user(error, self.arguments) from None

    def prepare_call(self, window: Any) -> Call:
        return self._prepare()

    def _write(self, context: Context, call: Call) -> Any:
        """One call; a create with a natural key returns an existing object instead of creating another."""
        operation, ti = call.operation, context["ti"]
        if operation.natural_key is not None and self.if_exists != "create":
            answer, created = create_once(self.hook, call, if_exists=self.if_exists,
                                          idempotent=bool(self.idempotent), log=self.log)
            ti.xcom_push(key="created", value=created)
            if not created:
                return scrub(answer)
            self.log.info("Trackier %s: created", operation.name)
            if self.response_key:
                return self._pick(scrub(answer))
            return scrub(created_object(operation.name, answer, operation.result))
        self._refuse_repeat(ti, operation.side_effect and not operation.idempotent, "idempotent",
                            "Set idempotent=True if repeating the call is harmless.")
        self.log.info("Trackier %s: %s %s", operation.name, operation.method, call.path)
        return self._pick(scrub(self.hook.call(call, idempotent=self.idempotent)))

    def _pick(self, answer: Any) -> Any:
        """The part of the answer ``response_key`` names (all of it without one); an answer without it fails."""
        if not self.response_key:
            return answer
        picked = dig(answer, self.response_key)
        if picked is None:
            keys = ", ".join(map(str, answer)) if isinstance(answer, Mapping) else type(answer).__name__
            raise TrackierResponseError(f"the answer has nothing at response_key {self.response_key!r} (keys: {keys})",
                                        status=200, method=self.method, endpoint=str(self.operation or self.endpoint))
        return picked

    def _refuse_repeat(self, ti: Any, unsafe: bool, field: str, remedy: str) -> None:
        """A call that may repeat a side effect is not sent again by a retry of the task (try 2 or later)."""
        if unsafe and not self.idempotent and ti.try_number > 1:
            raise TrackierConfigError(
                field, f"this is try {ti.try_number}, and an earlier try may already have acted on the call", remedy
            )

    # ----------------------------------------------------------------------------- by path
    def _send_endpoint(self, context: Context) -> Any:
        endpoint = normalised_endpoint(self.endpoint)
        if endpoint.rstrip("/").casefold() == OPERATIONS[LOGIN].path:
            raise TrackierConfigError("endpoint", "the login answer holds an API key", "Use TrackierLoginOperator.")
        body = check_json("data", self.data)
        safe = self.method in IDEMPOTENT_METHODS if self.idempotent is None else bool(self.idempotent)
        call = Call(path_operation(self.method, endpoint, idempotent=safe), {}, endpoint,  # type: ignore[arg-type]
                    check_mapping("query", self.query) or {}, body)
        lookup = self.lookup()
        if lookup is None:
            self._refuse_repeat(context["ti"], self.method in UNSAFE_METHODS, "exists",
                                "Set exists= so a retry looks for the object first, or idempotent=True if "
                                "repeating the call is harmless.")
            self.log.info("Trackier %s %s", self.method, endpoint)
            return self._pick(scrub(self.hook.call(call)))
        answer, created = create_once(self.hook, call, lookup=lookup, log=self.log)
        context["ti"].xcom_push(key="created", value=created)
        return self._pick(scrub(answer)) if created else scrub(answer)

