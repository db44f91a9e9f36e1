"""The three mechanisms every Trackier operator is built from.

- ``TrackierBaseOperator``: the connection id, a lazily built hook, and secret masking after rendering.
- ``TrackierFetchOperator`` (+ ``TrackierWindowedFetchOperator``): read the records of one catalogue list
  operation page by page and either stream them to a file (``trackier_provider.outputs``) or return them
  through XCom under a row cap. The typed fetch operators and ``TrackierOperator``'s list operations are
  declarations over this one path (raw JSON Lines, parallel pages, paging checks, drift summary, Asset
  outlet, lineage).
- ``create_once``: create-if-absent, the one routine of every create (typed, generic, workflow). Before
  creating, it looks for an object with the operation's natural key (from the catalogue); ``if_exists``
  decides between returning it, failing, or creating anyway. A duplicate refusal is answered by looking the
  object up, and two objects with one key (two creates that raced) fail loudly naming both ids. This is what
  makes a task retried after a dropped connection leave exactly one object.

None of them does any I/O in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from trackier_provider.api.calls import Call, natural_lookup
from trackier_provider.api.model import dig
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierObjectExistsError,
    TrackierResponseError,
    TrackierValidationError,
)
from trackier_provider.hooks.connection import SETTING_BOUNDS, VALIDATE_MODES
from trackier_provider.hooks.pagination import restarting
from trackier_provider.hooks.throttle import default_pool
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.lineage import CreateRun, FetchRun, create_lineage, fetch_lineage
from trackier_provider.links import TrackierPanelLink
from trackier_provider.outputs import asset_uri, check_format, output_spec, write_pages
from trackier_provider.scrubbing import is_secret_name, scrub
from trackier_provider.validation import (
    check_choice,
    check_flag,
    check_number,
    is_templated,
    require_choice,
    require_text,
)
from trackier_provider.version_compat import Asset, BaseOperator, Context, mask_secret
from trackier_provider.windows import Window, check_lookback, resolve_window, zone_at_parse

if TYPE_CHECKING:
    import logging

DEFAULT_MAX_XCOM_ROWS = 10_000
IF_EXISTS = ("return", "fail", "create")


def _normal(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


def find_existing(hook: TrackierHook, lookup: Call, wanted: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every record ``lookup`` lists whose fields equal ``wanted`` (trimmed, case-insensitive)."""
    normal = {name: _normal(value) for name, value in wanted.items()}
    return [dict(record) for record in hook.records(lookup)
            if isinstance(record, Mapping) and all(_normal(record.get(k)) == v for k, v in normal.items())]


def create_once(
    hook: TrackierHook,
    call: Call,
    *,
    if_exists: str = "return",
    lookup: tuple[Call, Mapping[str, Any]] | None = None,
    idempotent: bool = False,
    log: logging.Logger | Any,
) -> tuple[Any, bool]:
    """Send a create unless its object exists: ``(answer or existing object, created)``.

    ``lookup`` is where existing objects are listed and the fields that identify one (default: the
    catalogue's natural key of ``call.operation``; none: the create is sent as it is). ``if_exists``:
    ``return`` the existing object, ``fail`` (``TrackierObjectExistsError``) or ``create`` without looking.
    A create the server refuses (code 107, e.g. "email already exists" after a create of another task) is
    answered with the object it collides with, when the lookup finds it. After a create, when the lookup
    finds two objects with the key, two creates raced: that fails naming both ids.
    """
    if lookup is None and if_exists != "create":
        lookup = natural_lookup(call)
    if if_exists == "create":
        lookup = None
    name = call.operation.name
    key = ", ".join(f"{f}={v!r}" for f, v in (lookup[1] if lookup else {}).items() if not is_secret_name(f))
    if lookup is not None:
        found = find_existing(hook, *lookup)
        if found:
            if if_exists == "fail":
                raise TrackierObjectExistsError(
                    f"{name}: an object with {key} already exists (id {_id_of(found[0])}). Use if_exists='return' "
                    "to reuse it or 'create' to create another."
                )
            log.info("%s skipped: an object with %s exists (id %s)", name, key, _id_of(found[0]))
            return found[0], False
    try:
        answer = hook.call(call, idempotent=idempotent)
    except TrackierValidationError:
        found = find_existing(hook, *lookup) if lookup is not None else []
        if not found:
            raise
        log.info("%s refused as a duplicate; returning the object with %s (id %s)", name, key, _id_of(found[0]))
        return found[0], False
    if lookup is not None:
        found = find_existing(hook, *lookup)
        if len(found) > 1:
            ids = ", ".join(str(_id_of(record)) for record in found)
            raise TrackierObjectExistsError(
                f"{name}: {len(found)} objects with {key} exist now (ids {ids}): another create of the same key "
                "ran at the same time. Keep one and delete the others."
            )
    return answer, True


