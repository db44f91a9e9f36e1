"""Daily report pull: wait until yesterday's figures are final, save the campaign report and the conversion
log, and upsert the conversions into a warehouse table through Airflow's SQL hooks.

Workflow (daily, for the run's data interval: one UTC day)::

    wait_for_report ──> fetch_campaign_report
                    └─> fetch_conversions ──> load_warehouse

- ``wait_for_report``: ``TrackierReportSensor`` on the campaign report, deferrable (the wait runs in the
  triggerer and holds no worker slot). Trackier's figures for a day keep changing for a while after the day
  ends (late conversions, pending conversions being approved or rejected); the sensor succeeds once the
  report's totals have not changed over 3 polls spanning ``TRACKIER_EXAMPLES_SETTLE_SECONDS``. It also
  wants at least one row: on a network where a day can have no traffic at all, pass ``min_rows=0``.
- ``fetch_campaign_report``: the campaign report of the day, as JSON Lines, to
  ``{base}/report_pull/campaign_report/campaign_report_<day>.jsonl``.
- ``fetch_conversions``: the conversion log of the day plus 7 days of ``lookback`` (conversions change
  status after they happen, so recent days are read again), gzip-compressed JSON Lines, to
  ``{base}/report_pull/conversions/conversions_<day>.jsonl.gz``.
- ``load_warehouse``: upserts that file into the ``conversions`` table of the database behind the Airflow
  connection ``trackier_warehouse``, keyed on the conversion id, with the connection's own SQL hook
  (``apache-airflow-providers-common-sql``: ``SqliteHook``, ``PostgresHook``, ...) and its
  ``insert_rows(..., replace=True, replace_index="id")``: SQLite's ``REPLACE INTO``, PostgreSQL's
  ``INSERT ... ON CONFLICT (id) DO UPDATE``, each dialect's own upsert. Re-reading a window, or the lookback
  overlap between days, replaces rows in place and never duplicates them, also when the loads of several
  days run at the same time on different workers. Without a ``trackier_warehouse`` connection the table
  goes to an SQLite file (``TRACKIER_EXAMPLES_SQLITE_PATH``): embedded, nothing to install or configure.
  Returns ``{"table", "conn_id", "read", "total"}``: rows read from the file and in the table afterwards (not
  "how many were new": when the loads of several days run at once, a count before and after each one mixes
  theirs up).

A PostgreSQL warehouse, for example (``pip install apache-airflow-providers-postgres``)::

    export AIRFLOW_CONN_TRACKIER_WAREHOUSE='postgresql://loader:PASSWORD@db.example.com:5432/warehouse'

Assets. The file names carry the day, so the fetch operators cannot declare them as outlets themselves
(they declare only static paths). Each fetch declares instead the Asset of its *directory*
(``file:///.../report_pull/conversions`` or ``s3://bucket/prefix/report_pull/conversions``): a downstream
DAG scheduled on it is triggered once per new daily file, whichever day it is, and the asset event's
``extra`` carries the file (``{"path", "rows", "start", "end", "timezone"}``, set by ``post_execute``), so
the consumer reads exactly the new file without listing the directory. A per-day Asset would be a new
Asset every day that no DAG could be scheduled on; a static "latest" file would be overwritten by a
backfill or a re-run. ``load_warehouse`` declares the table as the Asset
``warehouse://trackier_warehouse/conversions``, for consumers of the merged table.

Settings (environment variables, read at parse time without I/O):

- ``TRACKIER_EXAMPLES_BASE_PATH``: base of the files (default ``/tmp/trackier-examples``); an
  ``s3://bucket/prefix`` (or ``gs://``, ...) base works by changing only this.
- ``TRACKIER_EXAMPLES_SQLITE_PATH``: the SQLite database used when no ``trackier_warehouse`` connection is
  defined (default ``{base}/report_pull/trackier.sqlite`` for a local base, otherwise
  ``/tmp/trackier-examples/report_pull/trackier.sqlite``: SQLite needs a local file, so with a remote base
  or several workers define the connection instead).
- ``TRACKIER_EXAMPLES_POKE_SECONDS`` (default 600), ``TRACKIER_EXAMPLES_SETTLE_SECONDS`` (default 3600),
  ``TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS`` (default 12 hours): the sensor's timing.

The connections are ``trackier_default`` (the API) and ``trackier_warehouse`` (the table; optional).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Any

from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.outputs import asset_uri, read_records
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS, Asset, BaseHook

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable, task
else:
    from airflow import DAG
    from airflow.decorators import task
    from airflow.timetables.interval import CronDataIntervalTimetable

log = logging.getLogger(__name__)

DEFAULT_BASE = "/tmp/trackier-examples"  # noqa: S108 - a local default for trying the example
BASE_PATH = os.environ.get("TRACKIER_EXAMPLES_BASE_PATH", DEFAULT_BASE).rstrip("/")
POKE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_POKE_SECONDS", "600"))
SETTLE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_SETTLE_SECONDS", "3600"))
SENSOR_TIMEOUT_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS", str(12 * 3600)))


def _local_base(base: str) -> str | None:
    """The local directory of a local base (a path or ``file://`` URL); None for a remote one."""
    if base.startswith("file://"):
        return base[len("file://"):]
    return None if "://" in base else base


OUTPUT_DIR = f"{BASE_PATH}/report_pull"
SQLITE_PATH = os.environ.get("TRACKIER_EXAMPLES_SQLITE_PATH") or (
    f"{_local_base(BASE_PATH) or DEFAULT_BASE}/report_pull/trackier.sqlite"
)
DAY = "{{ data_interval_start | ds }}"

#: The Airflow connection of the warehouse; its conn type picks the SQL hook (sqlite, postgres, mysql, ...).
WAREHOUSE_CONN_ID = "trackier_warehouse"
TABLE = "conversions"
#: Columns of the conversions table besides the id and the full record (JSON).
COLUMNS = ("created", "status", "campaign_id", "publisher_id", "advertiser_id", "goal_id", "currency", "payout",
           "revenue", "sale", "txn_id", "click_id")
FIELDS = ("id", *COLUMNS, "record", "loaded_at")
#: Portable DDL: the same statement works on SQLite and PostgreSQL (and MySQL).
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id VARCHAR(64) PRIMARY KEY, created VARCHAR(32), status VARCHAR(16), "
    "campaign_id BIGINT, publisher_id BIGINT, advertiser_id BIGINT, goal_id TEXT, currency VARCHAR(8), "
    "payout DOUBLE PRECISION, revenue DOUBLE PRECISION, sale DOUBLE PRECISION, txn_id TEXT, click_id TEXT, "
    "record TEXT NOT NULL, loaded_at VARCHAR(40) NOT NULL)"
)
#: Rows per transaction. Each batch is sorted by id, so loads running at the same time lock rows in the
#: same order and cannot deadlock each other.
BATCH_ROWS = 1000

