"""The fleet workload of ``test_distributed.py``: more report and log requests than one API key allows,
from eight task processes at once (two Celery workers with four slots each; every task runs in a process
of its own) and deferred report sensors on the two triggerers.

Two DAGs, the same work: ``fleet_workload_shared`` on connection ``trackier_fleet`` (the cluster's
``budget_url``: one budget for all of them) and ``fleet_workload_solo`` on ``trackier_solo`` (no store: a
budget per process). Both connections allow what the emulator enforces per key: 60 report and 60 log
requests a minute.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.report_requests import report_params
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS
from trackier_provider.windows import resolve_window

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, task
else:
    from airflow import DAG
    from airflow.decorators import task

#: Task processes calling at once, and the report and log requests each makes.
PARTS = 8
REQUESTS = 12
#: Deferred sensors (their polls are report requests too, from the triggerers).
SENSORS = 4


def pull(conn_id: str, part: int) -> int:
    """``REQUESTS`` report requests and as many log requests, each for another day; returns the count."""
    hook = TrackierHook(conn_id)
    try:
        for n in range(REQUESTS):
            day = date.today() - timedelta(days=10 + part * REQUESTS + n)
            operation, params = report_params("campaign", resolve_window(day.isoformat(), day.isoformat()))
            hook.call(operation, query=params)
            hook.call("conversions.list", query={"start": f"{day} 00:00:00", "end": f"{day} 23:59:59", "limit": 100})
    finally:
        hook.close()
    return 2 * REQUESTS


for name, conn_id in (("shared", "trackier_fleet"), ("solo", "trackier_solo")):
    with DAG(
        f"fleet_workload_{name}",
        schedule=None,
        start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
        catchup=False,
        max_active_tasks=PARTS + SENSORS,
        tags=["trackier", "test"],
    ) as dag:

        @task(task_id="pull")
        def pull_part(part: int, conn_id: str = conn_id) -> int:
            return pull(conn_id, part)

        pull_part.expand(part=list(range(PARTS)))
        for n in range(SENSORS):
            day = (date.today() - timedelta(days=6 + n)).isoformat()
            TrackierReportSensor(
                task_id=f"wait_{n}", trackier_conn_id=conn_id, report="campaign", start=day, end=day,
                deferrable=True, poke_interval=5, settle_polls=2, settle_period=0, min_rows=0, timeout=600,
            )
    globals()[dag.dag_id] = dag