def named_for_user(error: TrackierConfigError, keywords: Mapping[str, str]) -> TrackierConfigError:
    """``error`` with its field named by the operator keyword whose value sits at that place of the request
    (``keywords``: place -> keyword, e.g. ``{"filters.campaignIds": "campaign_ids"}``), the rest kept."""
    for place, keyword in sorted(keywords.items(), key=lambda item: -len(item[0])):  # the deepest place first
        if error.field == place or error.field.startswith((f"{place}[", f"{place}.")):
            return TrackierConfigError(keyword + error.field[len(place):], error.problem, error.fix)
    return error


def _id_of(record: Mapping[str, Any]) -> Any:
    return record.get("id", record.get("_id"))


def created_object(operation: str, answer: Any, result_key: str | None) -> dict[str, Any]:
    """The object a create's answer holds under ``result_key`` (the catalogue's ``result``), or
    ``TrackierResponseError`` when the answer holds none (an object with an id, or the answer itself when the
    operation names no result)."""
    found = dig(answer, result_key) if result_key else answer
    if not isinstance(found, Mapping) or (result_key and _id_of(found) is None):
        kind = "null" if found is None else type(found).__name__
        raise TrackierResponseError(
            f"{operation}: expected the created object under {result_key or 'the answer'!r}, got {kind}",
            status=200, method="POST", endpoint=operation,
        )
    return dict(found)


