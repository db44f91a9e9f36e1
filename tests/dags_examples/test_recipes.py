"""The recipes of docs/recipes.md (dags_examples/recipes/*.py), each run with ``dag.test()`` against the emulator.

The docs include these files verbatim, so a recipe that stops working fails here, not in a user's deployment.
"""

from __future__ import annotations

import csv
import gzip
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.dags_examples.conftest import EXAMPLES, dag_bag, run, states, succeeded, xcom, xcoms
from trackier_provider.outputs import read_records

pytestmark = pytest.mark.dagtest

RECIPES = EXAMPLES / "recipes"
RECIPE_IDS = {
    "conversions_to_object_storage", "onboard_publishers", "report_to_postgres", "verify_panel_nightly",
    "fleet_reports",
}


@pytest.fixture(autouse=True)
def recipes_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow 3's ``dag.test()`` syncs the DAGs folder's bundle before it runs; the recipes are kept out of the
    demo's folder (``dags_examples/.airflowignore``), so their own folder is the DAGs folder here."""
    from airflow import settings

    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(RECIPES))
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(RECIPES))  # read once, when Airflow is imported


def load_recipe(name: str):
    bag = dag_bag(RECIPES / f"{name}.py")
    assert not bag.import_errors, bag.import_errors
    (dag,) = bag.dags.values()
    assert dag.dag_id == f"recipe_{name}" and {"trackier", "recipe"} <= set(dag.tags)
    return dag


def test_every_recipe_is_tested_and_in_the_docs(examples_env: Path) -> None:
    assert {p.stem for p in RECIPES.glob("*.py")} == RECIPE_IDS
    guide = (EXAMPLES.parent / "docs" / "recipes.md").read_text()
    for name in RECIPE_IDS:
        assert f"../dags_examples/recipes/{name}.py" in guide, name
    # The demo runs the example DAGs, not the recipes.
    assert set(dag_bag().dag_ids).isdisjoint({f"recipe_{name}" for name in RECIPE_IDS})


def test_recipe_files_are_named_by_the_data_interval() -> None:
    for path in RECIPES.glob("*.py"):
        text = path.read_text()
        assert "{{ ds }}" not in text and "logical_date" not in text, path
        if "output_path" in text:
            assert "{{ data_interval_start | ds }}" in text, path


def test_conversions_to_object_storage(emu, examples_env: Path) -> None:
    dag_run = run(load_recipe("conversions_to_object_storage"))
    assert succeeded(dag_run), states(dag_run)
    day = dag_run.data_interval_start.strftime("%Y-%m-%d")
    written = xcom(dag_run, "conversions")
    assert written["path"] == str(examples_env / "conversions" / f"{day}.jsonl.gz")
    with gzip.open(written["path"], "rt") as handle:
        records = [json.loads(line) for line in handle]
    assert len(records) == written["rows"] > 0
    # Three days of lookback before the day.
    assert datetime.fromisoformat(written["start"]) == dag_run.data_interval_start - timedelta(days=3)


def test_onboard_publishers(emu, examples_env: Path, tmp_path: Path, monkeypatch) -> None:
    campaigns = [4, 6]  # two of the emulator's seeded campaigns (the example CSV names them too)
    rows = [
        {"name": "Acme Media", "email": "ana@acme-media.example", "password": "Acme#2026ok",
         "campaign_ids": ";".join(map(str, campaigns))},
        {"name": "Cedar Traffic", "email": "hello@cedar.example", "password": "Cedar$Pass9", "campaign_ids": ""},
        {"name": "Echo Leads", "email": "team@echo.example", "password": "password", "campaign_ids": ""},
    ]
    path = tmp_path / "publishers.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("TRACKIER_EXAMPLES_PUBLISHERS_CSV", str(path))
    dag = load_recipe("onboard_publishers")
    dag_run = run(dag)
    assert succeeded(dag_run), states(dag_run)
    good = xcom(dag_run, "read_rows")
    assert [r["publisher_email"] for r in good] == ["ana@acme-media.example", "hello@cedar.example"]
    assert "Acme#2026ok" not in json.dumps([x["value"] for x in xcoms(dag_run)], default=str)  # never in XCom
    links = [x["value"] for x in xcoms(dag_run) if x["task_id"] == "tracking_link" and x["key"] == "return_value"]
    assert len(links) == len(campaigns) and all(link["url"].startswith("http") for link in links)

    again = run(dag)  # a re-run creates nothing twice and grants nothing twice
    assert succeeded(again), states(again)
    created = [x["value"] for x in xcoms(again) if x["task_id"] == "create_publisher" and x["key"] == "created"]
    assert created == [False, False]
    (grant,) = [x["value"] for x in xcoms(again) if x["task_id"] == "grant_access" and x["key"] == "return_value"]
    assert grant["granted"] == [] and len(grant["already"]) == len(campaigns)


