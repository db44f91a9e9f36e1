"""``validate_responses`` against the emulator: every wrapped fetch validates without drift; drift (a type
change, a missing or renamed required field, an envelope variant) is summarised in ``warn`` (the task
finishes) and stops the task in ``fail`` (nothing written); summaries never carry a secret."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import connection_json
from tests.operators.conftest import INTERVAL_END, INTERVAL_START, RecordingTI
from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.emulator import TrackierEmulator
from trackier_provider.exceptions import TrackierConfigError, TrackierSchemaDriftError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.advertisers import TrackierFetchAdvertiserCapsOperator
from trackier_provider.operators.base import TrackierBaseOperator, TrackierFetchOperator
from trackier_provider.operators.campaigns import (
    TrackierFetchCampaignPayoutsOperator,
    TrackierFetchCampaignsOperator,
    TrackierFetchCampaignTimelineOperator,
)
from trackier_provider.operators.categories import TrackierFetchCategoriesOperator
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.coupons import TrackierFetchCouponsOperator
from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator
from trackier_provider.operators.publishers import TrackierFetchPublishersOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.schemas.validation import SAMPLE_PER_PAGE, XCOM_KEY, sample
from trackier_provider.version_compat import AirflowFailException

CONVERSIONS = "/v2/network/conversions"
CANARY = "canary-secret-9d2e41"


def use(emu: TrackierEmulator, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> None:
    """``trackier_default`` on ``emu`` with these extras (retries kept to none: a malformed page fails at once)."""
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT",
                       connection_json(emu.base_url, emu.api_key, max_retries=0, **extra))


@pytest.fixture
def task_log(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """The operators' task log, captured (Airflow 3's operator loggers do not reach the standard library's)."""
    monkeypatch.setattr(TrackierBaseOperator, "log", logging.getLogger("task"), raising=False)
    caplog.set_level(logging.INFO)
    return caplog


def context() -> dict[str, Any]:
    return {"ti": RecordingTI(), "data_interval_start": INTERVAL_START, "data_interval_end": INTERVAL_END}


