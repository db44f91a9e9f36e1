"""The three mechanisms every Trackier operator is built from.

- ``TrackierBaseOperator``: the connection id, a lazily built hook, and secret masking after rendering.
- ``TrackierFetchOperator`` (+ ``TrackierWindowedFetchOperator``): read a list endpoint page by page and
  either stream it to a file (``trackier_provider.outputs``) or return it through XCom under a row cap.
- ``TrackierCreateOperator``: create-if-absent. Before creating, look for an object with the same natural
  key; ``if_exists`` decides between returning it, failing, or creating anyway. This is what makes a task
  retried after a dropped connection leave exactly one object.

Subclasses declare their endpoint (a ``Paging`` descriptor or a path and the key holding the records) and
build their request parameters; none of them does any I/O in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from trackier_provider.exceptions import TrackierConfigError, TrackierObjectExistsError
from trackier_provider.hooks.connection import SETTING_BOUNDS, VALIDATE_MODES
from trackier_provider.hooks.pagination import Paging, dig, records_check
from trackier_provider.hooks.throttle import default_pool
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.lineage import CreateRun, FetchRun, create_lineage, fetch_lineage
from trackier_provider.links import TrackierPanelLink
from trackier_provider.outputs import asset_uri, batches, is_templated, output_spec, write_pages
from trackier_provider.paths import path_segment
from trackier_provider.scrubbing import is_secret_name, scrub
from trackier_provider.validation import check_choice, check_mapping, check_number, require_choice, require_text
from trackier_provider.version_compat import Asset, BaseOperator, Context, mask_secret
from trackier_provider.windows import Window, check_lookback, resolve_window

DEFAULT_MAX_XCOM_ROWS = 10_000
IF_EXISTS = ("return", "fail", "create")


def path_id(field: str, value: Any) -> str:
    """An id for a URL path (see ``trackier_provider.paths.path_segment``)."""
    return path_segment(field, value)


def merged_filters(filters: Mapping[str, Any] | None, **named: Any) -> dict[str, Any] | None:
    """``filters`` plus the named shortcuts that are set (shortcuts win); None when empty."""
    merged = check_mapping("filters", filters) or {}
    merged.update({k: v for k, v in named.items() if v not in (None, "", [])})
    return merged or None


def without_secrets(value: Any) -> Any:
    """A copy of an API answer without credentials, for XCom (see ``trackier_provider.scrubbing``)."""
    return scrub(value)


def find_existing(
    hook: TrackierHook,
    lookup: Paging | str,
    params: Mapping[str, Any] | None,
    wanted: Mapping[str, Any],
    records_key: str = "",
) -> dict[str, Any] | None:
    """The first record listed by ``lookup`` (a ``Paging``, or a path whose answer holds ``records_key``)
    whose fields equal ``wanted`` (trimmed, case-insensitive), or None. The one create-if-absent lookup,
    shared by ``TrackierCreateOperator`` and the generic operator's ``exists``."""
    normal = {name: _normal(value) for name, value in wanted.items()}
    if isinstance(lookup, Paging):
        candidates: Iterable[Any] = hook.paginate(lookup, params)
    else:
        candidates = dig(hook.get(lookup, params, check=records_check(records_key, lookup)), records_key)
    for record in candidates:
        if isinstance(record, Mapping) and all(_normal(record.get(k)) == v for k, v in normal.items()):
            return dict(record)
    return None


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


