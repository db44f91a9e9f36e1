"""schema_canary under dag.test(): the nightly check passes on a panel that answers as expected (GET requests
only) and fails, once and without a retry, on a drifting one, with the drifted fields in XCom."""

from __future__ import annotations

import pytest

from tests.dags_examples.conftest import load_dag, run, states, succeeded, xcom
from trackier_provider.check import read_names

pytestmark = pytest.mark.dagtest


def test_the_canary_passes_on_a_faithful_panel(emu, monkeypatch) -> None:
    monkeypatch.setenv("TRACKIER_EXAMPLES_CANARY_SKIP", "jobs.get")  # the emulator starts without jobs
    dag_run = run(load_dag("schema_canary"))
    assert succeeded(dag_run), states(dag_run)
    result = xcom(dag_run, "check_panel")
    assert result["outcome"] == "ok" and result["date"] == dag_run.data_interval_start.date().isoformat()
    assert len(result["operations"]) == len(read_names()) - 1 and xcom(dag_run, "check_panel", "schema_drift") == result
    assert {r["method"] for r in emu.requests} == {"GET"}


def test_the_canary_fails_without_retrying_on_a_drifting_panel(emu) -> None:
    emu.add_fault({"kind": "drift", "path": "/v2/coupons", "change": "as_string", "field": "status",
                   "records": "coupons"})
    emu.add_fault({"kind": "drift", "path": "/v2/reports/goal", "change": "remove", "field": "goal_id",
                   "records": "records"})
    dag_run = run(load_dag("schema_canary"))
    assert states(dag_run) == {("check_panel", -1): "failed"}
    drifted = {r["operation"]: [d["path"] for d in r["drift"]]
               for r in xcom(dag_run, "check_panel", "schema_drift")["operations"] if r["drift"]}
    assert drifted == {"reports.goal": ["records[].goal_id"]}  # a status as text is still a string
    assert len([r for r in emu.requests if r["path"] == "/v2/reports/goal"]) == 1  # one try: not retried
    assert {r["method"] for r in emu.requests} == {"GET"}