FETCHES: dict[str, Callable[[], TrackierFetchOperator]] = {
    "campaigns": lambda: TrackierFetchCampaignsOperator(task_id="t", page_size=20),
    "publishers": lambda: TrackierFetchPublishersOperator(task_id="t", page_size=7),
    "advertiser caps": lambda: TrackierFetchAdvertiserCapsOperator(task_id="t"),
    "conversions": lambda: TrackierFetchConversionsOperator(task_id="t", page_size=100, max_xcom_rows=10**6),
    "coupons": lambda: TrackierFetchCouponsOperator(task_id="t", page_size=5),
    "incent offers": lambda: TrackierFetchIncentOffersOperator(task_id="t", pub_id=1, source="s", page_size=10),
    "categories": lambda: TrackierFetchCategoriesOperator(task_id="t"),
    "payouts": lambda: TrackierFetchCampaignPayoutsOperator(task_id="t", campaign_id=3),
    "timeline": lambda: TrackierFetchCampaignTimelineOperator(task_id="t", start="2023-01-01", end="2023-12-31"),
    **{f"{name} report": (lambda name=name: TrackierFetchReportOperator(task_id="t", report=name))
       for name in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")},
}


@pytest.mark.parametrize("name", FETCHES)
def test_every_wrapped_fetch_validates_without_drift(trackier_emulator, monkeypatch, name: str) -> None:
    use(trackier_emulator, monkeypatch, validate_responses="fail")
    TrackierHook().call("advertisers.caps.create", ids={"advertiser_id": 2}, body={"type": "conversions", "daily": 4})
    ctx = context()
    rows = FETCHES[name]().execute(ctx)
    assert rows, f"{name}: nothing read, nothing validated"
    summary = ctx["ti"].xcom[XCOM_KEY]
    assert summary["mode"] == "fail" and summary["drift"] is False
    checked = summary["operations"]
    assert all(op["drift"] == [] and op["statuses"] == {"200": op["answers"]} for op in checked.values())
    listed = [op for op in checked.values() if op["records"]]
    assert sum(op["validated"] for op in listed) == sum(op["records"] for op in listed) >= 1


@pytest.mark.parametrize("name", ["advertisers.list", "campaigns.list", "campaigns.timelines.list", "clicks.list",
                                  "conversions.list", "coupons.list", "incent_offers.list", "publishers.list"])
def test_every_page_of_every_list_validates(trackier_emulator, monkeypatch, name: str) -> None:
    """Paged by the hook to the last page (``lastId: null``, an empty ``nextPageToken``...)."""
    use(trackier_emulator, monkeypatch, validate_responses="fail")
    day = (trackier_emulator.now() - timedelta(days=1)).date().isoformat()
    params: dict[str, Any] = {
        "incent_offers.list": {"pubId": 1, "source": "s"},
        "campaigns.timelines.list": {"start": "2023-01-01", "end": "2023-12-31"},
        "conversions.list": {"start": f"{day} 00:00:00", "end": f"{day} 23:59:59"},
        "clicks.list": {"start": day, "end": day},
    }.get(name, {})
    call = prepare(OPERATIONS[name], {}, params, by_arg=False)
    assert call.operation.pages is not None
    size = max(call.operation.pages.min_limit or 0, 7)
    hook = TrackierHook()
    pages = list(hook.pages(name, query=params, page_size=size, max_parallel_pages=1))
    assert len(pages) >= 2, "one page only: the test wants the last page of a longer list"
    assert hook.responses is not None and not hook.responses.report.drifted
    tally = hook.responses.report.operations[name]
    asked = [r for r in trackier_emulator.requests if r["path"] == call.path]  # an empty last page too
    assert (tally.answers, tally.validated) == (len(asked), sum(map(len, pages)))


# ------------------------------------------------------------------------------------------------ warn
def _export(tmp_path: Path, name: str = "conv.jsonl", **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    ctx = context()
    result = TrackierFetchConversionsOperator(task_id="t", output_path=str(tmp_path / name), **kwargs).execute(ctx)
    return result, ctx["ti"].xcom[XCOM_KEY]


def test_warn_finishes_the_export_and_counts_a_type_change(trackier_emulator, monkeypatch, tmp_path,
                                                            task_log) -> None:
    """JSON Lines pages keep the server's text: a sample of each page is checked, and the summary says so."""
    use(trackier_emulator, monkeypatch, validate_responses="warn")
    trackier_emulator.add_fault({"kind": "drift", "path": CONVERSIONS, "change": "as_string", "field": "payout",
                                 "records": "conversions", "every": 4})
    result, summary = _export(tmp_path, page_size=500)  # one page of the day's 500 conversions
    assert result["rows"] == 500 == len((tmp_path / "conv.jsonl").read_text().splitlines())
    drifting = sum(1 for i in sample(500) if i % 4 == 0)
    assert summary["operations"]["conversions.list"] == {
        "answers": 1, "statuses": {"200": 1}, "records": 500, "validated": SAMPLE_PER_PAGE, "sampled": True,
        "drift": [{"path": "conversions[].payout", "expected": "number", "got": "string", "count": drifting,
                   "of": SAMPLE_PER_PAGE, "per": "record"}]}
    assert summary["drift"] is True
    last = task_log.records[-1].getMessage()  # the summary ends the task's log
    assert f"conversions[].payout: expected number, got string in {drifting} of {SAMPLE_PER_PAGE} records" in last
    assert f"{SAMPLE_PER_PAGE} of 500 records checked (JSON Lines pages: a sample" in last


def test_warn_checks_every_record_of_decoded_pages_and_the_envelope(trackier_emulator, monkeypatch,
                                                                     tmp_path) -> None:
    """CSV pages are decoded: every record is checked. Page 1: a type change in every 4th record; pages 2 on:
    the total announced as text (an envelope variant the provider reads all the same)."""
    use(trackier_emulator, monkeypatch, validate_responses="warn")
    trackier_emulator.add_fault([
        {"kind": "drift", "path": CONVERSIONS, "change": "as_string", "field": "payout", "records": "conversions",
         "every": 4, "times": 1},
        {"kind": "drift", "path": CONVERSIONS, "change": "as_string", "field": "pagination.total", "skip": 1},
    ])
    result, summary = _export(tmp_path, "conv.csv", page_size=100, max_parallel_pages=1)
    assert result["rows"] == 500
    listed = summary["operations"]["conversions.list"]
    assert (listed["answers"], listed["validated"], listed["sampled"]) == (5, 500, False)
    assert {d["path"]: (d["count"], d["of"], d["per"]) for d in listed["drift"]} == {
        "conversions[].payout": (25, 500, "record"), "pagination.total": (4, 5, "answer")}


def test_warn_names_a_renamed_required_field(trackier_emulator, monkeypatch, caplog) -> None:
    use(trackier_emulator, monkeypatch, validate_responses="warn")
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/campaigns", "method": "GET", "change": "rename",
                                 "field": "title", "to": "name", "records": "campaigns"})
    ctx = context()
    campaigns = TrackierFetchCampaignsOperator(task_id="t").execute(ctx)
    assert len(campaigns) == 50 and all("name" in c for c in campaigns)
    [drift] = ctx["ti"].xcom[XCOM_KEY]["operations"]["campaigns.list"]["drift"]
    assert drift == {"path": "campaigns[].title", "expected": "string, required", "got": "absent", "count": 50,
                     "of": 50, "per": "record"}
    warned = [r.getMessage() for r in caplog.records if r.name == "trackier_provider.schemas.validation"]
    assert warned == ["Trackier's answer to GET /v2/campaigns (campaigns.list) drifts from the provider's schema: "
                      "campaigns[].title: expected string, required, got absent"]  # once, not once per page


