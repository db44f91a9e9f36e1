"""PHP-style query encoding."""

from __future__ import annotations

from datetime import date, datetime

from trackier_provider.hooks.params import encode_params


def test_nested_filters_and_lists():
    pairs = encode_params(
        {"kpi": ["clicks", "revenue"], "filters": {"status": "active", "geo": ["IN", "US"]}, "limit": 10}
    )
    assert pairs == [
        ("kpi[]", "clicks"),
        ("kpi[]", "revenue"),
        ("filters[status]", "active"),
        ("filters[geo][]", "IN"),
        ("filters[geo][]", "US"),
        ("limit", "10"),
    ]


def test_already_bracketed_keys_none_and_scalars():
    pairs = encode_params(
        {"camp_ids[]": [1, 2], "skip": None, "remove_zero_data": True, "start": date(2026, 1, 2),
         "at": datetime(2026, 1, 2, 3, 4, 5)}
    )
    assert pairs == [
        ("camp_ids[]", "1"),
        ("camp_ids[]", "2"),
        ("remove_zero_data", "true"),
        ("start", "2026-01-02"),
        ("at", "2026-01-02 03:04:05"),
    ]
