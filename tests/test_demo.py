"""``make demo``: the command itself, run as a user runs it, in its own Airflow home and against its own emulator."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from trackier_provider.demo import _summarise


def _run_demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: the test session's AIRFLOW_* settings must not leak into the demo, except one
    # database URL left in the shell, which the demo has to ignore (it must never touch a real deployment's DB).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TRACKIER"))}
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{tmp_path / 'someone-elses.db'}"
    command = [
        sys.executable, "-m", "trackier_provider.demo",
        "--airflow-home", str(tmp_path / "home"), "--output", str(tmp_path / "out"), *args,
    ]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_demo_runs_the_chosen_dags_and_prints_a_summary(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, "--dag", "publisher_onboarding", "--dag", "campaign_setup")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout + result.stderr
    summary = out[out.index("Demo summary"):]
    assert "publisher_onboarding   success" in summary and "publishers created 4" in summary
    assert "campaign_setup         success" in summary and "files written 1" in summary
    assert "report_pull" not in summary
    # Quiet by default: the bad sample rows are reported, Airflow's dependency deprecations are not.
    assert "Row 6 rejected: password: Password criteria not met!" in out
    assert "Deprecat" not in out and "empty cryptography key" not in out
    assert (tmp_path / "home" / "airflow.db").is_file()
    assert not (tmp_path / "someone-elses.db").exists()
    assert stat.S_IMODE((tmp_path / "home" / "fernet.key").stat().st_mode) == 0o600
    assert list((tmp_path / "out" / "publisher_onboarding").glob("summary_*.json"))


def test_unknown_dag_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, "--dag", "report_pul")
    assert result.returncode != 0
    assert "--dag report_pul: no such DAG" in result.stderr and "report_pull" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_dags_folder_is_refused(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, "--dags-folder", str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"pull": [{"path": "a.jsonl", "rows": 7}], "load": [{"path": "b.csv", "rows": 0}]}, (7, 2, 0)),
        ({"summarise": [{"summary": {"created": 3, "existing": 2}}], "create": [None, "x"]}, (0, 0, 3)),
        ({}, (0, 0, 0)),
    ],
)
def test_summary_totals(values: dict, expected: tuple[int, int, int]) -> None:
    totals = _summarise(values)
    assert (totals["rows pulled"], totals["files written"], totals["publishers created"]) == expected