# ------------------------------------------------------------------------------------------------ fail
def test_fail_stops_at_the_first_drifting_page_and_writes_nothing(trackier_emulator, monkeypatch, tmp_path) -> None:
    use(trackier_emulator, monkeypatch, validate_responses="fail")
    trackier_emulator.add_fault({"kind": "drift", "path": CONVERSIONS, "change": "remove", "field": "status",
                                 "records": "conversions", "skip": 2})  # pages 1 and 2 are fine
    with pytest.raises(TrackierSchemaDriftError) as info:
        _export(tmp_path, page_size=100, max_parallel_pages=1)
    assert isinstance(info.value, AirflowFailException)  # not retried: the same answer would come back
    message = str(info.value)
    assert message.startswith(f"Trackier's answer to GET {CONVERSIONS} (conversions.list) does not match")
    assert "conversions[].status: expected string, required, got absent in 100 of 100 records" in message
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one
    pages = [r for r in trackier_emulator.requests if r["path"] == CONVERSIONS]
    assert len(pages) == 3  # the drifting page was not asked for again


def test_fail_still_pushes_the_summary(trackier_emulator, monkeypatch, tmp_path) -> None:
    use(trackier_emulator, monkeypatch, validate_responses="fail")
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/reports/daily", "change": "as_object",
                                 "field": "records"})
    ctx = context()
    with pytest.raises(TrackierSchemaDriftError, match=r"records: expected array, got object"):
        TrackierFetchReportOperator(task_id="t", report="daily", output_path=str(tmp_path / "d.jsonl")).execute(ctx)
    assert list(tmp_path.iterdir()) == []
    [drift] = ctx["ti"].xcom[XCOM_KEY]["operations"]["reports.daily"]["drift"]
    assert (drift["path"], drift["got"], drift["count"], drift["per"]) == ("records", "object", 1, "answer")


def test_triggers_validate_too(trackier_emulator, monkeypatch) -> None:
    """The async path (triggers) decodes through the same ``_decode``."""
    use(trackier_emulator, monkeypatch, validate_responses="fail")
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/jobs", "change": "as_string", "field": "success"})
    hook = TrackierHook()

    async def poll() -> Any:
        client = await hook.async_client()
        async with client:
            return await hook.acall(client, "jobs.list")

    with pytest.raises(TrackierSchemaDriftError, match=r"success: expected boolean, got string"):
        asyncio.run(poll())


