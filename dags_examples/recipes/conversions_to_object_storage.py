"""Recipe: yesterday's conversions to object storage, with lookback.

Every day after midnight UTC, write the conversion log of the day that just ended, plus the 3 days before it
(``lookback``: conversions change status after they happen), as gzip-compressed JSON Lines to
``s3://my-bucket/trackier/conversions/<day>.jsonl.gz``. The file is named by the run's data interval
(``{{ data_interval_start | ds }}``), so a manual run or a backfill of a day writes that day's file.

- Needs the connection ``trackier_default`` and, for ``s3://``, ``s3fs`` (or the Amazon provider and an
  ``ObjectStoragePath``); any fsspec URL works (``gs://``, ``abfs://``, a local path).
- Rows go to a temporary object that is moved to the final name only when complete: a failed or retried task
  never leaves half a file under the day's name.
- A re-run rewrites the same file; load it downstream with an upsert on ``id``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable
else:
    from airflow import DAG
    from airflow.timetables.interval import CronDataIntervalTimetable

#: Where the files go (the tests point this at a local directory).
BASE = os.environ.get("TRACKIER_EXAMPLES_BASE_PATH", "s3://my-bucket/trackier").rstrip("/")

with DAG(
    dag_id="recipe_conversions_to_object_storage",
    # One UTC day per run: the data interval is the day the conversions belong to.
    schedule=CronDataIntervalTimetable("30 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["trackier", "recipe"],
    doc_md=__doc__,
):
    TrackierFetchConversionsOperator(
        task_id="conversions",
        lookback=3,  # days before the data interval read again
        output_path=BASE + "/conversions/{{ data_interval_start | ds }}.jsonl.gz",
    )
