"""publisher_onboarding under dag.test(): exactly the good rows created, bad rows reported, no secrets stored,
and a second run of the same interval creates nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.dags_examples.conftest import (
    EXAMPLES,
    load_dag,
    rendered_fields,
    rerun,
    run,
    states,
    succeeded,
    xcom,
    xcoms,
)

pytestmark = pytest.mark.dagtest

SAMPLE = EXAMPLES / "data" / "new_publishers.csv"
#: The sample's rows that pass validation and are new to the emulator (row 7 is seeded publisher 3).
NEW_EMAILS = {"ana@acme-media.example", "ops@bluefox.example", "hello@cedar-traffic.example", "growth@gamma.example"}


def sample_passwords() -> list[str]:
    """The sample's passwords, but the weak one, "password", a word that appears as a field name."""
    with SAMPLE.open(newline="") as handle:
        return [row["password"] for row in csv.DictReader(handle) if row["password"] != "password"]


def test_sample_csv_has_the_documented_cases() -> None:
    with SAMPLE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert 7 <= len(rows) <= 10
    assert rows[5]["email"].lower() == "publisher3@example.com"  # seeded in the emulator: "existing"


def test_onboarding_creates_good_rows_once(emu, examples_env: Path, capsys, caplog) -> None:
    dag = load_dag("publisher_onboarding")
    first = run(dag)
    assert succeeded(first), states(first)
    assert sorted(p["email"] for p in emu.store.publishers.values()) == sorted(NEW_EMAILS)
    created_ids = set(emu.store.publishers)

    result = xcom(first, "write_summary")
    assert result["summary"] == {"created": 4, "existing": 1, "rejected": 3}
    assert set(result) == {"summary", "path"}  # no "rows": the demo would count it as a pulled file
    report = json.loads(Path(result["path"]).read_text())
    assert Path(result["path"]).parent == examples_env / "publisher_onboarding"
    assert report["summary"] == result["summary"]
    assert {o["email"] for o in report["created"]} == NEW_EMAILS
    assert [(o["row"], o["email"], o["id"]) for o in report["existing"]] == [(7, "Publisher3@example.com", 3)]
    rejected = {r["row"]: r["problems"] for r in report["rejected"]}
    assert rejected == {
        5: [{"field": "email", "reason": "'delta-at-example.com' is not a valid email address"}],
        6: [{"field": "password", "reason": "Password criteria not met!"}],
        9: [{"field": "email", "reason": "duplicate of row 3"}],
    }
    assert "Row 6 rejected: password: Password criteria not met!" in caplog.text

    # Passwords: never in XCom, rendered fields (what the UI shows) or logs.
    stored = json.dumps([xcoms(first), rendered_fields(first)], default=str)
    printed = capsys.readouterr()
    for password in sample_passwords():
        assert password not in stored
        assert password not in printed.out + printed.err + caplog.text
    mapped = [x for x in xcoms(first) if x["task_id"] == "create_publisher" and x["key"] == "return_value"]
    assert len(mapped) == 5 and all("password" not in x["value"] for x in mapped)

    second = rerun(dag, first)
    assert succeeded(second), states(second)
    assert set(emu.store.publishers) == created_ids  # nothing created twice
    assert xcom(second, "write_summary")["summary"] == {"created": 0, "existing": 5, "rejected": 3}
    posts = [r for r in emu.requests if r["method"] == "POST" and r["path"] == "/v2/publishers"]
    assert len(posts) == 4


def test_onboarding_with_only_bad_rows_still_writes_a_summary(emu, examples_env: Path, tmp_path, monkeypatch):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,password\nNo Mail,not-an-email,Good#Pass1\nWeak,weak@x.example,weak\n")
    monkeypatch.setenv("TRACKIER_EXAMPLES_PUBLISHERS_CSV", str(bad))
    dag_run = run(load_dag("publisher_onboarding"))
    assert str(dag_run.state) == "success", states(dag_run)
    assert xcom(dag_run, "write_summary")["summary"] == {"created": 0, "existing": 0, "rejected": 2}
    assert emu.store.publishers == {} or len(emu.store.publishers) == 0
