"""Ids that are path segments can never change the endpoint: ``.``, ``..``, empty, slashes and control
characters are refused with ``TrackierConfigError`` naming the field, before any request, by the one
path builder (``trackier_provider.paths``) that operators, the job sensor and the job trigger share (the
sensor's and trigger's cases are in tests/sensors/test_job.py and tests/triggers/test_job.py)."""

from __future__ import annotations

import pytest

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.operators.advertisers import TrackierFetchAdvertiserCapsOperator
from trackier_provider.operators.campaigns import TrackierFetchCampaignPayoutsOperator
from trackier_provider.operators.categories import TrackierDeleteCategoryOperator, TrackierUpdateCategoryOperator
from trackier_provider.paths import build_path

BAD_IDS = [".", "..", " .. ", "a/b", "/", "1\n2", "a\tb", "a\x00b", "a\\b", True, 1.5, [1]]
BAD_IDS_IDS = [repr(v) for v in BAD_IDS]


def _operators(bad):
    return [
        ("category_id", TrackierUpdateCategoryOperator(task_id="u", category_id=bad, name="x")),
        ("category_id", TrackierDeleteCategoryOperator(task_id="d", category_id=bad)),
        ("campaign_id", TrackierFetchCampaignPayoutsOperator(task_id="p", campaign_id=bad)),
        ("advertiser_id", TrackierFetchAdvertiserCapsOperator(task_id="c", advertiser_id=bad)),
    ]


@pytest.mark.parametrize("bad", BAD_IDS, ids=BAD_IDS_IDS)
def test_operators_refuse_path_changing_ids(trackier_conn, context, bad) -> None:
    for field, op in _operators(bad):
        with pytest.raises(TrackierConfigError) as info:
            op.execute(context)
        assert info.value.field == field, op.task_id
    assert trackier_conn.requests == []
    assert trackier_conn.store.categories.deleted == set()


@pytest.mark.parametrize("missing", [None, "", "   "], ids=repr)
def test_a_missing_id_is_required(trackier_conn, context, missing) -> None:
    for field, op in _operators(missing)[:3]:  # no advertiser_id means every advertiser's caps
        with pytest.raises(TrackierConfigError, match=r"is required|is empty") as info:
            op.execute(context)
        assert info.value.field == field
    assert trackier_conn.requests == []


def test_an_id_with_percent_signs_stays_a_literal_id(trackier_conn, context) -> None:
    from trackier_provider.exceptions import TrackierNotFoundError

    with pytest.raises(TrackierNotFoundError):
        TrackierDeleteCategoryOperator(task_id="d", category_id="..%2F").execute(context)
    assert [r["path"] for r in trackier_conn.requests] == ["/v2/categories/..%2F"]


def test_build_path_quotes_one_segment() -> None:
    assert build_path("/v2/jobs/{job_id}", job_id="a b?c#d%e") == "/v2/jobs/a%20b%3Fc%23d%25e"
    assert build_path("/v2/campaigns/{campaign_id}/payouts", campaign_id=12) == "/v2/campaigns/12/payouts"
    with pytest.raises(TypeError):
        build_path("/v2/jobs/{job_id}", id="1")