class TrackierBaseOperator(BaseOperator):
    """Base of all Trackier operators: the connection and a hook built on first use.

    :param trackier_conn_id: Airflow connection of type ``trackier``.
    :param validate_responses: ``off``, ``warn`` or ``fail``: check Trackier's answers against the provider's
        schemas (``trackier_provider.schemas.validation``); default: the connection extra of that name, else off.

    Without a ``pool`` argument (or ``default_args``) the task runs in the pool named by ``[trackier] pool``
    in Airflow's configuration, if set (see ``hooks.throttle.default_pool``).
    """

    #: Attributes holding secrets: masked in logs and rendered fields as soon as they are rendered.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    ui_color = "#e8f1fd"

    def __init__(
        self, *, trackier_conn_id: str = TrackierHook.default_conn_name, validate_responses: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "pool" not in kwargs and (pool := default_pool()):
            kwargs["pool"] = pool
        super().__init__(**kwargs)
        self.trackier_conn_id = require_text("trackier_conn_id", trackier_conn_id)
        self.validate_responses = check_choice("validate_responses", validate_responses, VALIDATE_MODES)

    @cached_property
    def hook(self) -> TrackierHook:
        """The hook; built on first use so parsing the DAG does no I/O."""
        return TrackierHook(trackier_conn_id=self.trackier_conn_id, validate_responses=self.validate_responses)

    def mask_secrets(self) -> None:
        """Register the secret attributes with Airflow's masker (logs, rendered fields, exceptions)."""
        for name in self.secret_fields:
            value = getattr(self, name, None)
            if isinstance(value, str) and value:
                mask_secret(value)

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Render as usual, then mask the secrets the templates produced."""
        super().render_template_fields(context, jinja_env)
        self.mask_secrets()

    def execute(self, context: Context) -> Any:
        """The work, with the answers' drift summary at the end of the log and in XCom ``schema_drift``
        (``validate_responses``; also after a failure)."""
        from trackier_provider.schemas.validation import drift_summary

        with drift_summary(self, context):
            return self.run(context)

    def run(self, context: Context) -> Any:
        """What the operator does (``execute`` wraps it)."""
        raise NotImplementedError


class TrackierFetchOperator(TrackierBaseOperator):
    """Read every record of a catalogue list operation, to a file (streamed, constant memory) or to XCom.

    :param output_path: local path, fsspec URL (``s3://``, ``memory://``, ``file://``, ...) or
        ``ObjectStoragePath``. When set, records are streamed there and XCom gets only
        ``{"path", "rows", "start", "end", "timezone"}``. A static (non-templated) path is declared as an
        outlet Asset (Dataset on Airflow 2) so downstream DAGs can be scheduled on it.
    :param output_format: ``"jsonl"`` or ``"csv"``; default from the extension (``.csv``/``.csv.gz``), else jsonl.
    :param compression: ``"gzip"``, ``None`` or ``"infer"`` (gzip when the path ends with ``.gz``).
    :param max_xcom_rows: without ``output_path``, fail (pointing at ``output_path``) above this many records.
    :param page_size: records per request for paginated endpoints (default: the connection's, else the
        largest page Trackier documents for the endpoint).
    :param max_parallel_pages: pages of a page-numbered list requested at once while earlier ones are written
        (default: the connection extra ``max_parallel_pages``, else 4; ``1`` requests each page only after the
        previous one was written). Rows are always written in order; memory is bounded by the pages held
        ahead (see ``TrackierHook.pages``) plus about 80 bytes per record read (the hash that recognises a
        record the list repeats, ``hooks.pagination``).
    :param max_bytes_ahead: bytes of answers held ahead of the page being written, in flight or waiting
        (default: the connection extra ``max_bytes_ahead``, else 64 MiB): the pages ahead times the largest
        answer seen so far stay within it, never fewer than one page (see ``TrackierHook.pages``).
    """

    template_fields: Sequence[str] = ("output_path",)
    #: The catalogue list operation the operator reads (``conversions.list``).
    operation: Any = ""
    #: The operator's keywords that are query parameters of the operation, each with its dotted place in the
    #: query (``{"campaign_ids": "filters.campaignIds"}``): sent as given, checked by the catalogue's rule for
    #: that place (the rule ``hook.api`` applies), and an error names the keyword.
    query_args: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        *,
        output_path: Any = None,
        output_format: str | None = None,
        compression: str | None = "infer",
        max_xcom_rows: int = DEFAULT_MAX_XCOM_ROWS,
        page_size: int | None = None,
        max_parallel_pages: int | None = None,
        max_bytes_ahead: int | None = None,
        **kwargs: Any,
    ) -> None:
        check_format(output_format, compression)  # also while output_path is unset or templated
        if output_path is not None and not is_templated(output_path):
            output_spec(output_path, output_format, compression)  # a typo fails at parse time
            outlets = kwargs.get("outlets")
            declared = list(outlets) if isinstance(outlets, (list, tuple)) else ([outlets] if outlets else [])
            kwargs["outlets"] = [*declared, Asset(asset_uri(output_path))]
        super().__init__(**kwargs)
        self.output_path = output_path
        self.output_format = output_format
        self.compression = compression
        self.max_xcom_rows = check_number("max_xcom_rows", max_xcom_rows, whole=True, at_least=0, required=True)
        self.page_size = check_number("page_size", page_size, **SETTING_BOUNDS["page_size"])
        self.max_parallel_pages = check_number(
            "max_parallel_pages", max_parallel_pages, **SETTING_BOUNDS["max_parallel_pages"]
        )
        self.max_bytes_ahead = check_number("max_bytes_ahead", max_bytes_ahead, **SETTING_BOUNDS["max_bytes_ahead"])

    # ---------------------------------------------------------------- what subclasses declare
    def resolve(self, context: Context) -> Window | None:
        """The window this run reads (None for endpoints without one)."""
        return None

    def request_ids(self) -> dict[str, Any]:
        """The operation's path ids, by their Python names (``campaign_id``)."""
        return {}

    def request_params(self, window: Window | None) -> dict[str, Any]:
        """Query parameters by Trackier's names (by default the ``query_args`` that are set: None and "" are
        unset; a whole ``filters`` dict first, its shortcuts over it), checked against the catalogue when the
        call is prepared."""
        query: dict[str, Any] = {}
        for keyword, place in sorted(self.query_args.items(), key=lambda item: item[1].count(".")):
            value = getattr(self, keyword)
            if value is None or value == "":
                continue
            head, _, key = place.partition(".")
            if not key:
                query[head] = dict(value) if isinstance(value, Mapping) else value
            elif isinstance(query.setdefault(head, {}), dict):
                query[head][key] = value
        return query

    def prepare_call(self, window: Window | None) -> Call:
        """The checked call of the operation (``TrackierConfigError`` before any request, naming the keyword)."""
        params = {k: v for k, v in self.request_params(window).items() if v is not None}
        try:
            return self.hook.prepare(self.operation, ids=self.request_ids(), query=params,
                                     page_size=self.page_size, prefix="")
        except TrackierConfigError as error:
            raise named_for_user(error, {place: keyword for keyword, place in self.query_args.items()}) from None

    def fetch_pages(self, window: Window | None, *, raw: bool) -> Iterable[Sequence[Any]]:
        """The records a page at a time, lazily, everything checked before this returns; with ``raw`` a
        record is the JSON text the server sent (for JSON Lines)."""
        call = self.prepare_call(window)
        self.lineage_run.read(call.path)
        return self.hook.pages(call, max_parallel_pages=self.max_parallel_pages,
                               max_bytes_ahead=self.max_bytes_ahead, raw=raw)

    # ---------------------------------------------------------------- the shared execute
    def run(self, context: Context) -> Any:
        spec = (
            output_spec(self.output_path, self.output_format, self.compression)
            if self.output_path is not None
            else None
        )
        window = self.resolve(context)
        self.lineage_run = FetchRun(window)
        raw = spec is not None and spec.format == "jsonl"
        first = [self.fetch_pages(window, raw=raw)]  # checked: no request yet
        if window is not None:
            self.log.info("Reading %s for %s", self.task_id, window.describe())

        def read() -> Iterable[Sequence[Any]]:
            """The pages checked above; after a list moved under the read, its pages from the start again."""
            return first.pop() if first else self.fetch_pages(window, raw=raw)

        # ``restarting`` reads again what moved under the read; the partial result is discarded (write_pages
        # removes its temporary file when a read raises).
        if spec is None:
            collected = restarting(lambda: self._collect(read()), what=self.task_id)
            self.lineage_run.wrote(None, len(collected))
            return scrub(collected)
        rows = restarting(lambda: write_pages(read(), spec), what=self.task_id)
        self.lineage_run.wrote(spec.uri, rows)
        self.log.info("Wrote %s records to %s", rows, spec.uri)
        described = window.describe() if window is not None else {"start": None, "end": None, "timezone": None}
        return {"path": spec.uri, "rows": rows, **described}

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the endpoint read and the file written (``trackier_provider.lineage``)."""
        return fetch_lineage(self)

    def _collect(self, pages: Iterable[Sequence[Any]]) -> list[Any]:
        rows: list[Any] = []
        for page in pages:
            if len(rows) + len(page) > self.max_xcom_rows:
                raise TrackierConfigError(
                    "max_xcom_rows",
                    f"task {self.task_id!r} read more than {self.max_xcom_rows} records, too many to return "
                    "through XCom",
                    "Set output_path (a local path or a URL such as s3://bucket/trackier/data.jsonl.gz) to "
                    "stream the records to storage, or raise max_xcom_rows.",
                )
            rows.extend(page)
        self.log.info("Read %s records", len(rows))
        return rows


class TrackierWindowedFetchOperator(TrackierFetchOperator):
    """A fetch over a time window: by default the run's data interval, in an explicit timezone.

    :param start: start date/datetime (templated); default ``data_interval_start``.
    :param end: end date/datetime (templated; a date is inclusive); default ``data_interval_end``.
    :param timezone: IANA timezone of the window, sent as Trackier's ``zone`` and recorded in the output.
    :param lookback: days the window is widened backwards so late changes (e.g. conversion status) are re-read.
    :param align_days: move both ends of the window back to midnight in ``timezone`` (see
        ``trackier_provider.windows``). Endpoints that read whole days (reports, the campaign timeline)
        refuse a window that does not start and end at midnight unless this is True; with it, a
        ``02:00 -> 02:00`` daily interval reads the day it starts in.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "start", "end", "timezone")

    def __init__(
        self,
        *,
        start: Any = None,
        end: Any = None,
        timezone: str = "UTC",
        lookback: int = 0,
        align_days: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start = start
        self.end = end
        self.timezone = timezone
        zone_at_parse(timezone)
        self.lookback = check_lookback(lookback)
        self.align_days = check_flag("align_days", align_days)

    def resolve(self, context: Context) -> Window:
        interval = {name: context.get(name) for name in ("data_interval_start", "data_interval_end")}
        return resolve_window(self.start, self.end, context=interval, timezone=self.timezone,
                              lookback_days=self.lookback, align_days=self.align_days)


class TrackierCreateOperator(TrackierBaseOperator):
    """Create an object unless one with the same natural key exists (``create_once``; the key is the
    catalogue's for ``operation``).

    :param if_exists: ``"return"`` (default) returns the existing object, ``"fail"`` raises
        ``TrackierObjectExistsError``, ``"create"`` always creates (no lookup).

    Returns the object (without secrets); XCom key ``created`` says whether this run created it.
    """

    operator_extra_links = (TrackierPanelLink(),)
    #: The catalogue's create operation (``publishers.create``).
    operation: ClassVar[str]
    #: Kind of object, for the panel link and lineage.
    kind: ClassVar[str]

    def __init__(self, *, if_exists: str = "return", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.if_exists = require_choice("if_exists", if_exists, IF_EXISTS)

    def payload(self) -> dict[str, Any]:
        """The create body, validated (raise ``TrackierConfigError`` before any request)."""
        raise NotImplementedError

    def run(self, context: Context) -> Any:
        self.mask_secrets()
        call = self.hook.prepare(self.operation, body=self.payload())
        answer, created = create_once(self.hook, call, if_exists=self.if_exists, log=self.log)
        obj = created_object(call.operation.name, answer, call.operation.result) if created else answer
        if created:
            self.log.info("Created %s %s", self.kind, _id_of(obj))
        context["ti"].xcom_push(key="created", value=created)
        self.lineage_run = CreateRun(_id_of(obj), created, call.operation.path)
        TrackierPanelLink.persist(context, self.hook.settings.panel_url, self.kind, _id_of(obj))
        return scrub(obj)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the collection written and the object's id (``trackier_provider.lineage``)."""
        return create_lineage(self)


__all__ = [
    "DEFAULT_MAX_XCOM_ROWS",
    "TrackierBaseOperator",
    "TrackierCreateOperator",
    "TrackierFetchOperator",
    "TrackierWindowedFetchOperator",
    "create_once",
    "created_object",
    "find_existing",
]
