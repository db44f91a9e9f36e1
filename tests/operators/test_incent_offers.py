"""Incent offers: pubId and source required, filters, typed not-found."""

from __future__ import annotations

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError, TrackierNotFoundError
from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator


def test_offers_for_publisher_and_source(trackier_conn, context) -> None:
    offers = TrackierFetchIncentOffersOperator(
        task_id="o", pub_id=3, source="app-wall", filters={"geo": ["US"]}, page_size=5
    ).execute(context)
    assert offers and all("US" in o["countries"] for o in offers)
    assert all("pub_id=3" in o["trackingLink"] and "source=app-wall" in o["trackingLink"] for o in offers)
    query = api_calls(trackier_conn, "GET", "/v2/offers/incent")[0]["query"]
    assert query["pubId"] == ["3"] and query["filters[geo][]"] == ["US"]


@pytest.mark.parametrize(("pub_id", "source", "field"), [("", "s", "pub_id"), (3, None, "source")])
def test_required_before_any_request(trackier_conn, context, pub_id, source, field) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchIncentOffersOperator(task_id="o", pub_id=pub_id, source=source).execute(context)
    assert info.value.field == field
    assert trackier_conn.requests == []


def test_unknown_publisher(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError):
        TrackierFetchIncentOffersOperator(task_id="o", pub_id=4040, source="s").execute(context)


def test_memory_output(trackier_conn, context) -> None:
    url = "memory://trackier-tests/incent/offers.csv"
    result = TrackierFetchIncentOffersOperator(task_id="o", pub_id=1, source="s", output_path=url).execute(context)
    assert result["path"] == url and result["rows"] > 0