CAMPAIGN_REPORT_ASSET = Asset(asset_uri(f"{OUTPUT_DIR}/campaign_report"))
CONVERSIONS_ASSET = Asset(asset_uri(f"{OUTPUT_DIR}/conversions"))
WAREHOUSE_ASSET = Asset(f"warehouse://{WAREHOUSE_CONN_ID}/{TABLE}")


def announce_file(context: Any, result: Any) -> None:
    """``post_execute``: put the written file (path, rows, window) in the extra of the task's asset events."""
    if not isinstance(result, dict) or "path" not in result:
        return
    extra = {key: result.get(key) for key in ("path", "rows", "start", "end", "timezone")}
    for outlet in context["task"].outlets or []:
        context["outlet_events"][outlet].extra = extra


def warehouse_hook(conn_id: str = WAREHOUSE_CONN_ID, sqlite_path: str = SQLITE_PATH) -> Any:
    """The SQL hook (a common.sql ``DbApiHook``) of connection ``conn_id``; SQLite at ``sqlite_path`` without one.

    Called at run time only: looking a connection up is I/O (the metadata database, a secrets backend or,
    on Airflow 3, the API server).
    """
    from airflow.exceptions import AirflowNotFoundException
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        log.info("No connection %r: loading into the SQLite database %s", conn_id, sqlite_path)
        return _sqlite_file_hook(conn_id, sqlite_path)
    log.info("Loading into connection %r (type %s)", conn_id, connection.conn_type)
    hook = connection.get_hook()
    if not isinstance(hook, DbApiHook):
        raise TypeError(f"Connection {conn_id!r} (type {connection.conn_type!r}) has no SQL hook: "
                        f"{type(hook).__name__} is not a common.sql DbApiHook")
    return hook


