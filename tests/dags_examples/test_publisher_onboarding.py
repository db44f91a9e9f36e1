"""publisher_onboarding under dag.test(): exactly the good rows created, given access to their campaigns and
their tracking links listed; bad rows reported, no secrets stored; a second run of the same interval creates
and grants nothing."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

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
from trackier_provider.hooks.trackier import TrackierHook

pytestmark = pytest.mark.dagtest

SAMPLE = EXAMPLES / "data" / "new_publishers.csv"
#: The sample's rows that pass validation and are new to the emulator (row 7 is seeded publisher 3).
NEW_EMAILS = {"ana@acme-media.example", "ops@bluefox.example", "hello@cedar-traffic.example", "growth@gamma.example"}
#: The campaigns the sample names for each valid row (4, 6 and 8 are seeded private/permission campaigns).
CAMPAIGNS = {"ana@acme-media.example": [4, 6], "ops@bluefox.example": [8], "hello@cedar-traffic.example": [],
             "Publisher3@example.com": [4], "growth@gamma.example": [4, 6, 8]}
GRANT = ("POST", "/v2/campaigns/access")
CREATE = ("POST", "/v2/publishers")


def sample_passwords() -> list[str]:
    """The sample's passwords, but the weak one, "password", a word that appears as a field name."""
    with SAMPLE.open(newline="") as handle:
        return [row["password"] for row in csv.DictReader(handle) if row["password"] != "password"]


def sent(requests: list[dict[str, Any]], method: str, path: str) -> list[dict[str, Any]]:
    """The requests of the log with this method whose path matches ``path`` (a regular expression)."""
    return [r for r in requests if r["method"] == method and re.fullmatch(path, r["path"])]


def link_paths(requests: list[dict[str, Any]]) -> Counter[str]:
    return Counter(r["path"] for r in sent(requests, "POST", r"/v2/trackingLink/\d+/\d+"))


def approved_access() -> list[dict[str, Any]]:
    """The emulator's campaign access list, read through the API (after the request-log assertions)."""
    return [r for r in TrackierHook().api.campaigns.access.list() if r["status"] == "approved"]


def test_sample_csv_has_the_documented_cases() -> None:
    with SAMPLE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert 7 <= len(rows) <= 10
    assert rows[5]["email"].lower() == "publisher3@example.com"  # seeded in the emulator: "existing"
    assert {r["email"]: r["campaign_ids"] for r in rows}["Publisher3@example.com"] == "4"
    assert rows[-1]["campaign_ids"] == "6;999"  # campaign 999 is not in the emulator's seeds


