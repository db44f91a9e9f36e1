"""Recipe: many report pulls at fleet scale, within one API key's limits.

One DAG waits for and pulls several reports of the same day; a network with hundreds of such tasks (several
DAGs, several advertisers' filters, backfills) runs them the same way::

    wait_for_report (mapped, deferrable) ──> fetch_report (mapped)

What keeps a fleet within Trackier's limits (see docs/recipes.md, "Run at fleet scale"):

- Every Trackier task runs in one Airflow pool (``POOL``, made once with ``airflow pools set trackier 8 ...``,
  or for every Trackier task at once with ``[trackier] pool``): the pool caps how many tasks use the key at
  the same time across all workers and machines. ``pool_slots`` makes a heavy export count for more.
- The connection's budgets (``reports_per_minute``, ``logs_per_minute``, ``requests_per_second`` extras) space
  the requests of every hook and trigger of one process; size them as Trackier's limit divided by the number
  of processes that call it (workers plus triggerers).
- The sensors are deferrable: their waits run in the triggerers (run ``airflow triggerer`` on two or more
  machines; they share the deferred tasks through the metadata database) and hold no worker slot or pool slot
  while they wait. Sensors asking the same question share one request per poll.
- ``max_active_runs`` and ``max_active_tasks`` bound what one DAG starts at once, e.g. during a backfill.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable
else:
    from airflow import DAG
    from airflow.timetables.interval import CronDataIntervalTimetable

BASE = os.environ.get("TRACKIER_EXAMPLES_BASE_PATH", "s3://my-bucket/trackier").rstrip("/")
POKE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_POKE_SECONDS", "600"))
SETTLE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_SETTLE_SECONDS", "3600"))
#: The pool every Trackier task of the network runs in.
POOL = "trackier"
REPORTS = ["campaign", "publisher", "advertiser", "daily"]

with DAG(
    dag_id="recipe_fleet_reports",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=2,  # a backfill runs two days at a time
    max_active_tasks=8,
    default_args={"pool": POOL, "retries": 3, "retry_delay": timedelta(minutes=5),
                  "retry_exponential_backoff": True},
    tags=["trackier", "recipe"],
    doc_md=__doc__,
):
    wait_for_report = TrackierReportSensor.partial(
        task_id="wait_for_report",
        align_days=True,  # scheduled at 02:00: read the whole day that ended two hours before
        deferrable=True,  # waits in a triggerer: no worker slot, no pool slot
        poke_interval=POKE_SECONDS,
        settle_period=SETTLE_SECONDS,
        timeout=timedelta(hours=12),
    ).expand(report=REPORTS)
    fetch_report = TrackierFetchReportOperator.partial(
        task_id="fetch_report",
        align_days=True,
        pool_slots=2,  # one export counts for two of the pool's slots
        max_parallel_pages=2,
    ).expand_kwargs([
        {"report": report, "output_path": f"{BASE}/{report}_report/" + "{{ data_interval_start | ds }}.jsonl.gz"}
        for report in REPORTS
    ])
    wait_for_report >> fetch_report
