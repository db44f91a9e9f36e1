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


def test_yyyymmdd_is_the_same_day_as_yyyy_mm_dd():
    assert resolve_window("20261129", "20261130") == resolve_window("2026-11-29", "2026-11-30")
    assert resolve_window("20261129", "20261130").end_date == "2026-11-30"


def test_fold_is_kept_and_instants_compare_on_the_timeline():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/New_York")
    first, second = (datetime(2026, 11, 1, 1, 30, tzinfo=tz, fold=f) for f in (0, 1))
    assert resolve_window(first, second, timezone="UTC").describe()["start"] == "2026-11-01T05:30:00+00:00"
    w = resolve_window(first, second, timezone="America/New_York")  # an hour, though both read 01:30
    assert w.end.timestamp() - w.start.timestamp() == 3600
    with pytest.raises(TrackierConfigError, match="not after"):
        resolve_window(second, first, timezone="America/New_York")


@pytest.mark.parametrize("naive", [datetime(2026, 11, 1, 1, 30), datetime(2026, 3, 8, 2, 30)])
def test_naive_wall_times_that_are_ambiguous_or_skipped_are_refused(naive):
    with pytest.raises(TrackierConfigError) as info:
        resolve_window(naive, datetime(2026, 11, 30), timezone="America/New_York")
    assert info.value.field == "start"


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", "posix/UTC", "right/UTC", "utc"])
def test_names_that_are_not_iana_zones_are_refused(name):
    with pytest.raises(TrackierConfigError) as info:
        resolve_window("2026-11-20", "2026-11-20", timezone=name)
    assert info.value.field == "timezone"


def test_dates_are_refused_for_a_window_off_midnight_unless_aligned():
    interval = {"data_interval_start": datetime(2026, 12, 3, 2, tzinfo=timezone.utc),
                "data_interval_end": datetime(2026, 12, 4, 2, tzinfo=timezone.utc)}
    off = resolve_window(context=interval)
    assert off.start_datetime == "2026-12-03 02:00:00"  # the logs take the instants as they are
    with pytest.raises(TrackierConfigError, match="align_days=True"):
        off.start_date  # noqa: B018 - the property is the check
    aligned = resolve_window(context=interval, align_days=True, lookback_days=2)
    assert (aligned.start_date, aligned.end_date) == ("2026-12-01", "2026-12-03")  # Dec 4 had not ended


def test_aligned_days_follow_the_timezone_across_a_clock_change():
    aligned = resolve_window("2026-11-01T02:00:00-05:00", "2026-11-02T02:00:00-05:00", timezone="America/New_York",
                             align_days=True)
    assert aligned.describe() == {"start": "2026-11-01T00:00:00-04:00", "end": "2026-11-02T00:00:00-05:00",
                                  "timezone": "America/New_York"}
    assert (aligned.start_date, aligned.end_date) == ("2026-11-01", "2026-11-01")
