"""Schema canary: every night, check that the Trackier panel still answers the way the provider expects.

Workflow (daily, at 06:00 UTC, for the day before)::

    check_panel

- ``check_panel`` (``TrackierSchemaCheckOperator``): calls every read-only operation of the catalogue (the 74
  GETs: lists, single objects read by the id of the first listed one, logs, reports, targeting data) once
  each, with small pages and the previous day's window, and checks each answer against the provider's
  schemas. GET requests only: nothing in the panel changes. A read whose list is empty has nothing to read:
  reported, not a failure. The task log shows a table (operation, HTTP status, records checked,
  drift) and, for each drift, what the schema expects, what came, how often and one example value with
  credentials masked; XCom ``schema_drift`` holds the same result without any value.
- The task fails when any answer drifts (a field renamed, a number sent as text, a list sent as an object...)
  so the failure alert reaches you before a downstream table is wrong; it is not retried, since the panel
  would give the same answer. It fails too when an operation answers with an error; list features your
  panel does not have (incent offers are enabled per account) in ``TRACKIER_EXAMPLES_CANARY_SKIP``.

Settings: ``TRACKIER_EXAMPLES_CANARY_SKIP`` (comma-separated operation names or resource prefixes to leave
out, e.g. ``incent_offers``; default none). The connection is ``trackier_default``. The same check runs from a
shell: ``trackier-check --conn-id trackier_default``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from trackier_provider.operators.schema_check import TrackierSchemaCheckOperator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable
else:
    from airflow import DAG
    from airflow.timetables.interval import CronDataIntervalTimetable

SKIP = [name.strip() for name in os.environ.get("TRACKIER_EXAMPLES_CANARY_SKIP", "").split(",") if name.strip()]

with DAG(
    dag_id="schema_canary",
    description="Nightly: check every read-only Trackier answer against the provider's schemas (GET only).",
    # Daily data intervals (the previous day 06:00 to today 06:00): the check reads the day the interval starts.
    schedule=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["trackier", "example"],
    doc_md=__doc__,
) as dag:
    TrackierSchemaCheckOperator(task_id="check_panel", skip=SKIP)
