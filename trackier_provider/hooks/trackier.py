"""TrackierHook: the connection, the key, retries, budgets, paging and error envelopes in one place.

Every call carries its catalogue ``Operation`` down to the request (``call``, ``pages``, ``records``, and
``acall`` for triggers): the operation names the budget group, the answer schema, the paging and whether a
repeat is harmless. ``request(method, path)`` is the escape hatch for what the catalogue does not describe.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import tenacity

from trackier_provider.api.calls import Call, Outgoing, operation_named, path_operation, prepare
from trackier_provider.api.generated import TrackierApi
from trackier_provider.api.model import Operation
from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierConfigError,
    TrackierConnectionError,
    TrackierError,
    TrackierNotFoundError,
    TrackierRateLimitError,
    TrackierResponseError,
    TrackierServerError,
)
from trackier_provider.hooks.budget_store import SharedBudget, budget_key, store_for
from trackier_provider.hooks.connection import (
    SETTING_BOUNDS,
    VALIDATE_MODES,
    ClientSettings,
    check_settings,
    settings_from_connection,
)
from trackier_provider.hooks.envelopes import (
    decode_json,
    decode_page,
    error_from_response,
    is_error_payload,
    redirect_error,
)
from trackier_provider.hooks.pagination import Check, iter_pages, records_check, records_of
from trackier_provider.hooks.params import encode_params
from trackier_provider.hooks.retry_policy import IDEMPOTENT_METHODS, RetryPolicy
from trackier_provider.hooks.throttle import Throttle, budget
from trackier_provider.hooks.transport import build_async_client, transport_error
from trackier_provider.provider_info import CONN_FIELDS, CONN_TYPE, UI_FIELD_BEHAVIOUR, __version__
from trackier_provider.validation import check_choice, check_number, check_seconds, require_text
from trackier_provider.version_compat import BaseHook, aget_connection, mask_secret

if TYPE_CHECKING:
    import requests

    from trackier_provider.schemas.validation import ResponseValidator

USER_AGENT = f"airflow-provider-trackier/{__version__}"
API_KEY_HEADER = "X-Api-Key"
DEFAULT_RETRY_DEADLINE = 300.0
MAX_RETRY_DEADLINE = 86_400.0

log = logging.getLogger(__name__)

#: Bytes read from the socket per call while reading an answer (requests reads 10 KiB at a time by default).
_READ_CHUNK = 1 << 20


#: ``mallopt``'s parameter for the size from which glibc maps an allocation of its own (``M_MMAP_THRESHOLD``).
_M_MMAP_THRESHOLD = -3
#: Answers this large or larger get pages of their own from the system, given back when they are dropped.
MAPPED_ANSWER_BYTES = 1 << 20


@cache
def _map_large_answers() -> None:
    """perf: on glibc, allocations of ``MAPPED_ANSWER_BYTES`` or more are mapped from the system and returned
    to it when freed; done once per process, before the first page is fetched ahead.

    glibc raises its mmap threshold after the first large block is freed (up to 32 MiB), so answers of several
    MiB read in worker threads were then carved from the heaps, where they fragment instead of being returned:
    a 200,000-row export's peak RSS grew by 121-145 MB, 63-65 MB with the threshold fixed
    (docs/performance.md). This fixes the threshold for the whole process; smaller allocations are unchanged.
    A C library without ``mallopt`` (musl, macOS) is left as it is."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return
    mallopt(_M_MMAP_THRESHOLD, MAPPED_ANSWER_BYTES)


def _is_retryable(exc: BaseException, idempotent: bool) -> bool:
    """Retry what may succeed later without risking a second side effect."""
    if isinstance(exc, TrackierRateLimitError):
        return True  # the server refused before acting on the request
    if isinstance(exc, TrackierConnectionError):
        return idempotent or exc.before_send
    if isinstance(exc, (TrackierServerError, TrackierResponseError)):
        return idempotent
    return False


def _deleted_earlier(op: Operation, path: str, attempt: int) -> bool:
    """A DELETE answered "not found" on a retry: an earlier attempt deleted the object (its answer was lost),
    so the call succeeded. The one rule for the sync and async paths; it logs when it applies."""
    if attempt == 1 or op.method != "DELETE":
        return False
    log.info("Trackier %s %s: already gone on retry %d (an earlier attempt deleted it)", op.method, path,
             attempt - 1)
    return True