def _sqlite_file_hook(conn_id: str, path: str) -> Any:
    """``SqliteHook`` on the file ``path``, for when connection ``conn_id`` is not defined."""
    try:
        from airflow.providers.sqlite.hooks.sqlite import SqliteHook
    except ImportError as error:
        raise RuntimeError(
            f"No connection {conn_id!r} and no SQLite provider: pip install apache-airflow-providers-sqlite, "
            f"or define {conn_id!r} for your warehouse") from error

    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk import Connection
    else:
        from airflow.models.connection import Connection

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    connection = Connection(conn_id=conn_id, conn_type="sqlite", host=os.path.abspath(path))

    class SqliteFileHook(SqliteHook):
        """A ``SqliteHook`` whose connection is given, not looked up (SqliteHook looks its id up again)."""

        def get_connection(self, conn_id: str) -> Any:  # type: ignore[override]
            return connection

    return SqliteFileHook(sqlite_conn_id=conn_id)


def _row(record: dict[str, Any], loaded_at: str) -> tuple[Any, ...]:
    return (str(record["id"]), *(record.get(c) for c in COLUMNS),
            json.dumps(record, sort_keys=True, separators=(",", ":")), loaded_at)


def _sorted_batches(records: Iterable[dict[str, Any]], loaded_at: str, size: int = BATCH_ROWS
                    ) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield sorted((_row(r, loaded_at) for r in batch), key=lambda row: row[0])


def _count(hook: Any) -> int:
    return int(hook.get_first(f"SELECT COUNT(*) FROM {TABLE}")[0])  # noqa: S608 - a constant table name


def create_table(hook: Any) -> None:
    """Create the table unless it exists.

    Two loads starting at the same moment on different workers can both run the ``CREATE TABLE IF NOT
    EXISTS``, and PostgreSQL may then fail the second one (a duplicate key in its catalog) although the table
    now exists: that is fine here, so the error is raised only if the table is really missing.
    """
    try:
        hook.run(CREATE_TABLE)
    except Exception as error:
        try:
            _count(hook)
        except Exception:
            raise error from None
        log.info("%s was created by another load at the same time (%s)", TABLE, type(error).__name__)


def upsert_conversions(source: Any, hook: Any) -> dict[str, Any]:
    """Upsert the conversions of ``source`` (JSONL/CSV, ``.gz``, local or fsspec URL) with the SQL hook ``hook``.

    Streams the file in sorted batches of ``BATCH_ROWS``, one transaction each, through the hook's
    ``insert_rows(replace=True)``: the dialect's own upsert on the primary key ``id``.
    """
    create_table(hook)
    loaded_at = datetime.now(timezone.utc).isoformat()
    read = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal read
        for batch in _sorted_batches(read_records(source), loaded_at):
            read += len(batch)
            yield from batch

    hook.insert_rows(TABLE, rows(), target_fields=list(FIELDS), commit_every=BATCH_ROWS, replace=True,
                     replace_index="id", executemany=True)
    return {"table": TABLE, "conn_id": WAREHOUSE_CONN_ID, "read": read, "total": _count(hook)}


with DAG(
    dag_id="report_pull",
    description="Wait for final figures, save the campaign report and conversions, upsert them into a warehouse.",
    # Data intervals (one UTC day) on Airflow 2 and 3 alike: Airflow 3 would give a plain cron string a
    # zero-length interval, and the tasks read the run's data interval.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["trackier", "example"],
    doc_md=__doc__,
) as dag:
    wait_for_report = TrackierReportSensor(
        task_id="wait_for_report",
        report="campaign",
        deferrable=True,
        poke_interval=POKE_SECONDS,
        settle_period=SETTLE_SECONDS,
        timeout=SENSOR_TIMEOUT_SECONDS,
    )
    fetch_campaign_report = TrackierFetchReportOperator(
        task_id="fetch_campaign_report",
        report="campaign",
        output_path=f"{OUTPUT_DIR}/campaign_report/campaign_report_{DAY}.jsonl",
        outlets=[CAMPAIGN_REPORT_ASSET],
        post_execute=announce_file,
    )
    fetch_conversions = TrackierFetchConversionsOperator(
        task_id="fetch_conversions",
        lookback=7,
        output_path=f"{OUTPUT_DIR}/conversions/conversions_{DAY}.jsonl.gz",
        outlets=[CONVERSIONS_ASSET],
        post_execute=announce_file,
    )

    @task(outlets=[WAREHOUSE_ASSET])
    def load_warehouse(conversions: dict[str, Any]) -> dict[str, Any]:
        """Upsert the conversions file into the warehouse table; return the counts."""
        counts = upsert_conversions(conversions["path"], warehouse_hook())
        log.info("Upserted %s conversions into table %s: %s rows in it now", counts["read"], TABLE, counts["total"])
        return counts

    wait_for_report >> [fetch_campaign_report, fetch_conversions]
    load_warehouse(fetch_conversions.output)