# ------------------------------------------------------------------------------------------------ settings
def test_the_operator_argument_wins_over_the_connection(trackier_emulator, monkeypatch) -> None:
    use(trackier_emulator, monkeypatch, validate_responses="fail")
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/categories", "change": "remove", "field": "name",
                                 "records": "categories"})
    ctx = context()
    assert TrackierFetchCategoriesOperator(task_id="t", validate_responses="off").execute(ctx)
    assert XCOM_KEY not in ctx["ti"].xcom
    with pytest.raises(TrackierSchemaDriftError):
        TrackierFetchCategoriesOperator(task_id="t").execute(context())


def test_off_by_default_checks_nothing(trackier_emulator, monkeypatch) -> None:
    use(trackier_emulator, monkeypatch)
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/categories", "change": "remove", "field": "name",
                                 "records": "categories"})
    ctx = context()
    operator = TrackierFetchCategoriesOperator(task_id="t")
    assert operator.execute(ctx)
    assert operator.hook.settings.validate_responses == "off" and operator.hook.responses is None
    assert XCOM_KEY not in ctx["ti"].xcom


def test_a_bad_mode_fails_before_any_request(trackier_emulator, monkeypatch) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchCategoriesOperator(task_id="t", validate_responses="loud")
    assert info.value.field == "validate_responses" and "off, warn, fail" in str(info.value)
    with pytest.raises(TrackierConfigError):
        TrackierHook(validate_responses="strict")
    use(trackier_emulator, monkeypatch, validate_responses="loud")
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchCategoriesOperator(task_id="t").execute(context())
    assert info.value.field == "connection extra 'validate_responses'"
    assert trackier_emulator.requests == []


# ------------------------------------------------------------------------------------------------ secrets
def test_summaries_never_carry_a_secret(trackier_emulator, monkeypatch, caplog) -> None:
    """Drifting values that hold credentials: a security token of the wrong type, a URL with a key in it, and
    the login answer's key as an object. Examples are masked in logs and errors; XCom holds no value at all."""
    use(trackier_emulator, monkeypatch, validate_responses="warn")
    advertiser = {"id": 1, "name": "A", "created": "2023-01-01", "email": "a@example.com", "hashId": "h",
                  "meta": {"security_token": 7}, "fallbackUrl": [f"https://t.example/pb?security_token={CANARY}"],
                  "status": "archived"}
    trackier_emulator.add_fault([
        {"kind": "replace_body", "path": "/v2/advertisers", "times": 1,
         "body": json.dumps({"advertisers": [advertiser], "lastId": None})},
        {"kind": "replace_body", "path": "/v2/login", "times": 1, "body": json.dumps({"success": True, "data": {
            "key": {"value": CANARY}, "user": {"id": 1}}})},
    ])
    hook = TrackierHook()
    assert len(list(hook.records("advertisers.list"))) == 10  # the replaced first page, then the emulator's
    hook.call("auth.login", body={"email": "admin@example.com", "password": "Emulator@123", "networkUrl": "x"})
    report = hook.responses.report  # type: ignore[union-attr]
    text = "\n".join(report.lines())
    assert "advertisers[].meta.security_token: expected string, got integer in 1 of 10 records, e.g. ***" in text
    assert ('advertisers[].fallbackUrl: expected string or null, got array in 1 of 10 records, '
            'e.g. ["https://t.example/pb?security_token=***"]') in text
    assert ("advertisers[].status: expected one of active, pending, disabled, rejected, got string outside the "
            'list in 1 of 10 records, e.g. "archived"') in text  # not a credential: shown
    assert "data.key: expected string, got object in 1 of 1 answer, e.g. ***" in text
    assert CANARY not in text
    assert CANARY not in json.dumps(report.to_xcom()) and "archived" not in json.dumps(report.to_xcom())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"security_token={CANARY}" not in logged and '"value": "' + CANARY not in logged

    trackier_emulator.add_fault({"kind": "replace_body", "path": "/v2/login", "body": json.dumps(
        {"success": True, "data": {"key": [CANARY]}})})
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        trackier_emulator.base_url, trackier_emulator.api_key, validate_responses="fail"))
    with pytest.raises(TrackierSchemaDriftError) as info:
        TrackierHook().call("auth.login", body={"email": "admin@example.com", "password": "Emulator@123",
                                                "networkUrl": "x"})
    assert "data.key: expected string, got array, e.g. ***" in str(info.value) and CANARY not in str(info.value)
