"""Recipe: wait until a day's campaign report is final, then load it into PostgreSQL through the SQL hook.

::

    wait_for_report ──> fetch_report ──> load_report

- ``wait_for_report``: ``TrackierReportSensor``, deferrable (the wait runs in the triggerer and holds no worker
  slot). Trackier's figures for a day keep changing for a while after the day ends; the sensor succeeds once
  the report's totals stayed the same over ``settle_polls`` polls spanning ``settle_period``.
- ``fetch_report``: the same report (same window, same KPIs) to a JSON Lines file named by the data interval.
- ``load_report``: upserts the file into the table ``trackier_campaign_report`` of the database behind the
  connection ``trackier_warehouse`` with that connection's own SQL hook (``PostgresHook`` for a ``postgres``
  connection; any ``apache-airflow-providers-common-sql`` hook works the same way) and its
  ``insert_rows(replace=True)``: PostgreSQL's ``INSERT ... ON CONFLICT (day, campaign_id) DO UPDATE``. A re-run of
  the day replaces its rows, never duplicates them.

Connections: ``trackier_default`` (the API) and ``trackier_warehouse``, e.g.
``AIRFLOW_CONN_TRACKIER_WAREHOUSE='postgresql://loader:PASSWORD@db.example.com:5432/warehouse'``
(``pip install apache-airflow-providers-postgres``).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.outputs import read_records
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS, BaseHook

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable, task
else:
    from airflow import DAG
    from airflow.decorators import task
    from airflow.timetables.interval import CronDataIntervalTimetable

BASE = os.environ.get("TRACKIER_EXAMPLES_BASE_PATH", "/opt/airflow/data/trackier").rstrip("/")
#: The sensor's timing (the tests shorten it: the emulator's figures settle in seconds).
POKE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_POKE_SECONDS", "600"))
SETTLE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_SETTLE_SECONDS", "3600"))
KPI = ["clicks", "approvedConversions", "payout", "revenue"]
TABLE = "trackier_campaign_report"
COLUMNS = ["day", "campaign_id", "campaign_name", *KPI]
#: Portable DDL: the same statement works on PostgreSQL, SQLite and MySQL.
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (day VARCHAR(10) NOT NULL, campaign_id BIGINT NOT NULL, "
    "campaign_name TEXT, clicks BIGINT, approvedConversions BIGINT, payout DOUBLE PRECISION, "
    "revenue DOUBLE PRECISION, PRIMARY KEY (day, campaign_id))"
)

with DAG(
    dag_id="recipe_report_to_postgres",
    schedule=CronDataIntervalTimetable("0 1 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["trackier", "recipe"],
    doc_md=__doc__,
):
    wait_for_report = TrackierReportSensor(
        task_id="wait_for_report",
        report="campaign",
        kpi=KPI,
        align_days=True,  # scheduled at 01:00: read the whole day that ended an hour before
        deferrable=True,
        poke_interval=POKE_SECONDS,
        settle_period=SETTLE_SECONDS,
        timeout=timedelta(hours=12),
    )
    fetch_report = TrackierFetchReportOperator(
        task_id="fetch_report",
        report="campaign",
        kpi=KPI,
        align_days=True,
        output_path=BASE + "/campaign_report/{{ data_interval_start | ds }}.jsonl",
    )

    @task
    def load_report(report: dict[str, Any], **context: Any) -> dict[str, Any]:
        """Upsert the report file into the warehouse table; return the rows loaded."""
        hook = BaseHook.get_connection("trackier_warehouse").get_hook()  # a common.sql DbApiHook
        hook.run(CREATE_TABLE)
        day = context["data_interval_start"].strftime("%Y-%m-%d")
        rows = [(day, *(record.get(column) for column in COLUMNS[1:])) for record in read_records(report["path"])]
        hook.insert_rows(TABLE, rows, target_fields=COLUMNS, replace=True, replace_index=["day", "campaign_id"])
        return {"table": TABLE, "day": day, "rows": len(rows)}

    wait_for_report >> fetch_report
    load_report(fetch_report.output)
