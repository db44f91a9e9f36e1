"""The example DAGs parse like Airflow's own examples are tested: no import errors, the expected DAGs, tags,
no cycles, and parsing does no I/O (no connection or Variable lookup, no network, no data files touched)."""

from __future__ import annotations

import builtins
import socket
import sqlite3
from pathlib import Path

import pytest

from tests.dags_examples.conftest import DAG_IDS, EXAMPLES, dag_bag
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS


@pytest.fixture
def parsed(examples_env: Path):
    bag = dag_bag()
    assert bag.import_errors == {}
    return bag


def _check_cycle(dag) -> None:
    if hasattr(dag, "check_cycle"):  # Airflow 3
        dag.check_cycle()
    else:  # Airflow 2.11
        from airflow.utils.dag_cycle_tester import check_cycle

        check_cycle(dag)


def test_example_dags_parse(parsed) -> None:
    assert sorted(parsed.dag_ids) == sorted(DAG_IDS)
    for dag in parsed.dags.values():
        assert {"trackier", "example"} <= set(dag.tags), dag.dag_id
        assert dag.catchup is False, dag.dag_id
        assert dag.doc_md and len(dag.doc_md) > 500, dag.dag_id  # the module docstring explains the workflow
        _check_cycle(dag)


def test_each_file_is_self_contained(examples_env: Path) -> None:
    """Every file can be copied on its own: it parses alone and defines the DAG named like it."""
    for dag_id in DAG_IDS:
        bag = dag_bag(EXAMPLES / f"{dag_id}.py")
        assert bag.import_errors == {} and list(bag.dag_ids) == [dag_id]


def test_daily_dags_have_day_long_data_intervals(parsed) -> None:
    """Airflow 3 would give a plain cron schedule zero-length data intervals; the windows need a day."""
    for dag_id in ("report_pull", "publisher_onboarding"):
        timetable = parsed.dags[dag_id].timetable
        assert type(timetable).__name__ == "CronDataIntervalTimetable", dag_id


def test_settings_come_from_the_environment(examples_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKIER_EXAMPLES_POKE_SECONDS", "42")
    monkeypatch.setenv("TRACKIER_EXAMPLES_SETTLE_SECONDS", "99")
    bag = dag_bag()
    sensor = bag.dags["report_pull"].get_task("wait_for_report")
    assert sensor.poke_interval == 42 and sensor.rule.settle_period == 99 and sensor.deferrable
    assert bag.dags["bulk_conversions"].get_task("wait_for_job").poke_interval == 42
    outlets = {o.uri for t in bag.dags["report_pull"].tasks for o in t.outlets}
    base = f"file://{examples_env}/report_pull"
    # The files follow the base path; the merged table is named by its warehouse connection, not a path.
    assert outlets == {f"{base}/campaign_report", f"{base}/conversions", "warehouse://trackier_warehouse/conversions"}


def test_production_defaults(monkeypatch) -> None:
    for name in ("BASE_PATH", "POKE_SECONDS", "SETTLE_SECONDS", "SENSOR_TIMEOUT_SECONDS", "SQLITE_PATH",
                 "PUBLISHERS_CSV", "CONVERSIONS_PATH"):
        monkeypatch.delenv(f"TRACKIER_EXAMPLES_{name}", raising=False)
    bag = dag_bag()
    sensor = bag.dags["report_pull"].get_task("wait_for_report")
    assert sensor.poke_interval == 600 and sensor.rule.settle_period == 3600
    assert bag.dags["report_pull"].get_task("fetch_conversions").output_path.startswith(
        "/tmp/trackier-examples/report_pull/conversions/")
    assert bag.dags["publisher_onboarding"].get_task("create_publisher").partial_kwargs["csv_path"] == str(
        EXAMPLES / "data" / "new_publishers.csv")


def test_parsing_does_no_io(examples_env: Path, monkeypatch) -> None:
    """Parse with no Trackier connection defined, while any connection or Variable lookup, socket connect,
    SQLite open or opening of a data file fails the parse (and is recorded)."""
    monkeypatch.delenv("AIRFLOW_CONN_TRACKIER_DEFAULT", raising=False)
    attempts: list[str] = []

    def refuse(what: str):
        def refused(*args, **kwargs):
            attempts.append(f"{what} {args[1:] or args} {kwargs}")
            raise RuntimeError(f"{what} at DAG parse time")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(sqlite3, "connect", refuse("sqlite3.connect"))
    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk import BaseHook, Variable
    else:
        from airflow.hooks.base import BaseHook
        from airflow.models import Variable
    monkeypatch.setattr(BaseHook, "get_connection", classmethod(refuse("BaseHook.get_connection")))
    monkeypatch.setattr(Variable, "get", staticmethod(refuse("Variable.get")))
    real_open = builtins.open
    data_dir = str(EXAMPLES / "data")

    def guarded_open(file, *args, **kwargs):
        if str(file).startswith((data_dir, str(examples_env))):
            attempts.append(f"open {file}")
            raise RuntimeError(f"opened {file} at DAG parse time")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    bag = dag_bag()
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == sorted(DAG_IDS)
    assert attempts == []
    assert not examples_env.exists()  # nothing created under the base path
