"""Advertiser caps: one advertiser or all of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operators.conftest import PANEL_URL, api_calls
from trackier_provider.exceptions import TrackierNotFoundError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.advertisers import TrackierFetchAdvertiserCapsOperator


@pytest.fixture
def caps(trackier_conn):
    hook = TrackierHook()
    for advertiser, daily in (("2", 10), ("2", 20), ("5", 30)):
        hook.call("advertisers.caps.create", ids={"advertiser_id": advertiser},
                  body={"type": "conversions", "daily": daily})
    hook.close()
    trackier_conn.clear_requests()
    return trackier_conn


def test_caps_of_one_advertiser(caps, panel_conn, context) -> None:
    result = TrackierFetchAdvertiserCapsOperator(task_id="c", advertiser_id="2").execute(context)
    assert sorted(c["daily"] for c in result) == [10, 20]
    assert {c["advertiserId"] for c in result} == {"2"}
    assert context["ti"].xcom["trackier_panel_url"] == f"{PANEL_URL}/admin/advertisers/2"


def test_caps_of_all_advertisers(caps, context, tmp_path: Path) -> None:
    out = tmp_path / "caps.csv"
    result = TrackierFetchAdvertiserCapsOperator(task_id="c", output_path=str(out)).execute(context)
    assert result["rows"] == 3
    assert len(api_calls(caps, "GET", "/v2/advertisers")) >= 1
    assert len([r for r in caps.requests if r["path"].endswith("/caps")]) == 10  # every seeded advertiser
    assert out.read_text().splitlines()[0].split(",")[0] == "_id"


def test_unknown_advertiser(trackier_conn, context) -> None:
    with pytest.raises(TrackierNotFoundError) as info:
        TrackierFetchAdvertiserCapsOperator(task_id="c", advertiser_id="999").execute(context)
    assert info.value.code == "109"


def test_advertiser_id_templated(caps, context) -> None:
    op = TrackierFetchAdvertiserCapsOperator(task_id="c", advertiser_id="{{ params.adv }}")
    op.render_template_fields({**context, "params": {"adv": "5"}})
    assert [c["daily"] for c in op.execute(context)] == [30]
