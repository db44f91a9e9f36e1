"""The emulator's Trackier-like limits per endpoint group: 429 + Retry-After once a group's budget is spent,
other groups unaffected (the limits the provider's budgets are tested against)."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Api, error_of

REPORT = ("/v2/reports/campaign", {"start": "2026-11-20", "end": "2026-11-20"})
LOG = ("/v2/network/conversions", {"start": "2026-11-20 00:00:00", "end": "2026-11-20 00:59:59", "limit": 100})


@pytest.fixture
def limits(api: Api):
    yield api.emulator
    api.emulator.set_rate_limit(None)


def test_reports_have_their_own_budget(api: Api, limits) -> None:
    limits.set_rate_limit({"reports_per_minute": 3})
    statuses = [api.get(*REPORT).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.get(*REPORT)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert error_of(refused)["statusCode"] == 429
    assert api.get(*LOG).status_code == 200  # logs are another group
    assert api.get("/v2/campaigns", {"limit": 1}).status_code == 200


def test_logs_have_their_own_budget(api: Api, limits) -> None:
    limits.set_rate_limit({"logs_per_minute": 2, "retry_after": "7"})
    assert [api.get(*LOG).status_code for _ in range(3)] == [200, 200, 429]
    assert api.get(*LOG).headers["Retry-After"] == "7"
    assert api.get(*REPORT).status_code == 200


@pytest.mark.parametrize(
    "spec", [{"reports_per_minute": 0}, {"reports_per_minute": True}, {"colours_per_minute": 3}, {}, [1]]
)
def test_bad_limits_are_refused(api: Api, limits, spec) -> None:
    from trackier_provider.emulator.errors import ApiError

    with pytest.raises(ApiError):
        limits.set_rate_limit(spec)
