"""Daily report pull: wait until yesterday's figures are final, save the campaign report and the conversion
log, and merge the conversions into a SQLite table.

Workflow (daily, for the run's data interval: one UTC day)::

    wait_for_report ──> fetch_campaign_report
                    └─> fetch_conversions ──> load_sqlite

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
- ``load_sqlite``: upserts that file into the ``conversions`` table of a SQLite database keyed on the
  conversion id (``INSERT ... ON CONFLICT(id) DO UPDATE``): re-reading a window, or the lookback overlap
  between days, updates rows in place and never duplicates them. Returns ``{"read", "inserted",
  "updated", "unchanged", "total", ...}``.

Assets. The file names carry the day, so the fetch operators cannot declare them as outlets themselves
(they declare only static paths). Each fetch declares instead the Asset of its *directory*
(``file:///.../report_pull/conversions`` or ``s3://bucket/prefix/report_pull/conversions``): a downstream
DAG scheduled on it is triggered once per new daily file, whichever day it is, and the asset event's
``extra`` carries the file (``{"path", "rows", "start", "end", "timezone"}``, set by ``post_execute``), so
the consumer reads exactly the new file without listing the directory. A per-day Asset would be a new
Asset every day that no DAG could be scheduled on; a static "latest" file would be overwritten by a
backfill or a re-run. ``load_sqlite`` declares the SQLite database as an Asset, for consumers of the merged
table.

Settings (environment variables, read at parse time without I/O):

- ``TRACKIER_EXAMPLES_BASE_PATH``: base of the files (default ``/tmp/trackier-examples``); an
  ``s3://bucket/prefix`` (or ``gs://``, ...) base works by changing only this.
- ``TRACKIER_EXAMPLES_SQLITE_PATH``: the SQLite database (default ``{base}/report_pull/trackier.sqlite`` for a
  local base; SQLite needs a local file, so set this when the base is remote, otherwise
  ``/tmp/trackier-examples/report_pull/trackier.sqlite`` is used).
- ``TRACKIER_EXAMPLES_POKE_SECONDS`` (default 600), ``TRACKIER_EXAMPLES_SETTLE_SECONDS`` (default 3600),
  ``TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS`` (default 12 hours): the sensor's timing.

The connection is ``trackier_default``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import islice
from typing import Any

from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.outputs import asset_uri, read_records
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS, Asset

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

CAMPAIGN_REPORT_ASSET = Asset(asset_uri(f"{OUTPUT_DIR}/campaign_report"))
CONVERSIONS_ASSET = Asset(asset_uri(f"{OUTPUT_DIR}/conversions"))
SQLITE_ASSET = Asset(asset_uri(SQLITE_PATH))

#: Columns of the conversions table besides the id and the full record (JSON).
COLUMNS = ("created", "status", "campaign_id", "publisher_id", "advertiser_id", "goal_id", "currency", "payout",
           "revenue", "sale", "txn_id", "click_id")


def announce_file(context: Any, result: Any) -> None:
    """``post_execute``: put the written file (path, rows, window) in the extra of the task's asset events."""
    if not isinstance(result, dict) or "path" not in result:
        return
    extra = {key: result.get(key) for key in ("path", "rows", "start", "end", "timezone")}
    for outlet in context["task"].outlets or []:
        context["outlet_events"][outlet].extra = extra


def _batches(records: Any, size: int = 1000) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def merge_conversions(source: str, database: str) -> dict[str, Any]:
    """Upsert the conversions of ``source`` (JSONL/CSV, ``.gz``, local or fsspec URL) into ``database``.

    Streams the file in batches; a row whose record did not change is left alone (counted as unchanged).
    """
    parent = os.path.dirname(os.path.abspath(database))
    os.makedirs(parent, exist_ok=True)
    columns = ", ".join(f"{c}" for c in COLUMNS)
    placeholders = ", ".join("?" for _ in range(len(COLUMNS) + 3))
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*COLUMNS, "record", "loaded_at"))
    upsert = (
        f"INSERT INTO conversions (id, {columns}, record, loaded_at) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT(id) DO UPDATE SET {updates} WHERE conversions.record IS NOT excluded.record"
    )
    loaded_at = datetime.now(timezone.utc).isoformat()
    read = modified = 0
    connection = sqlite3.connect(database)
    try:
        with connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS conversions (id TEXT PRIMARY KEY, created TEXT, status TEXT, "
                "campaign_id INTEGER, publisher_id INTEGER, advertiser_id INTEGER, goal_id TEXT, currency TEXT, "
                "payout REAL, revenue REAL, sale REAL, txn_id TEXT, click_id TEXT, record TEXT NOT NULL, "
                "loaded_at TEXT NOT NULL)"
            )
            before = connection.execute("SELECT COUNT(*) FROM conversions").fetchone()[0]
            for batch in _batches(read_records(source)):
                rows = [
                    (str(r["id"]), *(r.get(c) for c in COLUMNS),
                     json.dumps(r, sort_keys=True, separators=(",", ":")), loaded_at)
                    for r in batch
                ]
                modified += connection.executemany(upsert, rows).rowcount
                read += len(rows)
            total = connection.execute("SELECT COUNT(*) FROM conversions").fetchone()[0]
    finally:
        connection.close()
    inserted = total - before
    return {"table": "conversions", "database": database, "read": read, "inserted": inserted,
            "updated": modified - inserted, "unchanged": read - modified, "total": total}


with DAG(
    dag_id="report_pull",
    description="Wait for final figures, save the campaign report and conversions, merge them into SQLite.",
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

    @task(outlets=[SQLITE_ASSET])
    def load_sqlite(conversions: dict[str, Any]) -> dict[str, Any]:
        """Merge the conversions file into the SQLite table; return the counts."""
        counts = merge_conversions(conversions["path"], SQLITE_PATH)
        log.info("Merged %s conversions into %s: %s", counts["read"], SQLITE_PATH, counts)
        return counts

    wait_for_report >> [fetch_campaign_report, fetch_conversions]
    load_sqlite(fetch_conversions.output)