class TrackierHook(BaseHook):
    """Calls the Trackier Admin API with the connection's API key.

    The key is read from the connection's password and sent only as the ``X-Api-Key`` header. Nothing is
    looked up or sent until the first call, so building the hook (and parsing a DAG) does no I/O.

    :param trackier_conn_id: Airflow connection of type ``trackier``.
    :param timeout: seconds per request; overrides the connection extra ``timeout``.
    :param max_retries: retries on 429, 5xx, timeouts and connection errors; overrides ``max_retries``.
    :param requests_per_second: client-side throttle shared by all calls of this hook.
    :param page_size: default records per page for paginated endpoints.
    :param retry_deadline: total seconds one call may spend retrying.
    :param validate_responses: ``off``, ``warn`` or ``fail``: check answers against the provider's schemas
        (``trackier_provider.schemas.validation``); overrides the connection extra ``validate_responses``.
    """

    conn_name_attr = "trackier_conn_id"
    default_conn_name = "trackier_default"
    conn_type = CONN_TYPE
    hook_name = "Trackier"

    def __init__(
        self,
        trackier_conn_id: str = default_conn_name,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        requests_per_second: float | None = None,
        page_size: int | None = None,
        retry_deadline: float = DEFAULT_RETRY_DEADLINE,
        validate_responses: str | None = None,
    ) -> None:
        super().__init__()
        self.trackier_conn_id = require_text("trackier_conn_id", trackier_conn_id)
        self._overrides = check_settings(
            {"timeout": timeout, "max_retries": max_retries, "requests_per_second": requests_per_second,
             "page_size": page_size}
        )
        self._overrides["validate_responses"] = check_choice("validate_responses", validate_responses, VALIDATE_MODES)
        #: The checks of this hook's answers and their report, from the first answer checked (None until then).
        self.responses: ResponseValidator | None = None
        self.retry_deadline = check_seconds("retry_deadline", retry_deadline, at_most=MAX_RETRY_DEADLINE)
        #: How the hook waits between retries and for the throttle; tests may swap in a recorder.
        self.sleep: Callable[[float], None] = time.sleep
        self._settings: ClientSettings | None = None
        self._session: requests.Session | None = None

    # ----------------------------------------------------------------- connection form
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and hide the standard connection fields (read by Airflow 2.x's UI)."""
        return {
            "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden_fields"]),
            "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
            "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Form fields for the connection extras (Airflow 2.x; 3.x reads ``conn-fields`` instead)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import StringField

        return {
            name: StringField(lazy_gettext(spec["label"]), widget=BS3TextFieldWidget())
            for name, spec in CONN_FIELDS.items()
        }

    # ----------------------------------------------------------------- settings
    @property
    def settings(self) -> ClientSettings:
        """The connection's settings, looked up on first use (never at construction)."""
        if self._settings is None:
            self._settings = self._configure(self.get_connection(self.trackier_conn_id))
        return self._settings

    async def aget_settings(self) -> ClientSettings:
        """The settings, looked up without blocking the event loop (for triggers)."""
        if self._settings is None:
            self._settings = self._configure(await aget_connection(self.trackier_conn_id))
        return self._settings

    def _configure(self, conn: Any) -> ClientSettings:
        settings = settings_from_connection(conn, **self._overrides)
        mask_secret(settings.api_key)  # "x-api-key" is not a name Airflow masks by itself
        return settings

    @property
    def policy(self) -> RetryPolicy:
        """Retry bounds for this hook's calls."""
        return RetryPolicy(max_retries=self.settings.max_retries, deadline=self.retry_deadline)

    def throttle_for(self, group: str) -> Throttle:
        """The budget of an endpoint group (``Operation.group``): one per connection and group, shared with
        every other hook and trigger of this process, or of the fleet with ``budget_url`` (see
        ``hooks.throttle``)."""
        settings, rate = self.settings, self.settings.rate(group)
        url = settings.budget_url
        if url is None:
            return budget((self.trackier_conn_id, group, rate, None), lambda: Throttle(rate))
        return budget(
            (self.trackier_conn_id, group, rate, url),
            lambda: SharedBudget(store_for(url), budget_key(settings.base_url, settings.api_key, group), rate,
                                 label=f"connection {self.trackier_conn_id!r}, group {group!r}"),
        )

    def headers(self) -> dict[str, str]:
        """Headers sent on every call: the key, a User-Agent naming this provider, JSON accepted."""
        return {API_KEY_HEADER: self.settings.api_key, "User-Agent": USER_AGENT, "Accept": "application/json"}

    def get_conn(self) -> requests.Session:
        """One ``requests.Session`` per hook, reused across calls (keep-alive)."""
        if self._session is None:
            import requests  # imported on first use: it is a third of this provider's import cost

            session = requests.Session()
            session.headers.update(self.headers())
            self._session = session
        return self._session

    def close(self) -> None:
        """Release the pooled HTTP connections."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def url(self, endpoint: str) -> str:
        """Absolute URL of an API path such as ``/v2/campaigns``."""
        return f"{self.settings.base_url}/{endpoint.lstrip('/')}"

    # ----------------------------------------------------------------- retries
    def _retry_kwargs(
        self, method: str, endpoint: str, idempotent: bool, max_retries: int | None = None
    ) -> dict[str, Any]:
        policy = self.policy
        if max_retries is not None:
            policy = RetryPolicy(max_retries=max_retries, deadline=policy.deadline)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            retry_after = exc.retry_after if isinstance(exc, TrackierAPIError) else None
            if isinstance(exc, TrackierRateLimitError) and retry_after is not None:
                return 0.0  # the connection's budget is paused for Retry-After: the next attempt waits there
            return policy.wait_for(state.attempt_number, retry_after)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "Trackier %s %s failed (%s); retry %d of %d in %.2fs (plus any wait the connection's budget sets)",
                method,
                endpoint,
                exc,
                state.attempt_number,
                policy.max_retries,
                state.upcoming_sleep,
            )

        return {
            "retry": tenacity.retry_if_exception(lambda exc: _is_retryable(exc, idempotent)),
            "stop": tenacity.stop_after_attempt(policy.max_retries + 1)
            | tenacity.stop_before_delay(policy.deadline),
            "wait": wait,
            "before_sleep": before_sleep,
            "reraise": True,
        }

    # ----------------------------------------------------------------- calls by operation
    def prepare(
        self,
        operation: Operation | Call | str,
        *,
        ids: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        page_size: int | None = None,
        prefix: str = "query.",
    ) -> Call:
        """The checked ``Call`` of a catalogue operation (an ``Operation`` or its name such as
        ``"campaigns.caps.list"``), its ids (Python keywords: ``campaign_id``), query (Trackier's names:
        ``lastId``, ``filters``) and body; ``TrackierConfigError`` before any request, naming the field after
        ``prefix``. A ``Call`` is returned as it is (it was checked when it was prepared)."""
        if isinstance(operation, Call):
            if ids is not None or query is not None or body is not None or page_size is not None:
                raise TrackierConfigError("operation", "a prepared Call carries its own ids, query and body",
                                          "Pass either a Call or an operation with its arguments.")
            return operation
        found = operation if isinstance(operation, Operation) else operation_named(operation)
        return prepare(found, ids, query, body, page_size=page_size, by_arg=False, prefix=prefix)

    def call(
        self,
        operation: Operation | Call | str,
        *,
        ids: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        max_retries: int | None = None,
        check: Check | None = None,
    ) -> Any:
        """Send one call of a catalogue operation (retried per policy) and return its decoded answer.

        The operation brings its budget group, its answer schema (``validate_responses``) and whether
        repeating it is harmless; ``idempotent=True`` vouches for a call the catalogue does not call idempotent.
        A delete whose object is already gone when it is retried (an earlier attempt deleted it, its answer
        was lost) succeeds and returns None. ``check``: see ``request``.
        """
        checked = self.prepare(operation, ids=ids, query=query, body=body)
        op = checked.operation
        # multipart (issue 22): ``sent()`` reads a multipart call's files (before any request) and carries a
        # call's own headers; a plain JSON call's body comes back as it is.
        return self._request(op, checked.path, checked.query, checked.sent(),
                             idempotent=op.idempotent or bool(idempotent), max_retries=max_retries, check=check)

    def pages(
        self,
        operation: Operation | Call | str,
        *,
        ids: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        page_size: int | None = None,
        max_parallel_pages: int | None = None,
        max_bytes_ahead: int | None = None,
        raw: bool = False,
    ) -> Iterator[list[Any]]:
        """The records of a list operation a page at a time, in order, lazily (see ``hooks.pagination``); a list
        that is not paged comes as one page. Everything is checked when this is called, before any request.

        With ``raw`` each record is the bytes the server sent (a ``msgspec.Raw``, see
        ``envelopes.decode_page``), for exports to JSON Lines that write it as it came; otherwise records are
        decoded.

        With ``max_parallel_pages`` above 1 (default: the connection's, else 4) the next page is requested
        while the current one is consumed, and a page-numbered list whose total is known has up to that many
        pages in flight, each under the same budget; a page that fails or comes back malformed is fetched
        again with the full retry policy. ``1`` requests each page only after the previous one was consumed.
        The answers held ahead of the page being consumed (in flight or waiting) are bounded by
        ``max_bytes_ahead`` (default: the connection's, else 64 MiB): the pages ahead times the largest answer
        seen so far stay within it, so large pages get fewer pages ahead (never fewer than one). 4 pages of
        10,000 conversions (about 12 MiB each) are all in flight by default.
        """
        checked = self.prepare(operation, ids=ids, query=query, page_size=page_size)
        op = checked.operation
        records = op.records_at
        if records is None:
            raise TrackierConfigError("operation", f"{op.name} does not list records", "Use call() for it.")
        parallel = check_number("max_parallel_pages", max_parallel_pages, **SETTING_BOUNDS["max_parallel_pages"])
        ahead = check_number("max_bytes_ahead", max_bytes_ahead, **SETTING_BOUNDS["max_bytes_ahead"])
        raw_records = records if raw else None
        if op.pages is None:
            return self._single_page(op, checked, raw_records)
        return self._paged(op, checked, parallel, ahead, raw_records)

    def records(self, operation: Operation | Call | str, **kwargs: Any) -> Iterator[Any]:
        """The records of a list operation one at a time, in order (pages as in ``pages``)."""
        for page in self.pages(operation, **kwargs):
            yield from page

    def _single_page(self, op: Operation, call: Call, raw_records: str | None) -> Iterator[list[Any]]:
        key = op.records_at or ""
        answer = self._request(op, call.path, call.query, None, idempotent=True,
                               check=records_check(key, call.path), raw_records=raw_records)
        yield records_of(answer, key, call.path)

    def _paged(
        self, op: Operation, call: Call, parallel: int | None, ahead: int | None, raw_records: str | None
    ) -> Iterator[list[Any]]:
        pages = op.pages
        assert pages is not None
        size = call.page_size if call.page_size is not None else self.settings.page_size
        if parallel is None:
            parallel = self.settings.max_parallel_pages
        bound = ahead if ahead is not None else self.settings.max_bytes_ahead
        largest = [0]  # perf: bytes of the largest answer read so far; the pages ahead are bounded by bytes

        def depth() -> int:
            return max(1, min(parallel, bound // max(largest[0], 1)))

        def fetch(request: dict[str, Any], check: Check) -> Any:
            return self._request(op, call.path, request, None, idempotent=True, check=check, raw_records=raw_records)

        if parallel == 1:
            yield from iter_pages(fetch, pages, call.path, call.params, limit=size)
            return
        _map_large_answers()
        pool = ThreadPoolExecutor(parallel, thread_name_prefix="trackier-page")

        def start(request: dict[str, Any]) -> Callable[[Check], Any]:
            future = pool.submit(self._get_once, op, call.path, encode_params(request))
            return partial(self._complete, future, op, call.path, request, raw_records=raw_records, largest=largest)

        try:
            yield from iter_pages(fetch, pages, call.path, call.params, limit=size, start=start, depth=depth)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _get_once(self, op: Operation, path: str, pairs: list[tuple[str, str]]) -> tuple[int, bytes, Mapping[str, str]]:
        """One throttled GET, not retried and not decoded (a page fetched ahead, in a worker thread)."""
        self.throttle_for(op.group).wait(self.sleep)
        # Streamed and read in one piece: ``response.content`` would gather the body from small chunks and
        # join them, holding it twice while a page is in flight.
        with self.get_conn().request(
            "GET", self.url(path), params=pairs, timeout=self.settings.timeout, allow_redirects=False,
            stream=True,
        ) as response:
            return response.status_code, response.raw.read(decode_content=True), response.headers

    def _complete(
        self, future: Future[Any], op: Operation, path: str, params: dict[str, Any], check: Check, *,
        raw_records: str | None, largest: list[int],
    ) -> Any:
        """The checked answer of a page fetched ahead; when it failed in a way a retry may fix (transport,
        429, 5xx, a malformed answer), the page is fetched again with the full retry policy. ``largest[0]``
        grows to the size of this answer's body when it is the largest yet (the byte bound of ``pages``)."""
        try:
            status, content, headers = future.result()
            largest[0] = max(largest[0], len(content))
            return self._decode(op, status, content, headers, path, check, raw_records)
        except Exception as exc:
            error = exc if isinstance(exc, TrackierError) else transport_error(
                exc, method="GET", endpoint=path, timeout=self.settings.timeout
            )
            if error is None or not _is_retryable(error, True):
                raise
            retry_after = error.retry_after if isinstance(error, TrackierAPIError) else None
            paused = isinstance(error, TrackierRateLimitError) and retry_after is not None  # the budget waits
            wait = 0.0 if paused else self.policy.wait_for(1, retry_after)
            log.warning("Trackier GET %s failed (%s); fetching that page again", path, error)
            self.sleep(wait)
        return self._request(op, path, params, None, idempotent=True, check=check, raw_records=raw_records)

    # ----------------------------------------------------------------- by path: the escape hatch
    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        max_retries: int | None = None,
        check: Check | None = None,
    ) -> Any:
        """Send ``method endpoint`` (an API path such as ``/v2/campaigns``) and return its decoded JSON: the
        escape hatch for what the catalogue does not describe. Such a call draws from the ``default`` budget
        and has no answer schema; prefer ``call`` with the catalogue's operation, which knows both.

        ``idempotent`` defaults to True for GET/PUT/DELETE; a POST is only retried when the server cannot
        have acted on it, unless the caller vouches that repeating it is harmless. ``max_retries`` overrides
        the connection's bound for this call (``0`` for a single attempt). ``check`` inspects a successful
        payload and raises ``TrackierResponseError`` when it is malformed; that is retried like a transient
        fault on idempotent calls.
        """
        verb = method.upper()
        safe = verb in IDEMPOTENT_METHODS if idempotent is None else idempotent
        op = path_operation(verb, endpoint, idempotent=safe)  # type: ignore[arg-type]
        return self._request(op, endpoint, params, json, idempotent=safe, max_retries=max_retries, check=check)

    # ----------------------------------------------------------------- one request, retried
    def _request(
        self,
        op: Operation,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        *,
        idempotent: bool,
        max_retries: int | None = None,
        check: Check | None = None,
        raw_records: str | None = None,
    ) -> Any:
        pairs = encode_params(params)
        attempts = 0

        def send() -> Any:
            nonlocal attempts
            attempts += 1
            try:
                return self._send(op, path, pairs, body, check, raw_records)
            except TrackierNotFoundError:
                if not _deleted_earlier(op, path, attempts):
                    raise
                return None

        retrying = tenacity.Retrying(sleep=self._pause, **self._retry_kwargs(op.method, path, idempotent, max_retries))
        return retrying(send)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def _send(
        self,
        op: Operation,
        path: str,
        pairs: list[tuple[str, str]],
        body: Any,
        check: Check | None,
        raw_records: str | None,
    ) -> Any:
        self.throttle_for(op.group).wait(self.sleep)
        try:
            # multipart (issue 22): an ``Outgoing`` (``Call.sent``) is sent as its parts (requests' ``files=``)
            # and headers; any other body as JSON.
            sent = body.requests_kwargs() if isinstance(body, Outgoing) else {"json": body}
            # Redirects are never followed: requests would resend X-Api-Key (and a 307's body) to any host.
            response = self.get_conn().request(
                op.method, self.url(path), params=pairs, timeout=self.settings.timeout,
                allow_redirects=False, stream=True, **sent,
            )
            with response:  # read in large chunks: requests' default 10 KiB cost 0.3 s of CPU per 100 MB
                content = b"".join(response.iter_content(_READ_CHUNK))
        except Exception as exc:
            error = transport_error(exc, method=op.method, endpoint=path, timeout=self.settings.timeout)
            if error is None:
                raise
            raise error from None
        return self._decode(op, response.status_code, content, response.headers, path, check, raw_records)

    def _decode(
        self,
        op: Operation,
        status: int,
        content: bytes,
        headers: Mapping[str, str],
        path: str,
        check: Check | None,
        raw_records: str | None = None,
    ) -> Any:
        """The payload of an answer, or the typed error it stands for (the same for sync and async calls).

        With ``raw_records`` (the dotted key of a list answer's records) each record is kept as the bytes the
        server sent (``msgspec.Raw``, see ``envelopes.decode_page``), for exports that write it as it came.
        """
        method = op.method
        if 300 <= status < 400:
            raise redirect_error(status, headers, base_url=self.settings.base_url, method=method, endpoint=path)
        if status >= 400:
            error = error_from_response(status, content, method=method, endpoint=path, headers=headers)
            if isinstance(error, TrackierRateLimitError) and error.retry_after is not None:
                # Every user of this budget waits, not only this request (which waits there too).
                self.throttle_for(op.group).pause(self.policy.wait_for(1, error.retry_after))
            raise error
        payload = (
            decode_page(content, raw_records, status=status, method=method, endpoint=path)
            if raw_records
            else decode_json(content, status=status, method=method, endpoint=path)
        )
        if is_error_payload(payload):
            raise error_from_response(status, content, method=method, endpoint=path, headers=headers)
        if self.settings.validate_responses != "off":
            if self.responses is None:
                from trackier_provider.schemas.validation import ResponseValidator

                self.responses = ResponseValidator(self.settings.validate_responses)
            self.responses.check(op.name, method, path, status, payload)  # raises in "fail" mode when it drifts
        if check is not None:
            check(payload)  # raises TrackierResponseError for a malformed answer: retried like a fault
        return payload

    @property
    def api(self) -> TrackierApi:
        """Every Admin API operation as a typed call, e.g. ``hook.api.campaigns.caps.list(campaign_id=3)``
        (see ``trackier_provider.api``)."""
        return TrackierApi(self)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap authenticated GET; ``(False, reason)`` names a bad key or a non-whitelisted IP."""
        try:
            self.call("advertisers.list", query={"limit": 1}, max_retries=0)
        except TrackierError as exc:
            return False, str(exc)
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to the Trackier API at {self.settings.base_url}"

    # ----------------------------------------------------------------- async calls (triggers)
    async def acall(
        self,
        client: Any,
        operation: Operation | Call | str,
        *,
        ids: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        max_retries: int | None = None,
        check: Check | None = None,
    ) -> Any:
        """The async twin of ``call`` over an ``httpx.AsyncClient``, for triggers (reads in practice).

        The client is the caller's, so many polls share one connection pool; build it with
        ``async_client()``.
        """
        checked = self.prepare(operation, ids=ids, query=query)
        op, path = checked.operation, checked.path
        if op.content == "multipart":  # its parts would be lost: refused rather than sent without them
            raise TrackierConfigError("operation", f"{op.name} sends a multipart body, which acall does not",
                                      "Call it with TrackierHook.call (a task, not a trigger).")
        headers = {**checked.headers, **self.headers()}  # the call's own header parameters too, never over the key
        settings = await self.aget_settings()
        pairs = encode_params(checked.query)
        attempts = 0

        async def send() -> Any:
            nonlocal attempts
            attempts += 1
            delay = self.throttle_for(op.group).reserve()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                response = await client.request(
                    op.method, self.url(path), params=pairs, json=checked.body, headers=headers,
                    follow_redirects=False,
                )
            except Exception as exc:
                error = transport_error(exc, method=op.method, endpoint=path, timeout=settings.timeout)
                if error is None:
                    raise
                raise error from None
            try:
                return self._decode(op, response.status_code, response.content, response.headers, path, check)
            except TrackierNotFoundError:
                if not _deleted_earlier(op, path, attempts):
                    raise
                return None

        retrying = tenacity.AsyncRetrying(**self._retry_kwargs(op.method, path, op.idempotent, max_retries))
        return await retrying(send)

    async def async_client(self) -> Any:
        """An ``httpx.AsyncClient`` with this connection's timeout; the caller closes it.

        Built in a worker thread: creating a client loads the CA bundle, which would block the event loop.
        """
        settings = await self.aget_settings()
        return await asyncio.to_thread(build_async_client, settings.timeout)


__all__ = ["API_KEY_HEADER", "USER_AGENT", "TrackierAPIError", "TrackierHook"]
