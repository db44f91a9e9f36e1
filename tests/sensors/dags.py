"""Test DAGs for ``dag.test()``: one sensor and a task recording what it returned.

Module-level DAGs under tests/, because Airflow 3's ``dag.test()`` finds the DAG by parsing the DAGs folder
(the repo root in tests). What varies per test (the day, the job id) comes from ``dag_run.conf``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trackier_provider.sensors.job import TrackierJobSensor
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, task
else:
    from airflow import DAG
    from airflow.decorators import task

#: What each DAG's sensor returned, by dag_id (dag.test() runs tasks in this process on both versions).
CAPTURED: dict[str, Any] = {}
DAY = "{{ dag_run.conf['day'] }}"


def _recorder(dag_id: str) -> Any:
    @task(task_id="record")
    def record(value: Any) -> None:
        CAPTURED[dag_id] = value

    return record


def _dag(dag_id: str) -> DAG:
    return DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False, tags=["trackier-tests"])


with _dag("trackier_test_report_deferred") as report_deferred:
    _recorder(report_deferred.dag_id)(TrackierReportSensor(
        task_id="wait", start=DAY, end=DAY, settle_polls=3, settle_period=0, poke_interval=0.01,
        deferrable=True, timeout=600).output)

with _dag("trackier_test_report_reschedule") as report_reschedule:
    _recorder(report_reschedule.dag_id)(TrackierReportSensor(
        task_id="wait", start=DAY, end=DAY, settle_polls=2, settle_period=0, poke_interval=1,
        mode="reschedule", deferrable=False, timeout=600).output)

with _dag("trackier_test_job_deferred") as job_deferred:
    _recorder(job_deferred.dag_id)(TrackierJobSensor(
        task_id="wait", job_id="{{ dag_run.conf['job_id'] }}", poke_interval=0.05, deferrable=True,
        timeout=600).output)
