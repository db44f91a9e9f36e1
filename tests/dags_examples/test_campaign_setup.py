"""campaign_setup under dag.test(): category and campaign created once (a second run reuses them), the
campaign's payouts and its timeline events read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dags_examples.conftest import load_dag, run, states, succeeded, xcom

pytestmark = pytest.mark.dagtest


def test_campaign_setup_is_idempotent(emu, examples_env: Path) -> None:
    dag = load_dag("campaign_setup")
    first = run(dag)
    assert succeeded(first), states(first)

    [category] = emu.store.categories.values()
    assert category["name"] == "Example Seasonal Offers"
    [campaign] = emu.store.campaigns.values()
    assert campaign["title"] == "Example Winter Sale" and campaign["advertiserId"] == "1"
    assert campaign["categories"] == [category["_id"]]
    assert xcom(first, "create_campaign")["id"] == campaign["id"]
    assert xcom(first, "create_campaign", "created") is True

    payouts = xcom(first, "fetch_payouts")
    assert [(p["payout"], p["revenue"], p["geo"]) for p in payouts] == [
        (2.0, 2.6, ["US", "CA"]), (1.2, 1.6, ["GB", "DE", "FR"])]

    timeline = xcom(first, "fetch_timeline")
    lines = Path(timeline["path"]).read_text().splitlines()
    assert Path(timeline["path"]).parent == examples_env / "campaign_setup"
    assert len(lines) == timeline["rows"] >= 1
    history = xcom(first, "campaign_history")
    assert history["campaign_id"] == campaign["id"]
    assert [e["event"] for e in history["events"]] == ["created"]
    assert history["events"][0] in [json.loads(line) for line in lines]

    second = run(dag)
    assert succeeded(second), states(second)
    assert len(emu.store.categories) == 1 and len(emu.store.campaigns) == 1  # found, not created again
    assert xcom(second, "create_category", "created") is False
    assert xcom(second, "create_campaign", "created") is False
    assert xcom(second, "create_campaign")["id"] == campaign["id"]
    creates = [r for r in emu.requests if r["method"] == "POST" and r["path"] in ("/v2/categories", "/v2/campaigns")]
    assert len(creates) == 2