def test_report_to_postgres_through_the_sql_hook(emu, examples_env: Path, tmp_path: Path, monkeypatch) -> None:
    """SQLite stands in for PostgreSQL: the recipe only talks to the connection's common.sql hook."""
    warehouse = tmp_path / "warehouse.sqlite"
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    dag = load_recipe("report_to_postgres")
    first = run(dag)
    assert succeeded(first), states(first)
    day = first.data_interval_start.strftime("%Y-%m-%d")
    report = xcom(first, "fetch_report")
    assert report["path"] == str(examples_env / "campaign_report" / f"{day}.jsonl")
    records = list(read_records(report["path"]))
    assert xcom(first, "load_report") == {"table": "trackier_campaign_report", "day": day, "rows": len(records)}
    assert len(records) > 0

    def table() -> list[tuple]:
        with sqlite3.connect(warehouse) as connection:
            return connection.execute("SELECT day, campaign_id, clicks, revenue FROM trackier_campaign_report "
                                      "ORDER BY campaign_id").fetchall()

    loaded = table()
    assert loaded == sorted(((day, int(r["campaign_id"]), r["clicks"], r["revenue"]) for r in records),
                            key=lambda row: row[1])
    assert sum(r["approvedConversions"] for r in records) == xcom(first, "wait_for_report")["totals"][
        "approvedConversions"]
    second = run(dag)  # the same day again: replaced in place, not duplicated
    assert succeeded(second), states(second)
    assert table() == loaded


def test_verify_panel_nightly(emu, examples_env: Path) -> None:
    dag_run = run(load_recipe("verify_panel_nightly"))
    assert succeeded(dag_run), states(dag_run)
    assert xcom(dag_run, "check_connection") == f"Connected to the Trackier API at {emu.base_url}"


def test_verify_panel_nightly_fails_with_trackiers_reason(emu, examples_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", json.dumps(
        {"conn_type": "trackier", "host": emu.base_url, "password": "wrong-key-123"}))
    dag = load_recipe("verify_panel_nightly")
    assert {task.retries for task in dag.tasks} == {1}
    for task in dag.tasks:  # the failure is under test, not the retry: dag.test() would wait out retry_delay
        task.retries = 0
    dag_run = run(dag)
    assert str(dag_run.state) == "failed"
    assert states(dag_run)[("check_connection", -1)] == "failed"
    assert states(dag_run)[("check_answers", -1)] == "upstream_failed"


def test_fleet_reports(emu, examples_env: Path) -> None:
    dag = load_recipe("fleet_reports")
    assert {task.pool for task in dag.tasks} == {"trackier"}
    dag_run = run(dag)
    assert succeeded(dag_run), states(dag_run)
    day = dag_run.data_interval_start.strftime("%Y-%m-%d")
    written = [x["value"] for x in xcoms(dag_run) if x["task_id"] == "fetch_report" and x["key"] == "return_value"]
    assert sorted(w["path"] for w in written) == sorted(
        str(examples_env / f"{report}_report" / f"{day}.jsonl.gz") for report in ("campaign", "publisher",
                                                                                  "advertiser", "daily"))
    assert all(w["rows"] > 0 for w in written)