def test_onboarding_creates_grants_and_links_once(emu, examples_env: Path, capsys, caplog) -> None:
    dag = load_dag("publisher_onboarding")
    first = run(dag)
    assert succeeded(first), states(first)
    assert sorted(p["email"] for p in emu.store.publishers.values()) == sorted(NEW_EMAILS)
    created_ids = set(emu.store.publishers)
    id_of = {p["email"]: p["id"] for p in emu.store.publishers.values()} | {"Publisher3@example.com": 3}
    pairs = {(campaign, id_of[email]) for email, campaigns in CAMPAIGNS.items() for campaign in campaigns}
    assert len(pairs) == 7
    first_requests = emu.requests

    # Each campaign named by a row looked up once before anything was created; 999 does not exist.
    lookups = sent(first_requests, "GET", r"/v2/campaigns/\d+")
    assert sorted((r["path"], r["status"]) for r in lookups) == [
        ("/v2/campaigns/4", 200), ("/v2/campaigns/6", 200), ("/v2/campaigns/8", 200), ("/v2/campaigns/999", 400)]
    assert first_requests.index(lookups[-1]) < first_requests.index(sent(first_requests, *CREATE)[0])
    # One assign per publisher and campaign (grant_access sends one per campaign), one link per pair.
    assert [r["status"] for r in sent(first_requests, *GRANT)] == [200] * len(pairs)
    assert link_paths(first_requests) == Counter(f"/v2/trackingLink/{c}/{p}" for c, p in pairs)
    assert {r["status"] for r in sent(first_requests, "POST", r"/v2/trackingLink/.*")} == {200}

    result = xcom(first, "write_summary")
    assert result["summary"] == {"created": 4, "existing": 1, "rejected": 4}
    # No "rows": the demo would count it as a pulled file.
    assert set(result) == {"summary", "access_granted", "tracking_links", "path"}
    assert (result["access_granted"], result["tracking_links"]) == (7, 7)
    report = json.loads(Path(result["path"]).read_text())
    assert Path(result["path"]).parent == examples_env / "publisher_onboarding"
    assert report["summary"] == result["summary"]
    assert (report["access_granted"], report["tracking_links"]) == (7, 7)
    assert {o["email"] for o in report["created"]} == NEW_EMAILS
    assert [(o["row"], o["email"], o["id"]) for o in report["existing"]] == [(7, "Publisher3@example.com", 3)]
    onboarded = report["created"] + report["existing"]
    assert {o["email"]: o["access_granted"] for o in onboarded} == CAMPAIGNS
    links = {o["email"]: o["tracking_links"] for o in onboarded}
    assert {email: sorted(map(int, by_campaign)) for email, by_campaign in links.items()} == CAMPAIGNS
    for email, by_campaign in links.items():
        for campaign, url in by_campaign.items():
            assert url.startswith("https://") and f"campaign_id={campaign}&pub_id={id_of[email]}" in url, url
    rejected = {r["row"]: r["problems"] for r in report["rejected"]}
    assert rejected == {
        5: [{"field": "email", "reason": "'delta-at-example.com' is not a valid email address"}],
        6: [{"field": "password", "reason": "Password criteria not met!"}],
        9: [{"field": "email", "reason": "duplicate of row 3"}],
        10: [{"field": "campaign_ids", "reason": "campaign 999 not found"}],
    }
    assert "Row 6 rejected: password: Password criteria not met!" in caplog.text
    assert "Row 10 rejected: campaign_ids: campaign 999 not found" in caplog.text

    # Passwords: never in XCom, rendered fields (what the UI shows) or logs.
    stored = json.dumps([xcoms(first), rendered_fields(first)], default=str)
    printed = capsys.readouterr()
    for password in sample_passwords():
        assert password not in stored
        assert password not in printed.out + printed.err + caplog.text
    mapped = [x for x in xcoms(first) if x["task_id"] == "create_publisher" and x["key"] == "return_value"]
    assert len(mapped) == 5 and all("password" not in x["value"] for x in mapped)

    access = approved_access()
    assert {(int(a["campaignId"]), int(a["publisherId"])) for a in access} == pairs
    emu.clear_requests()

    second = rerun(dag, first)
    assert succeeded(second), states(second)
    again = emu.requests
    assert set(emu.store.publishers) == created_ids  # nothing created twice
    assert sent(again, *CREATE) == [] and sent(again, *GRANT) == []  # nothing created or granted twice
    assert approved_access() == access  # the same entries, untouched (their "created" times too)
    # Generating a link stores nothing in Trackier: the re-run asks once per pair again and gets the same links.
    assert link_paths(again) == link_paths(first_requests)
    second_result = xcom(second, "write_summary")
    assert second_result["summary"] == {"created": 0, "existing": 5, "rejected": 4}
    assert (second_result["access_granted"], second_result["tracking_links"]) == (0, 7)
    second_report = json.loads(Path(second_result["path"]).read_text())
    assert {o["email"]: o["tracking_links"] for o in second_report["existing"]} == links
    assert all(o["access_granted"] == [] for o in second_report["existing"])


def _run_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Any:
    """One run of the DAG on a CSV of ``text`` (the setting another CSV is pointed at with)."""
    path = tmp_path / "publishers.csv"
    path.write_text(text)
    monkeypatch.setenv("TRACKIER_EXAMPLES_PUBLISHERS_CSV", str(path))
    return run(load_dag("publisher_onboarding"))


