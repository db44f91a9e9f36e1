"""Each operator area run for real through dag.test(): Airflow renders the templates, stores XCom,
rendered fields and extra links. DAGs live in tests/operators/dags/trackier_operator_dags.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import fsspec
import pytest

from tests.operators.conftest import PANEL_URL
from tests.operators.dagrun import rendered, run_dag, states, xcom
from tests.operators.dags import trackier_operator_dags as dags
from trackier_provider.emulator.faults import ECHOED_CANARIES
from trackier_provider.links import XCOM_KEY, TrackierPanelLink
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

pytestmark = pytest.mark.dagtest
CANARY_PASSWORD = "DagCanary#42x"


@pytest.fixture
def conn(airflow_db, panel_conn):
    return panel_conn


def test_campaigns_dag(conn, tmp_path: Path) -> None:
    run = run_dag(dags.campaigns_dag, {
        "out_dir": str(tmp_path), "advertiser_id": "2", "geo": "IN", "status": "paused", "since": "2023-01-01",
    })
    assert set(states(run).values()) == {"success"}
    created = xcom(run, "create_campaign")
    assert created["title"] == "Campaign 2026-11-20" and created["geo"] == ["IN"]
    assert [p["geo"] for p in xcom(run, "payouts")] == [["IN"]]
    listed = xcom(run, "campaigns")
    assert listed["path"] == f"{tmp_path}/campaigns.jsonl" and listed["rows"] > 0
    lines = (tmp_path / "campaigns.jsonl").read_text().splitlines()
    assert all(json.loads(line)["status"] == "paused" for line in lines)
    assert xcom(run, "timeline")["rows"] == len((tmp_path / "timeline.csv").read_text().splitlines()) - 1
    assert xcom(run, "caps") == []
    url = f"{PANEL_URL}/admin/campaigns/{created['id']}"
    assert xcom(run, "create_campaign", XCOM_KEY) == url
    if AIRFLOW_V_3_0_PLUS:  # Airflow 3 stores each extra link in XCom when the task finishes
        assert xcom(run, "create_campaign", "_link_TrackierPanelLink") == url
    else:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            ti = session.query(TaskInstance).filter_by(run_id=run.run_id, task_id="create_campaign").one()
            link = TrackierPanelLink().get_link(dags.campaigns_dag.get_task("create_campaign"), ti_key=ti.key)
        assert link == url


def test_publishers_dag_keeps_passwords_and_keys_secret(conn, tmp_path: Path, task_output) -> None:
    run = run_dag(dags.publishers_dag, {
        "out_dir": str(tmp_path), "email": "dag@acme.example", "password": CANARY_PASSWORD,
        "login_email": "admin@example.com", "login_password": "Emulator@123",
        "network_url": "https://demo.trackier.test", "campaign_id": "4",
    })
    assert set(states(run).values()) == {"success"}
    publisher = xcom(run, "create_publisher")
    assert publisher["email"] == "dag@acme.example"
    assert [p["email"] for p in conn.store.publishers.values()] == ["dag@acme.example"]
    with gzip.open(tmp_path / "pubs.csv.gz", "rt") as handle:
        assert len(handle.read().splitlines()) == 2
    fields = rendered(run, "create_publisher")
    assert fields["publisher_email"] == "dag@acme.example"
    assert fields["password"] != CANARY_PASSWORD
    login = xcom(run, "login")
    assert login["user"]["email"] == "admin@example.com" and login["api_key_variable"] == "trackier_api_key"
    from airflow.models.variable import Variable

    assert Variable.get("trackier_api_key") == conn.api_key  # stored where the user asked, not in XCom
    assert xcom(run, "generic")["id"] == 4
    task_output.assert_free_of([CANARY_PASSWORD, "Emulator@123"], publisher, fields, login, rendered(run, "login"))
    assert conn.api_key not in json.dumps([login, rendered(run, "login")])


def test_a_failed_create_logs_no_missing_link(conn, tmp_path: Path, capsys, caplog) -> None:
    """A create that fails before it knows its object has no panel link: shown as none, not logged as an error
    (Airflow 3 asks for every extra link when a try ends; "XCom not found" would read like a second failure)."""
    run = run_dag(dags.publishers_dag, {
        "out_dir": str(tmp_path), "email": "dag@acme.example", "password": "password",  # fails Trackier's rule
        "login_email": "admin@example.com", "login_password": "Emulator@123",
        "network_url": "https://demo.trackier.test", "campaign_id": "4",
    })
    assert states(run)["create_publisher"] == "failed"
    assert not conn.store.publishers
    out = capsys.readouterr().out + caplog.text
    assert "Password criteria not met!" in out
    assert "XCom not found" not in out and "met!." not in out
    if AIRFLOW_V_3_0_PLUS:
        assert xcom(run, "create_publisher", "_link_TrackierPanelLink") == ""


def test_a_panel_echoing_credentials_leaks_nothing_through_a_dag_run(conn, tmp_path: Path, task_output) -> None:
    """The emulator echoes credentials in every answer (``echo_credentials``); the DAG run's XCom, rendered
    fields and everything its tasks wrote (stdout, stderr, log records, task log files) hold none of them."""
    conn.add_fault({"kind": "echo_credentials"})
    run = run_dag(dags.echoed_credentials_dag, {
        "out_dir": str(tmp_path), "email": "echo@acme.example", "password": CANARY_PASSWORD,
        "login_email": "admin@example.com", "login_password": "Emulator@123",
        "network_url": "https://demo.trackier.test", "campaign_id": "4",
    })
    assert set(states(run).values()) == {"success"}
    tasks = ["create_publisher", "publishers", "login", "generic"]
    stored = [(xcom(run, task), rendered(run, task)) for task in tasks]
    assert stored[0][0]["email"] == "echo@acme.example" and stored[3][0]["id"] == 4
    written = task_output.assert_free_of([*ECHOED_CANARIES, CANARY_PASSWORD], stored)
    assert "Created publisher" in written  # the tasks' own log lines were among what was read


def test_data_dag(conn, tmp_path: Path) -> None:
    run = run_dag(dags.data_dag, {
        "out_dir": str(tmp_path), "timezone": "Asia/Kolkata", "report": "publisher", "campaign_id": "1",
        "start": "2026-11-19", "end": "2026-11-19",
    })
    assert set(states(run).values()) == {"success"}
    conversions = xcom(run, "conversions")
    assert conversions["timezone"] == "Asia/Kolkata"
    assert conversions["start"] == "2026-11-18T00:00:00+05:30" and conversions["end"] == "2026-11-20T00:00:00+05:30"
    with gzip.open(tmp_path / "conversions.jsonl.gz", "rt") as handle:
        assert sum(1 for _ in handle) == conversions["rows"] > 0
    assert xcom(run, "report")["rows"] == len((tmp_path / "report.csv").read_text().splitlines()) - 1
    assert xcom(run, "upload") in conn.store.jobs
    assert rendered(run, "report")["report"] == "publisher"


def test_catalog_dag(conn) -> None:
    run = run_dag(dags.catalog_dag, {
        "category": "Pets", "coupon_status": "active", "pub_id": "2", "source": "wall",
    })
    assert set(states(run).values()) == {"success"}
    created = xcom(run, "create_category")
    assert xcom(run, "rename_category")["name"] == "Pets (renamed)"
    assert "Pets (renamed)" in [c["name"] for c in xcom(run, "categories")]
    assert created["_id"] in conn.store.categories.deleted
    assert all(c["status"] == "active" for c in xcom(run, "coupons"))
    incent = xcom(run, "incent")
    assert incent["path"].startswith("memory://trackier-tests/") and incent["rows"] > 0
    assert fsspec.filesystem("memory").exists(incent["path"][len("memory://"):])