class TrackierFetchOperator(TrackierBaseOperator):
    """Read every record of a list endpoint, to a file (streamed, constant memory) or to XCom.

    :param output_path: local path, fsspec URL (``s3://``, ``memory://``, ``file://``, ...) or
        ``ObjectStoragePath``. When set, records are streamed there and XCom gets only
        ``{"path", "rows", "start", "end", "timezone"}``. A static (non-templated) path is declared as an
        outlet Asset (Dataset on Airflow 2) so downstream DAGs can be scheduled on it.
    :param output_format: ``"jsonl"`` or ``"csv"``; default from the extension (``.csv``/``.csv.gz``), else jsonl.
    :param compression: ``"gzip"``, ``None`` or ``"infer"`` (gzip when the path ends with ``.gz``).
    :param max_xcom_rows: without ``output_path``, fail (pointing at ``output_path``) above this many records.
    :param page_size: records per request for paginated endpoints (default: the connection's, else the
        largest page Trackier documents for the endpoint).
    :param max_parallel_pages: pages of a page-numbered list fetched at once while earlier ones are written
        (default: the connection extra ``max_parallel_pages``, else 4; ``1`` fetches each page only after the
        previous one was written). Rows are always
        written in order, and memory is bounded by these pages, never by the export.
    """

    template_fields: Sequence[str] = ("output_path",)
    #: Paginated endpoints set ``paging``; single-answer ones set ``path`` and ``records_key``.
    paging: ClassVar[Paging | None] = None
    path: ClassVar[str] = ""
    records_key: ClassVar[str] = ""

    def __init__(
        self,
        *,
        output_path: Any = None,
        output_format: str | None = None,
        compression: str | None = "infer",
        max_xcom_rows: int = DEFAULT_MAX_XCOM_ROWS,
        page_size: int | None = None,
        max_parallel_pages: int | None = None,
        **kwargs: Any,
    ) -> None:
        static = output_path is not None and not is_templated(output_path)
        if static:
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

    # ---------------------------------------------------------------- what subclasses define
    def resolve(self, context: Context) -> Window | None:
        """The window this run reads (None for endpoints without one)."""
        return None

    def request_params(self, window: Window | None) -> dict[str, Any]:
        """Query parameters of the request (validated; raise ``TrackierConfigError`` for bad input)."""
        return {}

    def endpoint(self) -> str:
        """Path of a single-answer endpoint (override to fill in ids)."""
        return self.path

    def fetch_pages(self, window: Window | None, *, raw: bool = False) -> Iterable[Sequence[Any]]:
        """The records a page at a time, lazily (what ``output_path`` exports write, page by page); with
        ``raw``, a paginated endpoint's records come as the JSON text the server sent (for JSON Lines)."""
        if self.paging is not None:
            params = self.request_params(window)
            return self.hook.iter_pages(
                self.paging, params, page_size=self.page_size, max_parallel_pages=self.max_parallel_pages, raw=raw
            )
        return batches(self.fetch_records(window))

    def fetch_records(self, window: Window | None) -> Iterable[Any]:
        """The records, lazily: one page is requested only when the previous one has been consumed."""
        params = self.request_params(window)
        if self.paging is not None:
            return self.hook.paginate(
                self.paging, params, page_size=self.page_size, max_parallel_pages=self.max_parallel_pages
            )
        return self._single(self.endpoint(), params)

    def _single(self, endpoint: str, params: Mapping[str, Any] | None) -> Iterator[Any]:
        """The records of a single-answer endpoint; an answer without them fails (and is retried first)."""
        self.lineage_run.read(endpoint)
        answer = self.hook.get(endpoint, params, check=records_check(self.records_key, endpoint))
        yield from dig(answer, self.records_key)

    # ---------------------------------------------------------------- the shared execute
    def execute(self, context: Context) -> Any:
        from trackier_provider.schemas.validation import drift_summary

        with drift_summary(self, context):  # validate_responses: the summary ends the log, also after a failure
            return self._fetch(context)

    def _fetch(self, context: Context) -> Any:
        spec = (
            output_spec(self.output_path, self.output_format, self.compression)
            if self.output_path is not None
            else None
        )
        window = self.resolve(context)
        self.lineage_run = FetchRun(window)
        if window is not None:
            self.log.info("Reading %s for %s", self.task_id, window.describe())
        if spec is None:
            collected = self._collect(self.fetch_records(window))  # parameters checked before the first request
            self.lineage_run.wrote(None, len(collected))
            return collected
        rows = write_pages(self.fetch_pages(window, raw=spec.format == "jsonl"), spec)  # likewise
        self.lineage_run.wrote(spec.uri, rows)
        described = window.describe() if window is not None else {"start": None, "end": None, "timezone": None}
        return {"path": spec.uri, "rows": rows, **described}

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the endpoints read and the file written (``trackier_provider.lineage``)."""
        return fetch_lineage(self)

    def _collect(self, records: Iterable[Any]) -> list[Any]:
        rows: list[Any] = []
        for record in records:
            if len(rows) >= self.max_xcom_rows:
                raise TrackierConfigError(
                    "max_xcom_rows",
                    f"task {self.task_id!r} read more than {self.max_xcom_rows} records, too many to return "
                    "through XCom",
                    "Set output_path (a local path or a URL such as s3://bucket/trackier/data.jsonl.gz) to "
                    "stream the records to storage, or raise max_xcom_rows.",
                )
            rows.append(without_secrets(record))  # XCom: a panel may echo a password in a record
        self.log.info("Read %s records", len(rows))
        return rows


class TrackierWindowedFetchOperator(TrackierFetchOperator):
    """A fetch over a time window: by default the run's data interval, in an explicit timezone.

    :param start: start date/datetime (templated); default ``data_interval_start``.
    :param end: end date/datetime (templated; a date is inclusive); default ``data_interval_end``.
    :param timezone: IANA timezone of the window, sent as Trackier's ``zone`` and recorded in the output.
    :param lookback: days the window is widened backwards so late changes (e.g. conversion status) are re-read.
    """

    template_fields: Sequence[str] = (*TrackierFetchOperator.template_fields, "start", "end", "timezone")

    def __init__(
        self,
        *,
        start: Any = None,
        end: Any = None,
        timezone: str = "UTC",
        lookback: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start = start
        self.end = end
        self.timezone = timezone
        self.lookback = check_lookback(lookback)

    def resolve(self, context: Context) -> Window:
        interval = {
            name: _stdlib(context.get(name))  # type: ignore[misc]
            for name in ("data_interval_start", "data_interval_end")
        }
        return resolve_window(
            _stdlib(self.start), _stdlib(self.end), context=interval, timezone=self.timezone,
            lookback_days=self.lookback,
        )


def _stdlib(value: Any) -> Any:
    """A plain ``datetime`` for a pendulum one: pendulum drops a zoneinfo tz on ``- timedelta``."""
    if isinstance(value, datetime) and type(value) is not datetime:
        return datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
            tzinfo=value.tzinfo, fold=value.fold,
        )
    return value


class TrackierCreateOperator(TrackierBaseOperator):
    """Create an object unless one with the same natural key exists (create-if-absent).

    :param if_exists: ``"return"`` (default) returns the existing object, ``"fail"`` raises
        ``TrackierObjectExistsError``, ``"create"`` always creates (no lookup).

    Returns the object (without secrets); XCom key ``created`` says whether this run created it.
    """

    operator_extra_links = (TrackierPanelLink(),)
    create_path: ClassVar[str]
    result_key: ClassVar[str]
    #: Kind of object, for messages and the panel link.
    kind: ClassVar[str]
    id_field: ClassVar[str] = "id"
    #: Payload fields that identify an object, compared (trimmed, case-insensitive) with existing records.
    natural_key: ClassVar[tuple[str, ...]]
    #: Where existing objects are listed: a ``Paging`` or a path plus ``lookup_records`` key.
    lookup: ClassVar[Paging | str]
    lookup_records: ClassVar[str] = ""

    def __init__(self, *, if_exists: str = "return", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.if_exists = require_choice("if_exists", if_exists, IF_EXISTS)

    def payload(self) -> dict[str, Any]:
        """The create body, validated (raise ``TrackierConfigError`` before any request)."""
        raise NotImplementedError

    def lookup_params(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Server-side filters narrowing the lookup; the natural key is still compared on each record."""
        return {}

    def find_existing(self, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first existing object whose natural key equals the payload's, or None."""
        wanted = {name: payload.get(name) for name in self.natural_key}
        return find_existing(self.hook, self.lookup, self.lookup_params(payload), wanted, self.lookup_records)

    def execute(self, context: Context) -> Any:
        self.mask_secrets()
        payload = self.payload()
        key = ", ".join(f"{name}={payload.get(name)!r}" for name in self.natural_key if not is_secret_name(name))
        if self.if_exists != "create":
            existing = self.find_existing(payload)
            if existing is not None:
                if self.if_exists == "fail":
                    raise TrackierObjectExistsError(
                        f"A {self.kind} with {key} already exists (id {existing.get(self.id_field)}). "
                        "Use if_exists='return' to reuse it or 'create' to create another."
                    )
                self.log.info("A %s with %s already exists (id %s); returning it", self.kind, key,
                              existing.get(self.id_field))
                return self._done(context, existing, created=False)
        answer = self.hook.post(self.create_path, payload)
        created = dig(answer, self.result_key)
        if not isinstance(created, Mapping):
            created = answer
        self.log.info("Created %s %s (%s)", self.kind, created.get(self.id_field), key)
        return self._done(context, dict(created), created=True)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the collection written and the object's id (``trackier_provider.lineage``)."""
        return create_lineage(self)

    def _done(self, context: Context, obj: dict[str, Any], *, created: bool) -> dict[str, Any]:
        context["ti"].xcom_push(key="created", value=created)
        self.lineage_run = CreateRun(obj.get(self.id_field), created)
        TrackierPanelLink.persist(context, self.hook.settings.panel_url, self.kind, obj.get(self.id_field))
        return without_secrets(obj)


def _normal(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


__all__ = [
    "DEFAULT_MAX_XCOM_ROWS",
    "TrackierBaseOperator",
    "TrackierCreateOperator",
    "TrackierFetchOperator",
    "TrackierWindowedFetchOperator",
    "find_existing",
    "merged_filters",
    "path_id",
    "without_secrets",
]
