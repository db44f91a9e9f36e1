"""``hook.api``: typed calls over HTTP to the emulator; checks before any request; lazy lists over all pages."""

from __future__ import annotations

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.api.calls import check_query, operation_named, prepare
from trackier_provider.api.catalogue import OPERATIONS
from trackier_provider.exceptions import TrackierConfigError, TrackierNotFoundError
from trackier_provider.hooks.trackier import TrackierHook


@pytest.fixture
def hook(trackier_conn) -> TrackierHook:
    return TrackierHook()


def test_a_keyset_list_reads_every_page_lazily(hook, trackier_conn) -> None:
    campaigns = hook.api.campaigns.list(filters={"status": "active"}, page_size=3)
    assert trackier_conn.requests == []  # nothing is sent before the first record is read
    ids = [c["id"] for c in campaigns]
    assert ids == sorted(ids) and len(ids) > 3
    pages = api_calls(trackier_conn, "GET", "/v2/campaigns")
    assert len(pages) == -(-len(ids) // 3) + 1  # keyset paging ends on an empty page
    assert pages[0]["query"]["filters[status]"] == ["active"]
    assert pages[1]["query"]["lastId"] == [str(ids[2])]


def test_a_page_list_and_its_total(hook, trackier_conn) -> None:
    coupons = list(hook.api.coupons.list(page_size=2))
    assert len(coupons) == len({c["code"] for c in coupons}) > 2
    pages = sorted(int(r["query"].get("page", ["1"])[0]) for r in api_calls(trackier_conn, "GET", "/v2/coupons"))
    assert pages[:2] == [1, 2]  # pages may be requested ahead, in any order


def test_an_unpaged_list_yields_its_records(hook, trackier_conn) -> None:
    payouts = list(hook.api.campaigns.payouts.list(campaign_id=2))
    assert payouts and all(p["campaignId"] == trackier_conn.store.campaigns.find(2)["hashId"] for p in payouts)
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/campaigns/2/payouts"]


def test_single_answers_and_typed_errors(hook, trackier_conn) -> None:
    assert hook.api.campaigns.get(campaign_id=3)["campaign"]["id"] == 3
    created = hook.api.categories.create(data={"name": "Typed"})["category"]
    assert hook.api.categories.get(category_id=created["_id"])["category"][0]["name"] == "Typed"
    hook.api.categories.delete(category_id=created["_id"])
    with pytest.raises(TrackierNotFoundError):
        hook.api.categories.get(category_id=created["_id"])


def test_query_values_are_sent_as_trackier_spells_them(hook, trackier_conn) -> None:
    day = trackier_conn.now().date().isoformat()
    rows = list(hook.api.reports.custom(group=["campaign_id"], kpi="clicks,payout", start=day, end=day))
    assert rows and set(rows[0]) >= {"campaign_id", "clicks", "payout"}
    query = trackier_conn.requests[0]["query"]
    assert query["group[]"] == ["campaign_id"] and query["kpi[]"] == ["clicks", "payout"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda api: api.campaigns.get(campaign_id=".."), "campaign_id"),
        (lambda api: api.campaigns.get(campaign_id="3/payouts"), "campaign_id"),
        (lambda api: list(api.campaigns.list(order_by="popularity")), "order_by"),
        (lambda api: list(api.campaigns.list(filters={"status": "sleeping"})), "filters.status"),
        (lambda api: list(api.campaigns.list(filters={"colour": "red"})), "filters.colour"),
        (lambda api: list(api.reports.campaign(kpi=["clicks", "likes"])), "kpi[1]"),
        (lambda api: list(api.incent_offers.list(pub_id=1, source=" ")), "source"),
        (lambda api: list(api.clicks.list(page_size=50)), "page_size"),
        (lambda api: list(api.conversions.list(start="2026-01-01 00:00:00", end="x", page_size=0)), "page_size"),
        (lambda api: api.conversions.find(txn_id="t", date="01/02/2026"), "date"),
        (lambda api: list(api.campaigns.timelines.list(start="2026-13-01")), "start"),
        (lambda api: api.publishers.create(data={"name": "N", "email": "n@example.com"}), "data.password"),
        (lambda api: api.campaigns.access.update(data={"campaign_ids": [1], "publisher_ids": [2], "type": "x"}),
         "data.type"),
        (lambda api: api.campaigns.thumbnail.update(campaign_id=1, data={"image": 7}), "data.image"),
        (lambda api: api.jobs.get(job_id=None), "job_id"),
    ],
)
def test_bad_input_fails_before_any_request(hook, trackier_conn, call, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        call(hook.api)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_the_generic_spelling_takes_trackier_names_and_brackets() -> None:
    operation = OPERATIONS["reports.subid"]
    assert check_query(operation, {"kpi[]": ["clicks"], "remove_zero_data": "true"}, by_arg=False) == {
        "kpi": ["clicks"], "remove_zero_data": True}
    with pytest.raises(TrackierConfigError) as info:
        check_query(operation, {"remove_zero_data": "maybe"}, by_arg=False, prefix="query.")
    assert info.value.field == "query.remove_zero_data"


def test_limit_in_the_query_is_the_page_size_of_a_list() -> None:
    call = prepare(OPERATIONS["coupons.list"], query={"limit": "25", "page": 3}, by_arg=False)
    assert call.page_size == 25 and dict(call.params) == {"page": 3}
    assert call.path == "/v2/coupons" and call.operation.pages is not None and call.operation.pages.records == "coupons"


def test_ids_are_checked_path_segments_named_by_their_keyword() -> None:
    call = prepare(OPERATIONS["campaigns.targetings.rules.update"],
                   {"campaign_id": 7, "targeting_id": "a b", "rule_id": "r%1"},
                   data={"variable": "os", "logic": "allow", "condition": "equals"})
    assert call.path == "/v2/campaigns/7/targetings/a%20b/rules/r%251"
    with pytest.raises(TrackierConfigError) as info:
        prepare(OPERATIONS["campaigns.caps.update"], {"campaign_id": 7})
    assert info.value.field == "path_params" and "cap_id" in info.value.problem


def test_unknown_operations_are_named_with_their_neighbours() -> None:
    with pytest.raises(TrackierConfigError) as info:
        operation_named("campaigns.caps.upsert")
    assert "campaigns.caps.create" in info.value.fix and "campaigns.caps.list" in info.value.fix
