"""Aggregate reports: shapes, KPIs, groups, filters, zone, and the settle rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.emulator.conftest import Api, error_of

DEFAULT_KPIS = ["clicks", "approvedConversions", "payout", "revenue", "profit"]


def past_day(api: Api, days: int = 3) -> str:
    return (api.emulator.now().date() - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("kind", "columns"), [
    ("campaign", ["campaign_name", "campaign_id"]),
    ("publisher", ["publisher", "publisher_id"]),
    ("advertiser", ["advertiser", "advertiser_id"]),
    ("daily", ["created"]),
    ("goal", ["campaign_name", "campaign_id", "goal_name", "goal_id"]),
    ("custom", ["campaign_name", "campaign_id"]),
    ("subid", ["campaign_name", "campaign_id"]),
])
def test_report_shapes(api: Api, kind: str, columns: list[str]) -> None:
    day = past_day(api)
    response = api.get(f"/v2/reports/{kind}", {"start": day, "end": day})
    assert response.status_code == 200
    records = response.json()["records"]
    assert records
    assert list(records[0]) == [*columns, "currency", *DEFAULT_KPIS]
    for row in records:
        assert round(row["revenue"] - row["payout"], 2) == row["profit"]


def test_custom_groups_and_kpis(api: Api) -> None:
    day = past_day(api)
    records = api.get("/v2/reports/custom", {"start": day, "end": day, "group[]": ["country", "os"],
                                             "kpi[]": ["grossClicks", "rejectedClicks", "grossConversions"]}).json()
    rows = records["records"]
    assert list(rows[0]) == ["country", "os", "currency", "grossClicks", "rejectedClicks", "grossConversions"]
    total_clicks = sum(r["grossClicks"] for r in rows)
    assert total_clicks == 6000  # clicks_per_day of the test emulator, one full UTC day


def test_ids_filters(api: Api) -> None:
    day = past_day(api)
    rows = api.get("/v2/reports/campaign", {"start": day, "end": day, "camp_ids[]": ["2", "5"]}).json()["records"]
    assert {r["campaign_id"] for r in rows} == {2, 5}
    pubs = api.get("/v2/reports/publisher", {"start": day, "end": day, "pub_ids[]": ["4"]}).json()["records"]
    assert {r["publisher_id"] for r in pubs} == {4}


def test_invalid_kpi_uses_single_object_errors(api: Api) -> None:
    response = api.get("/v2/reports/campaign", {"kpi[]": ["clicks", "bogus"]})
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["errors"], dict)  # the spec's report error envelope is one object
    assert body["errors"]["message"].startswith('"kpi[1]" must be one of')


def test_report_agrees_with_conversion_log(api: Api) -> None:
    day = past_day(api, 4)
    approved = sum(r["approvedConversions"] for r in api.get(
        "/v2/reports/daily", {"start": day, "end": day}).json()["records"])
    log = api.get("/v2/network/conversions", {"start": f"{day} 00:00:00", "end": f"{day} 23:59:59",
                                              "status": "approved", "limit": 100}).json()
    assert approved == log["pagination"]["total"] > 0


def test_zone_moves_the_day_window(api: Api) -> None:
    day = past_day(api)
    utc = api.get("/v2/reports/custom", {"start": day, "end": day, "group[]": ["hour"], "kpi[]": ["grossClicks"]})
    kolkata = api.get("/v2/reports/custom", {"start": day, "end": day, "group[]": ["hour"],
                                             "kpi[]": ["grossClicks"], "zone": "Asia/Kolkata"})
    by_hour_utc = {r["hour"] for r in utc.json()["records"]}
    assert by_hour_utc == set(range(24))
    assert utc.json() != kolkata.json()
    assert error_of(api.get("/v2/reports/daily", {"zone": "Mars/Base"}))["code"] == "107"


def _figures(api: Api, day: str) -> dict[str, int]:
    rows = api.get("/v2/reports/daily", {"start": day, "end": day, "kpi[]": [
        "approvedConversions", "pendingConversions", "grossConversions"]}).json()["records"]
    return {k: sum(r[k] for r in rows) for k in ("approvedConversions", "pendingConversions", "grossConversions")}


def test_figures_change_while_settling_then_stay_put(api: Api) -> None:
    emu = api.emulator
    now = emu.now()
    day: date = now.date()
    closed = datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc)
    emu.advance_clock((closed - now).total_seconds() + 600)  # the window closed 10 minutes ago
    first = _figures(api, day.isoformat())
    emu.advance_clock(900)
    second = _figures(api, day.isoformat())
    assert first != second  # late conversions / pending -> approved within settle_seconds
    assert second["approvedConversions"] > first["approvedConversions"]
    emu.advance_clock(3600)  # now more than settle_seconds after the window closed
    settled = _figures(api, day.isoformat())
    emu.advance_clock(7200)
    assert _figures(api, day.isoformat()) == settled
    assert settled["pendingConversions"] == 0


def test_open_window_grows(api: Api) -> None:
    today = api.emulator.now().date().isoformat()
    before = _figures(api, today)["grossConversions"]
    api.emulator.advance_clock(-3 * 3600)  # look at the same day three hours earlier
    assert _figures(api, today)["grossConversions"] < before
