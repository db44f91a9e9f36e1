"""Bulk conversions: upload offline conversions (e.g. from a CRM export) and wait for Trackier's import job.

Workflow (on demand: trigger it with ``{"conversions_path": "s3://bucket/crm/conversions.jsonl.gz"}`` or
let it use the default file)::

    upload_conversions ──> wait_for_job ──> report_job

- ``upload_conversions``: ``TrackierUploadConversionsOperator`` reads the rows (JSON Lines or CSV, ``.gz``
  allowed, local path or fsspec URL), checks each before sending (a malformed row fails the task before
  any request, naming the row) and posts them to ``/v2/conversions/bulkUpload``; returns the job id.
- ``wait_for_job``: ``TrackierJobSensor``, deferrable (waits in the triggerer), polls ``/v2/jobs/<id>``
  every ``TRACKIER_EXAMPLES_POKE_SECONDS``. A job that fails as a whole fails the task without retries;
  a job that completes with some rejected rows succeeds and logs each rejected row (``Row <n>: <reason>``).
- ``report_job``: logs and returns the job's counts ``{"job_id", "rows", "inserted", "updated", "errors"}``.

Not scheduled on purpose: Trackier cannot deduplicate an upload, so uploading the same file twice creates
the conversions twice. Trigger it once per new file (or from the DAG that produces the file). For the same
reason the upload task has no retries: after an ambiguous failure, check the panel's jobs first.

Settings: ``TRACKIER_EXAMPLES_CONVERSIONS_PATH`` (default: ``data/offline_conversions.jsonl`` next to this
file; its last row names a campaign that does not exist, to show how row errors are reported) and
``TRACKIER_EXAMPLES_POKE_SECONDS`` (default 600; a job usually takes seconds to minutes, so 30-60 is a good
production value), ``TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS`` (default 6 hours). The connection is
``trackier_default``.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from typing import Any

from trackier_provider.operators.conversions import TrackierUploadConversionsOperator
from trackier_provider.sensors.job import TrackierJobSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, task
else:
    from airflow import DAG
    from airflow.decorators import task

log = logging.getLogger(__name__)

CONVERSIONS_PATH = os.environ.get(
    "TRACKIER_EXAMPLES_CONVERSIONS_PATH",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "offline_conversions.jsonl"),
)
POKE_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_POKE_SECONDS", "600"))
JOB_TIMEOUT_SECONDS = float(os.environ.get("TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS", str(6 * 3600)))

with DAG(
    dag_id="bulk_conversions",
    description="Upload offline conversions to Trackier and wait for the import job.",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    params={"conversions_path": CONVERSIONS_PATH},
    tags=["trackier", "example"],
    doc_md=__doc__,
) as dag:
    upload_conversions = TrackierUploadConversionsOperator(
        task_id="upload_conversions",
        conversions_path="{{ params.conversions_path }}",
        retries=0,
    )
    wait_for_job = TrackierJobSensor(
        task_id="wait_for_job",
        job_id=upload_conversions.output,
        poke_interval=POKE_SECONDS,
        timeout=JOB_TIMEOUT_SECONDS,
        deferrable=True,
        retries=2,
        retry_delay=timedelta(minutes=1),
    )

    @task
    def report_job(job_id: str, counts: dict[str, Any]) -> dict[str, Any]:
        """Log and return the job's counts."""
        report = {"job_id": job_id, **counts}
        if counts.get("errors"):
            log.warning("Trackier job %s: %s of %s rows rejected (see wait_for_job's log for each row)",
                        job_id, counts["errors"], counts.get("rows"))
        log.info("Trackier job %s: %s", job_id, report)
        return report

    report_job(upload_conversions.output, wait_for_job.output)