def test_onboarding_with_only_bad_rows_still_writes_a_summary(emu, examples_env: Path, tmp_path, monkeypatch):
    dag_run = _run_csv(tmp_path, monkeypatch, "name,email,password,campaign_ids\n"
                       "No Mail,not-an-email,Good#Pass1,4\nWeak,weak@x.example,weak,6\n")
    assert str(dag_run.state) == "success", states(dag_run)
    assert xcom(dag_run, "write_summary")["summary"] == {"created": 0, "existing": 0, "rejected": 2}
    assert emu.store.publishers == {} or len(emu.store.publishers) == 0
    assert sent(emu.requests, "POST", r".*") == []


def test_a_csv_without_campaign_ids_onboards_without_grants(emu, examples_env: Path, tmp_path, monkeypatch):
    """A CSV made before the column existed (as the distributed test's generated one): no campaigns."""
    dag_run = _run_csv(tmp_path, monkeypatch, "name,email,password,company,phone\n"
                       "Iris Ads,iris@ads.example,Iris#Pass1,,\nJade Media,jade@media.example,Jade#Pass2,Jade Ltd,\n")
    assert str(dag_run.state) == "success", states(dag_run)
    final = states(dag_run)
    assert {t: s for (t, _), s in final.items() if s != "success"} == {
        "grant_access": "skipped", "plan_links": "skipped", "create_tracking_link": "skipped"}
    assert [r["path"] for r in emu.requests if r["method"] == "POST"] == ["/v2/publishers"] * 2
    assert not [r for r in emu.requests if r["path"].startswith(("/v2/campaigns", "/v2/trackingLink"))]
    result = xcom(dag_run, "write_summary")
    assert (result["summary"], result["access_granted"], result["tracking_links"]) == (
        {"created": 2, "existing": 0, "rejected": 0}, 0, 0)
    report = json.loads(Path(result["path"]).read_text())
    assert [(o["email"], o["access_granted"], o["tracking_links"]) for o in report["created"]] == [
        ("iris@ads.example", [], {}), ("jade@media.example", [], {})]


def test_campaign_ids_cells_empty_repeated_or_wrong(emu, examples_env: Path, tmp_path, monkeypatch):
    dag_run = _run_csv(tmp_path, monkeypatch, "name,email,password,campaign_ids\n"
                       "Kite Ads,kite@ads.example,Kite#Pass1,\n"            # empty: no campaigns
                       "Lime Media,lime@media.example,Lime#Pass2,8; 8;\n"  # each id once, blanks ignored
                       "Moss Leads,moss@leads.example,Moss#Pass3,6;six;-4\n"
                       "Nova Ads,nova@ads.example,Nova#Pass4,4,6\n")          # an unquoted comma: one cell too many
    assert str(dag_run.state) == "success", states(dag_run)
    assert sorted(p["email"] for p in emu.store.publishers.values()) == ["kite@ads.example", "lime@media.example"]
    [lime] = [p["id"] for p in emu.store.publishers.values() if p["email"] == "lime@media.example"]
    # Every row's campaigns are looked up (a rejected row's too: all its problems are reported at once).
    assert [r["path"] for r in sent(emu.requests, "GET", r"/v2/campaigns/\d+")] == [
        "/v2/campaigns/4", "/v2/campaigns/6", "/v2/campaigns/8"]
    assert len(sent(emu.requests, *GRANT)) == 1
    assert link_paths(emu.requests) == Counter({f"/v2/trackingLink/8/{lime}": 1})
    report = json.loads(Path(xcom(dag_run, "write_summary")["path"]).read_text())
    assert {o["email"]: sorted(o["tracking_links"]) for o in report["created"]} == {
        "kite@ads.example": [], "lime@media.example": ["8"]}
    assert report["rejected"] == [{"row": 4, "email": "moss@leads.example", "problems": [
        {"field": "campaign_ids", "reason": "'six' is not a campaign id (numeric ids separated by ';')"},
        {"field": "campaign_ids", "reason": "'-4' is not a campaign id (numeric ids separated by ';')"}]},
        {"row": 5, "email": "nova@ads.example", "problems": [{"field": "row", "reason": (
            "1 more cells than the header has columns (quote a cell holding a comma; separate campaign ids "
            "with ';')")}]}]
    assert [(int(a["campaignId"]), int(a["publisherId"])) for a in approved_access()] == [(8, lime)]
