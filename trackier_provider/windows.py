"""Report windows: which span of time a task reads, in which timezone, as Trackier wants it spelled.

A window is half-open ``[start, end)`` in an IANA timezone. By default it is the run's data interval;
explicit ``start``/``end`` may be dates (``2026-11-23``: the whole day, Trackier's inclusive end date),
datetimes or ISO strings. ``lookback_days`` moves the start back so late status changes are read again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import check_number, require_text

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Dates a window may use: anything outside is a typo (``0026-11-20``) and would not be spelled
#: YYYY-MM-DD by ``strftime`` (years before 1000 lose their leading zeros).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 1, 1)
MAX_LOOKBACK_DAYS = 3660


@dataclass(frozen=True)
class Window:
    """A half-open span ``[start, end)`` of aware datetimes in ``timezone``."""

    start: datetime
    end: datetime
    timezone: str

    @property
    def start_date(self) -> str:
        """First day, as the aggregate reports' ``start`` (YYYY-MM-DD)."""
        return self.start.strftime(DATE_FORMAT)

    @property
    def end_date(self) -> str:
        """Last day included, as the aggregate reports' inclusive ``end`` (YYYY-MM-DD)."""
        return (self.end - timedelta(microseconds=1)).strftime(DATE_FORMAT)

    @property
    def start_datetime(self) -> str:
        """Start as the logs' ``start`` (YYYY-MM-DD HH:mm:ss)."""
        return self.start.strftime(DATETIME_FORMAT)

    @property
    def end_datetime(self) -> str:
        """Last second included, as the logs' inclusive ``end`` (YYYY-MM-DD HH:mm:ss)."""
        return (self.end - timedelta(seconds=1)).strftime(DATETIME_FORMAT)

    def describe(self) -> dict[str, str]:
        """The window for XCom and output metadata: ISO start/end and the timezone."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "timezone": self.timezone}


def zone(name: Any) -> ZoneInfo:
    """Look up an IANA timezone, with a clear error for a typo."""
    text = require_text("timezone", name)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        raise TrackierConfigError(
            "timezone", f"{text!r} is not an IANA timezone", "Use a name such as 'UTC' or 'Europe/London'."
        ) from None


def check_lookback(days: Any) -> int:
    """``lookback`` as whole days in ``0..MAX_LOOKBACK_DAYS`` (``True`` is not a day)."""
    return int(check_number("lookback", days, whole=True, at_least=0, at_most=MAX_LOOKBACK_DAYS, required=True))


def _to_instant(value: Any, tz: ZoneInfo, field: str, *, is_end: bool) -> datetime:
    if isinstance(value, str):
        text = require_text(field, value)
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise TrackierConfigError(
                field, f"{value!r} is not a date or datetime", "Use YYYY-MM-DD or an ISO datetime."
            ) from None
    if not isinstance(value, date):
        raise TrackierConfigError(field, f"expected a date, datetime or string, got {type(value).__name__}")
    if not EARLIEST <= (value.date() if isinstance(value, datetime) else value) < LATEST:
        raise TrackierConfigError(
            field, f"{value} is outside the years {EARLIEST.year}-{LATEST.year - 1}", "Check the year of the date."
        )
    if isinstance(value, datetime):
        # Airflow hands over pendulum datetimes, whose arithmetic drops a stdlib tz: use a plain datetime.
        plain = datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
            tzinfo=value.tzinfo,
        )
        return plain.astimezone(tz) if plain.tzinfo else plain.replace(tzinfo=tz)
    day = datetime(value.year, value.month, value.day, tzinfo=tz)
    return day + timedelta(days=1) if is_end else day


def resolve_window(
    start: Any = None,
    end: Any = None,
    *,
    context: Mapping[str, Any] | None = None,
    timezone: Any = "UTC",
    lookback_days: Any = 0,
) -> Window:
    """The window a task reads: explicit ``start``/``end`` or the run's data interval, widened by lookback."""
    tz = zone(timezone)
    lookback_days = check_lookback(lookback_days)
    context = context or {}
    from_interval = start in (None, "") and end in (None, "")
    if start in (None, ""):
        start = context.get("data_interval_start")
    if end in (None, ""):
        end = context.get("data_interval_end")
    if start is None or end is None:
        raise TrackierConfigError(
            "start/end",
            "no window given and the run has no data interval",
            "Pass start and end, or run the task in a DAG with a schedule.",
        )
    begin = _to_instant(start, tz, "start", is_end=False)
    finish = _to_instant(end, tz, "end", is_end=True)
    if finish == begin and from_interval:
        raise TrackierConfigError(
            "start/end",
            f"the run's data interval is empty ({begin.isoformat()} to itself)",
            "Airflow 3 gives cron schedules zero-length intervals by default: schedule the DAG with "
            "CronDataIntervalTimetable (or set [scheduler] create_cron_data_intervals = True), or pass "
            "start and end explicitly.",
        )
    if finish <= begin:
        raise TrackierConfigError("end", f"{finish.isoformat()} is not after start {begin.isoformat()}")
    return Window(begin - timedelta(days=lookback_days), finish, tz.key)
