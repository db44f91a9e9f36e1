"""Campaign operators: filtered keyset listing, create-if-absent, timeline and payouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.operators.conftest import PANEL_URL, api_calls
from trackier_provider.exceptions import (
    TrackierConfigError,
    TrackierNotFoundError,
    TrackierObjectExistsError,
    TrackierValidationError,
)
from trackier_provider.operators.campaigns import (
    TrackierCreateCampaignOperator,
    TrackierFetchCampaignPayoutsOperator,
    TrackierFetchCampaignsOperator,
    TrackierFetchCampaignTimelineOperator,
)

PAYOUTS = [{"payout": 1.2, "revenue": 1.5, "geo": ["US"]}]


def _create(**overrides):
    args = {
        "task_id": "create", "advertiser_id": "2", "title": "Black Friday", "url": "https://x.example/?c={click_id}",
        "currency": "USD", "conv_tracking": "postback", "payouts": PAYOUTS,
    }
    return TrackierCreateCampaignOperator(**{**args, **overrides})


def test_fetch_all_pages_with_status_filter(trackier_conn, context) -> None:
    campaigns = TrackierFetchCampaignsOperator(task_id="c", status="active", page_size=5).execute(context)
    assert len(campaigns) > 5
    assert all(c["status"] == "active" for c in campaigns)
    assert len({c["id"] for c in campaigns}) == len(campaigns)
    calls = api_calls(trackier_conn, "GET", "/v2/campaigns")
    assert len(calls) >= 2
    assert calls[0]["query"]["filters[status]"] == ["active"]
    assert calls[1]["query"]["lastId"] == [str(campaigns[4]["id"])]


def test_fetch_by_geo_and_advertiser(trackier_conn, context) -> None:
    campaigns = TrackierFetchCampaignsOperator(task_id="c", geo="US", advertiser=["3"]).execute(context)
    assert campaigns
    assert all("US" in c["geo"] and c["advertiserId"] == "3" for c in campaigns)
    query = api_calls(trackier_conn, "GET", "/v2/campaigns")[0]["query"]
    assert query["filters[geo][]"] == ["US"] and query["advertiser[]"] == ["3"]


def test_fetch_to_csv(trackier_conn, context, tmp_path: Path) -> None:
    out = tmp_path / "campaigns.csv"
    result = TrackierFetchCampaignsOperator(task_id="c", output_path=str(out)).execute(context)
    assert result == {"path": str(out), "rows": 50, "start": None, "end": None, "timezone": None}
    assert len(out.read_text().splitlines()) == 51


def test_bad_filter_fails_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="status"):
        TrackierFetchCampaignsOperator(task_id="c", status="live").execute(context)
    assert trackier_conn.requests == []


def test_xcom_row_cap(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchCampaignsOperator(task_id="c", max_xcom_rows=10).execute(context)
    assert info.value.field == "max_xcom_rows"
    assert "output_path" in info.value.fix
    assert len(TrackierFetchCampaignsOperator(task_id="c", max_xcom_rows=50).execute(context)) == 50


def test_create_then_return_existing(panel_conn, context) -> None:
    first = _create().execute(context)
    assert first["title"] == "Black Friday" and first["advertiserId"] == "2"
    assert context["ti"].xcom["created"] is True
    assert context["ti"].xcom["trackier_panel_url"] == f"{PANEL_URL}/admin/campaigns/{first['id']}"
    again = _create().execute(context)
    assert again["id"] == first["id"]
    assert context["ti"].xcom["created"] is False
    assert len(api_calls(panel_conn, "POST", "/v2/campaigns")) == 1
    assert [c["title"] for c in panel_conn.store.campaigns.values()] == ["Black Friday"]


def test_same_title_other_advertiser_is_created(trackier_conn, context) -> None:
    _create().execute(context)
    _create(advertiser_id="4").execute(context)
    assert len(trackier_conn.store.campaigns) == 2


def test_if_exists_fail_and_create(trackier_conn, context) -> None:
    _create().execute(context)
    with pytest.raises(TrackierObjectExistsError, match="Black Friday"):
        _create(if_exists="fail").execute(context)
    _create(if_exists="create").execute(context)
    assert len(trackier_conn.store.campaigns) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"url": "  "}, "url"),
        ({"payouts": []}, "payouts"),
        ({"payouts": [{"payout": "one", "revenue": 1, "geo": []}]}, "payouts[0].payout"),
        ({"conv_tracking": "pixel"}, "conv_tracking"),
    ],
)
def test_required_fields_checked_before_any_request(trackier_conn, context, overrides, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        _create(**overrides).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_server_validation_error(trackier_conn, context) -> None:
    with pytest.raises(TrackierValidationError) as info:
        _create(advertiser_id="777").execute(context)
    assert info.value.code == "107" and "advertiserId" in info.value.message


def test_timeline(trackier_conn, context, tmp_path: Path) -> None:
    out = tmp_path / "timeline.jsonl"
    result = TrackierFetchCampaignTimelineOperator(
        task_id="t", start="2023-01-01", end="2023-01-31", output_path=str(out)
    ).execute(context)
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert result["rows"] == len(events) > 0
    assert result["timezone"] == "UTC"
    assert all("2023-01-01" <= e["created"][:10] <= "2023-01-31" for e in events)
    assert api_calls(trackier_conn, "GET", "/v2/campaigns/timelines")[0]["query"]["end"] == ["2023-01-31"]


def test_payouts_and_panel_link(panel_conn, context) -> None:
    payouts = TrackierFetchCampaignPayoutsOperator(task_id="p", campaign_id="5").execute(context)
    assert payouts and all("payout" in p for p in payouts)
    assert context["ti"].xcom["trackier_panel_url"] == f"{PANEL_URL}/admin/campaigns/5"


def test_payouts_not_found(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError):
        TrackierFetchCampaignPayoutsOperator(task_id="p", campaign_id="4242").execute(context)


def test_payouts_needs_an_id(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="campaign_id"):
        TrackierFetchCampaignPayoutsOperator(task_id="p", campaign_id="").execute(context)
    assert trackier_conn.requests == []


def test_templates_render_with_context(trackier_conn, context) -> None:
    op = _create(title="Sale {{ ds }}", payouts=[{"payout": 1, "revenue": 2, "geo": ["{{ params.geo }}"]}])
    op.render_template_fields({**context, "ds": "2026-11-20", "params": {"geo": "IN"}})
    assert op.title == "Sale 2026-11-20"
    assert op.payouts == [{"payout": 1, "revenue": 2, "geo": ["IN"]}]
    assert op.execute(context)["geo"] == ["IN"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"advertiser_id": True}, "advertiser_id"), ({"title": 5}, "title"), ({"fields": "x"}, "fields"),
     ({"fields": {"note": float("nan")}}, "fields.note"), ({"conv_tracking": ["postback"]}, "conv_tracking"),
     ({"payouts": [{"payout": 1, "revenue": 1, "geo": [None]}]}, "payouts[0].geo[0]")],
)
def test_bad_campaign_fields_before_any_request(trackier_conn, context, overrides, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        _create(**overrides).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_timeline_is_utc_only() -> None:
    with pytest.raises(TrackierConfigError, match="timezone"):
        TrackierFetchCampaignTimelineOperator(task_id="t", timezone="Asia/Kolkata")
    assert TrackierFetchCampaignTimelineOperator(task_id="t", timezone="UTC").timezone == "UTC"


def test_geo_and_advertiser_lists_are_checked_element_by_element(trackier_conn, context) -> None:
    for kwargs, field in (({"geo": [None]}, "geo[0]"), ({"advertiser": [["1"]]}, "advertiser[0]")):
        with pytest.raises(TrackierConfigError) as info:
            TrackierFetchCampaignsOperator(task_id="c", **kwargs).execute(context)
        assert info.value.field == field
    assert trackier_conn.requests == []
