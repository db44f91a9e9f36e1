"""Issue-level checks run for real through dag.test() against the emulator: a daily schedule that does not run
at midnight is refused by the report (or, with ``align_days=True``, reads exactly the day its interval starts
in), and two equal-sized mapped uploads, one of them retried after its answer was lost, leave two jobs with
their own rows. DAGs live in tests/operators/dags/trackier_input_dags.py."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any
from unittest import mock

import pytest

from tests.operators.conftest import api_calls
from tests.operators.dagrun import states, xcom
from tests.operators.dags import trackier_input_dags as dags
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

pytestmark = pytest.mark.dagtest
#: A run of the 02:00 DAGs: dag.test() gives it the data interval 2026-11-18 02:00 -> 2026-11-19 02:00 UTC.
RUN_AT = datetime(2026, 11, 19, 2, tzinfo=timezone.utc)
INTERVAL = (datetime(2026, 11, 18, 2, tzinfo=timezone.utc), datetime(2026, 11, 19, 2, tzinfo=timezone.utc))


def _run(dag: Any, logical_date: datetime = RUN_AT) -> Any:
    with mock.patch.dict(os.environ, {"AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX": "regexp"}):
        if AIRFLOW_V_3_0_PLUS:
            return dag.test(logical_date=logical_date)
        return dag.test(execution_date=logical_date)


def _report_queries(emu: Any) -> list[dict[str, Any]]:
    return [r["query"] for r in api_calls(emu, "GET", "/v2/reports/campaign")]


@pytest.fixture
def conn(airflow_db, trackier_conn):
    return trackier_conn


def test_a_02_00_daily_interval_is_refused_with_the_documented_message(conn, capsys, caplog) -> None:
    run = _run(dags.report_refused_dag)
    assert (run.data_interval_start, run.data_interval_end) == INTERVAL
    assert states(run) == {"report": "failed"}
    assert _report_queries(conn) == []  # refused before any request
    captured = capsys.readouterr()
    said = captured.out + captured.err + caplog.text
    assert "does not start and end at midnight in UTC" in said and "align_days=True" in said


def test_with_align_days_the_02_00_interval_reads_exactly_the_day_it_starts_in(conn) -> None:
    run = _run(dags.report_aligned_dag)
    assert (run.data_interval_start, run.data_interval_end) == INTERVAL
    assert set(states(run).values()) == {"success"}
    queries = _report_queries(conn)
    # The sensor's poll and the report's read: both the one day 2026-11-18 (Trackier's end date is inclusive),
    # never 2026-11-19, which had not ended at the interval's end.
    assert len(queries) == 2 and all((q["start"], q["end"]) == (["2026-11-18"], ["2026-11-18"]) for q in queries)
    whole_day = {"start": "2026-11-18T00:00:00+00:00", "end": "2026-11-19T00:00:00+00:00", "timezone": "UTC"}
    assert xcom(run, "ready")["window"] == whole_day
    assert {k: xcom(run, "report")[k] for k in whole_day} == whole_day


def test_equal_sized_mapped_uploads_one_retried_leave_two_jobs_with_their_own_rows(conn) -> None:
    # The second upload's answer is lost after Trackier created its job: its try 2 must find that job, not
    # the first upload's job of the same size.
    conn.add_fault({"kind": "drop", "method": "POST", "path": "/v2/conversions/bulkUpload", "when": "after",
                    "skip": 1, "times": 1})
    run = _run(dags.mapped_uploads_dag, datetime(2026, 11, 20, tzinfo=timezone.utc))
    assert set(states(run).values()) == {"success"}
    assert len(api_calls(conn, "POST", "/v2/conversions/bulkUpload")) == 2  # the retry did not post again
    assert len(conn.store.jobs) == 2
    rows_of: dict[str, list[str]] = {}
    for row in conn.store.uploaded_conversions:
        rows_of.setdefault(row["job_id"], []).append(row["txn_id"])
    assert sorted(rows_of.values()) == [["a-1", "a-2"], ["b-1", "b-2"]]
    returned = _mapped_xcom(run)
    assert sorted(returned) == sorted(rows_of) and rows_of[returned[0]] == ["a-1", "a-2"]


def _mapped_xcom(run: Any) -> list[str]:
    """The job ids the two mapped uploads returned, in map index order."""
    from airflow.utils.session import create_session

    if not AIRFLOW_V_3_0_PLUS:
        from airflow.models.xcom import XCom

        return [XCom.get_one(run_id=run.run_id, dag_id=run.dag_id, task_id="upload", key="return_value",
                             map_index=index) for index in (0, 1)]
    from airflow.models.xcom import XComModel

    with create_session() as session:
        rows = session.query(XComModel).filter_by(dag_id=run.dag_id, run_id=run.run_id, task_id="upload",
                                                  key="return_value").order_by(XComModel.map_index).all()
        return [XComModel.deserialize_value(row) for row in rows]
