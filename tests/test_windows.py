"""Report windows: defaults from the data interval, explicit dates, timezones, lookback."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pendulum
import pytest

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.windows import resolve_window


def test_data_interval_from_pendulum_keeps_its_timezone():
    context = {
        "data_interval_start": pendulum.datetime(2026, 11, 20, tz="UTC"),
        "data_interval_end": pendulum.datetime(2026, 11, 21, tz="UTC"),
    }
    w = resolve_window(context=context, lookback_days=7)
    assert w.describe() == {
        "start": "2026-11-13T00:00:00+00:00",
        "end": "2026-11-21T00:00:00+00:00",
        "timezone": "UTC",
    }
    assert (w.start_date, w.end_date) == ("2026-11-13", "2026-11-20")
    assert (w.start_datetime, w.end_datetime) == ("2026-11-13 00:00:00", "2026-11-20 23:59:59")


def test_dates_are_whole_days_in_the_timezone():
    w = resolve_window("2026-11-20", date(2026, 11, 20), timezone="Asia/Kolkata")
    assert w.start.isoformat() == "2026-11-20T00:00:00+05:30"
    assert w.end.isoformat() == "2026-11-21T00:00:00+05:30"
    assert w.end_date == "2026-11-20"


def test_instants_are_converted_to_the_report_timezone():
    w = resolve_window(
        datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 11, 21, tzinfo=timezone.utc),
        timezone="America/New_York",
    )
    assert w.start_datetime == "2026-11-19 19:00:00"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": "2026-11-21", "end": "2026-11-20"}, "end"),
        ({"start": "yesterday", "end": "2026-11-20"}, "start"),
        ({"start": "2026-11-20", "end": "2026-11-21", "timezone": "Mars/Olympus"}, "timezone"),
        ({"start": "2026-11-20", "end": "2026-11-21", "lookback_days": -1}, "lookback"),
        ({}, "start/end"),
    ],
)
def test_bad_windows_name_the_field(kwargs, field):
    with pytest.raises(TrackierConfigError) as info:
        resolve_window(**kwargs)
    assert info.value.field == field


def test_empty_data_interval_explains_airflow_3_cron_default():
    moment = pendulum.datetime(2026, 11, 20, tz="UTC")
    with pytest.raises(TrackierConfigError, match="CronDataIntervalTimetable"):
        resolve_window(context={"data_interval_start": moment, "data_interval_end": moment})
