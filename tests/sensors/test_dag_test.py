"""The sensors inside real Airflow runs with ``dag.test()``, on Airflow 3.3 and 2.11.

* Deferrable: both versions run the trigger inline (3.3 through an in-process supervisor, 2.11 with
  ``asyncio.run`` when no triggerer is alive) and resume the task with ``execute_complete``.
* Reschedule: between pokes the task instance goes UP_FOR_RESCHEDULE and the sensor's readiness state
  must come back from the task state store (3.3) or a Variable (2.11); the second poke only succeeds if it
  does (settle_polls=2).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.sensors.dags import CAPTURED, job_deferred, report_deferred, report_reschedule
from tests.triggers.emulated import GOOD_ROWS, create_job, old_day
from trackier_provider.task_state import VARIABLE_PREFIX
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

pytestmark = pytest.mark.dagtest


@pytest.fixture(autouse=True)
def _regexp_airflowignore(monkeypatch):
    # The repo's .airflowignore is in regexp syntax (Airflow 3 defaults to glob); without it Airflow 3's
    # dag.test() parses tests/conftest.py as a DAG file, which drops the test connection.
    monkeypatch.setenv("AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX", "regexp")


def run(dag, **conf) -> str:
    CAPTURED.pop(dag.dag_id, None)
    dr = dag.test(run_conf=conf)
    return str(dr.state)


def report_polls(emu) -> int:
    return len([r for r in emu.requests if r["path"].startswith("/v2/reports/")])


def test_deferred_report_sensor(airflow_db, emu):
    dag = report_deferred
    assert run(dag, day=old_day(emu)) == "success"
    assert CAPTURED[dag.dag_id]["rows"] > 0 and CAPTURED[dag.dag_id]["polls"] == 3
    assert report_polls(emu) == 3  # one poke on the worker, two polls in the trigger, state carried over


def test_rescheduled_report_sensor_keeps_state(airflow_db, emu):
    dag = report_reschedule
    assert run(dag, day=old_day(emu)) == "success"
    assert CAPTURED[dag.dag_id]["polls"] == 2
    assert report_polls(emu) == 2
    if not AIRFLOW_V_3_0_PLUS:  # the 2.11 Variable holding the state between pokes is gone once done
        from airflow.models import Variable
        from airflow.utils.session import create_session

        with create_session() as session:
            assert session.query(Variable).filter(Variable.key.like(f"{VARIABLE_PREFIX}.%")).all() == []


@pytest.fixture
def ticking_clock(emu) -> Iterator[None]:
    """Emulated time runs 100x fast while the DAG runs (jobs progress without real waiting)."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.01):
            emu.advance_clock(1.0)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_deferred_job_sensor(airflow_db, emu, ticking_clock):
    dag = job_deferred
    assert run(dag, job_id=create_job(emu, GOOD_ROWS)) == "success"
    assert CAPTURED[dag.dag_id] == {"rows": 2, "inserted": 2, "updated": 0, "errors": 0}
