"""report_pull under a real Airflow: scheduler, triggerer (and on 3.x API server and DAG processor).

The sensor must be seen in the ``deferred`` state (waiting in the triggerer, holding no worker) and the run
must succeed. Run by ``make integration`` (and so by CI); excluded from the default ``pytest`` run.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.airflow_cluster import AirflowCluster
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

pytestmark = pytest.mark.integration

DAG_ID = "report_pull"
SENSOR = "wait_for_report"


def task_states(cluster: AirflowCluster, run_id: str) -> dict[str, str]:
    rows = cluster.query("SELECT task_id, state FROM task_instance WHERE dag_id = :dag AND run_id = :run",
                         dag=DAG_ID, run=run_id)
    return {task: state for task, state in rows}


def test_report_pull_defers_and_succeeds(tmp_path: Path):
    output = tmp_path / "output"
    emulator = TrackierEmulator(
        EmulatorConfig(api_key="integration-key", settle_seconds=0, job_seconds=2, conversions_per_day=500),
        host="127.0.0.1",
        port=0,
    )
    with emulator as emu:
        env = {
            "AIRFLOW_CONN_TRACKIER_DEFAULT": json.dumps(
                {"conn_type": "trackier", "host": emu.base_url, "password": emu.api_key}
            ),
            "TRACKIER_EXAMPLES_BASE_PATH": str(output),
            # The trigger must not fire before the worker that deferred has reported back (a few seconds):
            # Airflow marks a task that resumes before that as "changed externally" and fails it.
            "TRACKIER_EXAMPLES_POKE_SECONDS": "3",
            "TRACKIER_EXAMPLES_SETTLE_SECONDS": "15",
        }
        dags = Path(os.environ.get("TRACKIER_INTEGRATION_DAGS_FOLDER", REPO_ROOT / "dags_examples"))
        with AirflowCluster(tmp_path / "airflow-home", dags, env) as cluster:
            cluster.wait_for(
                "the DAG processor to register report_pull",
                lambda: cluster.query("SELECT 1 FROM dag WHERE dag_id = :dag", dag=DAG_ID),
                timeout=180,
            )
            cluster.cli("dags", "unpause", DAG_ID)
            logical = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            flag = "--logical-date" if cluster.major >= 3 else "--exec-date"
            cluster.cli("dags", "trigger", DAG_ID, flag, logical)
            run_id = cluster.wait_for(
                "the triggered run",
                # Unpausing also schedules the latest interval: follow the run this test triggered.
                lambda: (cluster.query(
                    "SELECT run_id FROM dag_run WHERE dag_id = :dag AND run_type = 'manual'", dag=DAG_ID)
                    or [[None]])[0][0],
                timeout=60,
            )
            seen_deferred = cluster.wait_for(
                f"{SENSOR} to be deferred",
                lambda: task_states(cluster, run_id).get(SENSOR) == "deferred",
                timeout=240,
                poll=0.5,
            )
            final = cluster.wait_for(
                "the run to finish",
                lambda: (cluster.query(
                    "SELECT state FROM dag_run WHERE dag_id = :dag AND run_id = :run "
                    "AND state IN ('success', 'failed')",
                    dag=DAG_ID, run=run_id) or [[None]])[0][0],
                timeout=300,
            )
            states = task_states(cluster, run_id)
            assert final == "success", f"run ended {final}: {states}\n{cluster.logs()}"
            assert seen_deferred
            assert set(states.values()) == {"success"}, states
            trigger_polls = [r for r in emu.requests if r["path"] == "/v2/reports/campaign"]
            assert len(trigger_polls) >= 3  # one check on the worker, the rest from the triggerer
    written = [p for p in output.rglob("*") if p.is_file()]
    assert written, "report_pull wrote no files"
