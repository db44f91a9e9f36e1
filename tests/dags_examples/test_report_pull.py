"""report_pull under dag.test(): the deferred sensor, the two files (read back), the warehouse load through
Airflow's SQL hooks (SQLite by default, the ``trackier_warehouse`` connection when defined; a second run of the
same interval adds nothing), the asset events, and an fsspec (non-local) base."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import fsspec
import pytest

from tests.dags_examples.conftest import load_dag, rerun, run, states, succeeded, xcom
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

pytestmark = pytest.mark.dagtest


WAREHOUSE_ASSET = "warehouse://trackier_warehouse/conversions"


def sqlite_ids(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [r[0] for r in connection.execute("SELECT id FROM conversions ORDER BY id")]


def asset_events(uri: str) -> list[dict]:
    from airflow.utils.session import create_session

    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.asset import AssetEvent as Event
        from airflow.models.asset import AssetModel as Model

        key = Event.asset_id
    else:
        from airflow.models.dataset import DatasetEvent as Event  # type: ignore[no-redef]
        from airflow.models.dataset import DatasetModel as Model

        key = Event.dataset_id
    with create_session() as session:
        rows = session.query(Event).join(Model, Model.id == key).filter(Model.uri == uri).all()
        return [dict(r.extra or {}) for r in rows]


def test_report_pull_writes_files_and_merges_conversions(emu, examples_env: Path) -> None:
    dag = load_dag("report_pull")
    first = run(dag)
    assert succeeded(first), states(first)
    day = first.data_interval_start.strftime("%Y-%m-%d")

    waited = xcom(first, "wait_for_report")
    assert waited["report"] == "campaign" and waited["rows"] > 0 and waited["polls"] >= 3
    assert waited["window"]["start"] == first.data_interval_start.isoformat()

    report = xcom(first, "fetch_campaign_report")
    report_file = examples_env / "report_pull" / "campaign_report" / f"campaign_report_{day}.jsonl"
    assert report["path"] == str(report_file)
    rows = [json.loads(line) for line in report_file.read_text().splitlines()]
    assert len(rows) == report["rows"] > 0
    assert sum(r["approvedConversions"] for r in rows) == waited["totals"]["approvedConversions"]

    conversions = xcom(first, "fetch_conversions")
    conversions_file = examples_env / "report_pull" / "conversions" / f"conversions_{day}.jsonl.gz"
    assert conversions["path"] == str(conversions_file)
    with gzip.open(conversions_file, "rt") as handle:
        records = [json.loads(line) for line in handle]
    assert len(records) == conversions["rows"] > 0
    # 7 days of lookback before the run's day
    assert datetime.fromisoformat(conversions["start"]) == first.data_interval_start - timedelta(days=7)
    assert datetime.fromisoformat(conversions["end"]) == first.data_interval_end

    # No trackier_warehouse connection: the SQLite default, loaded through SqliteHook.insert_rows(replace=True).
    database = examples_env / "report_pull" / "trackier.sqlite"
    loaded = xcom(first, "load_warehouse")
    assert not {"path", "rows"} <= set(loaded)
    assert loaded == {"table": "conversions", "conn_id": "trackier_warehouse", "read": len(records),
                      "total": len(records)}
    ids = sqlite_ids(database)
    assert ids == sorted(str(r["id"]) for r in records)
    with sqlite3.connect(database) as connection:
        status, record, payout, campaign_id = connection.execute(
            "SELECT status, record, payout, campaign_id FROM conversions WHERE id = ?",
            (str(records[0]["id"]),)).fetchone()
    assert status == records[0]["status"] and json.loads(record) == records[0]
    assert (payout, campaign_id) == (records[0]["payout"], records[0]["campaign_id"])  # typed, not text

    # Asset events: one per file task, the file in the extra; the table for the load.
    [event] = asset_events(f"file://{examples_env}/report_pull/conversions")
    assert event["path"] == str(conversions_file) and event["rows"] == len(records)
    [event] = asset_events(f"file://{examples_env}/report_pull/campaign_report")
    assert event["path"] == str(report_file)
    assert len(asset_events(WAREHOUSE_ASSET)) == 1

    second = rerun(dag, first)
    assert succeeded(second), states(second)
    again = xcom(second, "load_warehouse")
    assert again["total"] == len(records) == again["read"]
    assert sqlite_ids(database) == ids  # the same window read again: no duplicates
    assert len(asset_events(WAREHOUSE_ASSET)) == 2


def test_report_pull_loads_through_the_warehouse_connection(emu, examples_env: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    """A defined ``trackier_warehouse`` connection picks the hook and the database; the default file is untouched."""
    warehouse = tmp_path / "warehouse" / "dw.sqlite"
    warehouse.parent.mkdir()
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    dag = load_dag("report_pull")
    first = run(dag)
    assert succeeded(first), states(first)
    conversions = xcom(first, "fetch_conversions")
    with gzip.open(conversions["path"], "rt") as handle:
        ids = sorted(str(json.loads(line)["id"]) for line in handle)
    assert len(ids) == len(set(ids)) == conversions["rows"] > 0
    assert sqlite_ids(warehouse) == ids
    assert not (examples_env / "report_pull" / "trackier.sqlite").exists()

    # A row changed in the warehouse since is replaced by the source's version on the next load, not duplicated.
    with sqlite3.connect(warehouse) as connection:
        connection.execute("UPDATE conversions SET status = 'tampered', record = '{}' WHERE id = ?", (ids[0],))
    second = rerun(dag, first)
    assert succeeded(second), states(second)
    assert xcom(second, "load_warehouse") == {"table": "conversions", "conn_id": "trackier_warehouse",
                                              "read": len(ids), "total": len(ids)}
    assert sqlite_ids(warehouse) == ids
    with sqlite3.connect(warehouse) as connection:
        status, record = connection.execute("SELECT status, record FROM conversions WHERE id = ?", (ids[0],)).fetchone()
    assert status != "tampered" and str(json.loads(record)["id"]) == ids[0]
    assert json.loads(record)["status"] == status


def test_report_pull_to_an_fsspec_base(emu, examples_env: Path, tmp_path: Path, monkeypatch) -> None:
    """Only the base setting changes: memory:// stands in for s3:// (no network here); SQLite stays local."""
    base = "memory://trackier-examples-test/prefix"
    monkeypatch.setenv("TRACKIER_EXAMPLES_BASE_PATH", base)
    monkeypatch.setenv("TRACKIER_EXAMPLES_SQLITE_PATH", str(tmp_path / "local.sqlite"))
    memory = fsspec.filesystem("memory")
    try:
        dag = load_dag("report_pull")
        assert {o.uri for t in dag.tasks for o in t.outlets} == {
            f"{base}/report_pull/campaign_report", f"{base}/report_pull/conversions", WAREHOUSE_ASSET}
        dag_run = run(dag)
        assert succeeded(dag_run), states(dag_run)
        day = dag_run.data_interval_start.strftime("%Y-%m-%d")
        target = f"{base}/report_pull/conversions/conversions_{day}.jsonl.gz"
        assert xcom(dag_run, "fetch_conversions")["path"] == target
        with fsspec.open(target, "rt", compression="gzip") as handle:
            count = sum(1 for _ in handle)
        assert count == xcom(dag_run, "load_warehouse")["total"] == len(sqlite_ids(tmp_path / "local.sqlite")) > 0
        with fsspec.open(f"{base}/report_pull/campaign_report/campaign_report_{day}.jsonl", "rt") as handle:
            assert len(handle.read().splitlines()) == xcom(dag_run, "fetch_campaign_report")["rows"]
        assert not (examples_env / "report_pull").exists()
    finally:
        if memory.exists("/trackier-examples-test"):
            memory.rm("/trackier-examples-test", recursive=True)
