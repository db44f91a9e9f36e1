"""DAGs run by tests/operators/test_input_dag_runs.py with dag.test(): report windows of a schedule that does
not run at midnight, and equal-sized mapped uploads with a retry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from trackier_provider.operators.conversions import TrackierUploadConversionsOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable
else:
    from airflow.models.dag import DAG
    from airflow.timetables.interval import CronDataIntervalTimetable

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
#: Daily at 02:00 UTC: each run's data interval is 02:00 -> 02:00, which is not a whole day.
AT_TWO = {"schedule": CronDataIntervalTimetable("0 2 * * *", timezone="UTC"), "start_date": START, "catchup": False}

with DAG("trackier_inputs_report_at_two", **AT_TWO) as report_refused_dag:
    TrackierFetchReportOperator(task_id="report", report="campaign")

with DAG("trackier_inputs_report_at_two_aligned", **AT_TWO) as report_aligned_dag:
    TrackierFetchReportOperator(task_id="report", report="campaign", align_days=True,
                                output_path="memory://trackier-input-dags/report.jsonl")
    TrackierReportSensor(task_id="ready", report="campaign", align_days=True, min_rows=0, settle_polls=1,
                         settle_period=0, poke_interval=1)

#: Two uploads of two rows each: the same size, other rows.
ROWS = [
    [{"campaign_id": "1", "publisher_id": "1", "payout": 1.5, "txn_id": "a-1"},
     {"campaign_id": "1", "publisher_id": "1", "payout": 2.5, "txn_id": "a-2"}],
    [{"campaign_id": "2", "publisher_id": "1", "payout": 3.5, "txn_id": "b-1"},
     {"campaign_id": "2", "publisher_id": "1", "payout": 4.5, "txn_id": "b-2"}],
]

with DAG("trackier_inputs_mapped_uploads", schedule=None, start_date=START, catchup=False) as mapped_uploads_dag:
    TrackierUploadConversionsOperator.partial(
        task_id="upload", retries=1, retry_delay=timedelta(seconds=0)
    ).expand(conversions=ROWS)
