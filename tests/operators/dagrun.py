"""Running a test DAG with dag.test() and reading back what its tasks stored, on Airflow 2 and 3."""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

LOGICAL_DATE = datetime(2026, 11, 20, tzinfo=timezone.utc)
_RUNS = itertools.count()


def run_dag(dag: Any, conf: dict[str, Any]) -> Any:
    """One dag.test() run with ``conf``; returns the DagRun.

    Airflow 3's dag.test() parses the whole DAGs folder (the repo root); ``.airflowignore`` is written in
    regexp syntax, Airflow 3's default is glob, so the syntax is set here or tests/conftest.py would be
    imported as a DAG file (and reset the environment).

    Each run of the session gets its own logical date, a few minutes after ``LOGICAL_DATE`` (the same day):
    Airflow 2's dag.test() replaces a run with the same logical date by deleting it, which needs the FAB user
    tables mapped.
    """
    when = LOGICAL_DATE + timedelta(minutes=next(_RUNS))
    with mock.patch.dict(os.environ, {"AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX": "regexp"}):
        if AIRFLOW_V_3_0_PLUS:
            return dag.test(logical_date=when, run_conf=conf)
        return dag.test(execution_date=when, run_conf=conf)


def states(dag_run: Any) -> dict[str, str]:
    """Task id -> final state of every task of the run."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.query(DagRun).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).one()
        return {ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)}


def xcom(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    """The XCom ``key`` a task of the run pushed (deserialized)."""
    from airflow.utils.session import create_session

    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.xcom import XComModel

        with create_session() as session:
            row = session.query(XComModel).filter_by(
                dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=task_id, key=key
            ).one_or_none()
            return None if row is None else XComModel.deserialize_value(row)
    from airflow.models.xcom import XCom

    return XCom.get_one(run_id=dag_run.run_id, dag_id=dag_run.dag_id, task_id=task_id, key=key)


def rendered(dag_run: Any, task_id: str) -> dict[str, Any]:
    """The rendered template fields Airflow stored for a task of the run (what the UI shows)."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.query(RenderedTaskInstanceFields).filter_by(
            dag_id=dag_run.dag_id, run_id=dag_run.run_id, task_id=task_id
        ).one_or_none()
        return dict(row.rendered_fields) if row is not None else {}
