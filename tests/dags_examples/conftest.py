"""Fixtures for the example DAG tests: a fast emulator, the examples' settings, and dag.test() helpers.

The emulator knobs come from an override of ``trackier_emulator_config``. The session server is overridden
as well: pytest caches a session fixture once per definition, so without it a server already started with the
default config by another test directory would be reused here.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

EXAMPLES = REPO_ROOT / "dags_examples"
DAG_IDS = ("bulk_conversions", "campaign_setup", "publisher_onboarding", "report_pull", "schema_canary")


@pytest.fixture(scope="session")
def trackier_emulator_config() -> EmulatorConfig:
    # Reports settle and bulk jobs finish within a second of emulated time; few conversions keep runs quick.
    return EmulatorConfig(settle_seconds=1, job_seconds=1, conversions_per_day=200, clicks_per_day=500)


@pytest.fixture(scope="session")
def trackier_emulator_server(trackier_emulator_config: EmulatorConfig) -> Iterator[TrackierEmulator]:
    with TrackierEmulator(trackier_emulator_config, host="127.0.0.1", port=0) as emulator:
        yield emulator


@pytest.fixture
def examples_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples' settings for a test (base path: a fresh directory); returns the base path."""
    base = tmp_path / "out"
    monkeypatch.setenv("TRACKIER_EXAMPLES_BASE_PATH", str(base))
    monkeypatch.setenv("TRACKIER_EXAMPLES_POKE_SECONDS", "1")
    monkeypatch.setenv("TRACKIER_EXAMPLES_SETTLE_SECONDS", "1")
    monkeypatch.setenv("TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS", "120")
    monkeypatch.delenv("TRACKIER_EXAMPLES_SQLITE_PATH", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_TRACKIER_WAREHOUSE", raising=False)  # report_pull: its SQLite default
    monkeypatch.delenv("TRACKIER_EXAMPLES_PUBLISHERS_CSV", raising=False)
    monkeypatch.delenv("TRACKIER_EXAMPLES_CONVERSIONS_PATH", raising=False)
    # Airflow 3's dag.test() parses the whole DAGs folder (the repo root); .airflowignore is in regexp syntax.
    monkeypatch.setenv("AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX", "regexp")
    return base


@pytest.fixture
def emu(airflow_db, trackier_conn, examples_env) -> TrackierEmulator:
    """The clean emulator behind ``trackier_default``, with the metadata DB and the examples' settings."""
    return trackier_conn


def dag_bag(folder: Path | str = EXAMPLES) -> Any:
    """Parse ``folder`` (or one file) as Airflow's DAG processor would (settings are read now)."""
    if AIRFLOW_V_3_0_PLUS:
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(folder))
    from airflow.models.dagbag import DagBag

    return DagBag(dag_folder=str(folder), include_examples=False)


def load_dag(dag_id: str) -> Any:
    """The example DAG ``dag_id``, parsed from its file with the current settings."""
    bag = dag_bag(EXAMPLES / f"{dag_id}.py")
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def logical_date() -> datetime:
    """A midnight three days ago: the daily DAGs then read a closed UTC day whose figures have settled."""
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)


_RUNS = itertools.count()


def run(dag: Any, conf: dict[str, Any] | None = None) -> Any:
    """One ``dag.test()`` run; returns the DagRun.

    Each run of the session gets its own logical date, a few minutes after ``logical_date()`` (same data
    interval): Airflow 2's ``dag.test()`` replaces a run with the same logical date by deleting it, which
    needs the FAB user tables mapped.
    """
    when = logical_date() + timedelta(minutes=next(_RUNS))
    assert os.environ.get("AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX") == "regexp"
    if AIRFLOW_V_3_0_PLUS:
        return dag.test(logical_date=when, run_conf=conf)
    # Airflow 2's dag.test() does not register the DAG's datasets (the DAG processor would); without them
    # the dataset events of the run are dropped.
    dag.sync_to_db()
    return dag.test(execution_date=when, run_conf=conf)


def rerun(dag: Any, first: Any) -> Any:
    """Another run of the same data interval as ``first``, as a manual re-run would be."""
    second = run(dag)
    assert (second.data_interval_start, second.data_interval_end) == (
        first.data_interval_start, first.data_interval_end)
    return second


def _session_rows(model_name: str, dag_run: Any) -> list[Any]:
    from airflow.utils.session import create_session

    if model_name == "xcom":
        if AIRFLOW_V_3_0_PLUS:
            from airflow.models.xcom import XComModel as model
        else:
            from airflow.models.xcom import XCom as model  # type: ignore[assignment,no-redef]
    else:
        from airflow.models.renderedtifields import RenderedTaskInstanceFields as model  # type: ignore[assignment]
    with create_session() as session:
        rows = session.query(model).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).all()
        session.expunge_all()
        return rows


def xcoms(dag_run: Any) -> list[dict[str, Any]]:
    """Every XCom of the run: ``{"task_id", "map_index", "key", "value"}`` (deserialized)."""
    out = []
    for row in _session_rows("xcom", dag_run):
        if AIRFLOW_V_3_0_PLUS:
            from airflow.models.xcom import XComModel

            value = XComModel.deserialize_value(row)
        else:  # Airflow 2's XCom rows deserialize their value when loaded
            value = row.value
        out.append({"task_id": row.task_id, "map_index": row.map_index, "key": row.key, "value": value})
    return sorted(out, key=lambda x: (x["task_id"], x["map_index"], x["key"]))


def xcom(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    """The XCom ``key`` of an unmapped task of the run."""
    found = [x["value"] for x in xcoms(dag_run) if x["task_id"] == task_id and x["key"] == key]
    assert len(found) <= 1, found
    return found[0] if found else None


def rendered_fields(dag_run: Any) -> list[dict[str, Any]]:
    """The rendered template fields Airflow stored for every task instance of the run (the UI shows them)."""
    return [{"task_id": r.task_id, "map_index": r.map_index, **dict(r.rendered_fields)}
            for r in _session_rows("rendered", dag_run)]


def states(dag_run: Any) -> dict[tuple[str, int], str]:
    """(task_id, map_index) -> final state, for every task instance of the run."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        dr = session.query(DagRun).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).one()
        return {(ti.task_id, ti.map_index): str(ti.state) for ti in dr.get_task_instances(session=session)}


def succeeded(dag_run: Any) -> bool:
    return str(dag_run.state) == "success" and set(states(dag_run).values()) == {"success"}
