"""bulk_conversions under dag.test(): the sample file uploaded, the deferred job sensor, the job's counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dags_examples.conftest import EXAMPLES, load_dag, run, states, succeeded, xcom

pytestmark = pytest.mark.dagtest

SAMPLE = EXAMPLES / "data" / "offline_conversions.jsonl"


def test_bulk_conversions_reports_the_job(emu, examples_env: Path) -> None:
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines()]
    dag_run = run(load_dag("bulk_conversions"))
    assert succeeded(dag_run), states(dag_run)

    job_id = xcom(dag_run, "upload_conversions")
    assert list(emu.store.jobs) == [job_id]
    uploaded = [{k: v for k, v in c.items() if k not in ("job_id", "row")} for c in emu.store.uploaded_conversions]
    assert uploaded == rows[:-1]  # the last sample row names a campaign Trackier does not have
    assert xcom(dag_run, "wait_for_job") == {"rows": 5, "inserted": 4, "updated": 0, "errors": 1}
    assert xcom(dag_run, "report_job") == {"job_id": job_id, "rows": 5, "inserted": 4, "updated": 0, "errors": 1}
    polls = [r for r in emu.requests if r["path"] == f"/v2/jobs/{job_id}"]
    # One check on the worker, then the trigger's while the job runs; on a slow machine the one-second job can
    # be done at the first check, which needs no deferral (tests/sensors/test_dag_test.py defers on a held clock).
    assert polls and all(r["method"] == "GET" for r in polls)


def test_bulk_conversions_takes_the_file_from_the_run_config(emu, examples_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "crm.jsonl"
    source.write_text(json.dumps({"campaign_id": 3, "publisher_id": 2, "payout": 2.5, "status": "approved"}) + "\n")
    dag_run = run(load_dag("bulk_conversions"), conf={"conversions_path": str(source)})
    assert succeeded(dag_run), states(dag_run)
    assert xcom(dag_run, "report_job")["inserted"] == 1
    assert [c["campaign_id"] for c in emu.store.uploaded_conversions] == [3]
