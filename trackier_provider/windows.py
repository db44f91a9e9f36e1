"""Report windows: which span of time a task reads, in which timezone, as Trackier wants it spelled.

A window is half-open ``[start, end)`` in an IANA timezone. By default it is the run's data interval;
explicit ``start``/``end`` may be dates (``2026-11-23`` or ``20261123``: the whole day, Trackier's inclusive
end date), datetimes or ISO strings. ``lookback_days`` moves the start back so late status changes are read
again.

Aggregate reports (and other endpoints that take days) read whole days in the window's timezone, so a
window spelled as dates (``start_date``/``end_date``) must start and end at midnight there: any other window
is refused (it would silently read hours outside the window, or a day that has not ended yet), unless the
caller asked for ``align_days``, which moves both ends back to the start of their day: the report then reads
the whole days from the window's first day to the last day that had ended by the window's end (a
``02:00 -> 02:00`` daily interval reads the day it starts in).

Instants are compared on the timeline (a datetime's ``fold`` is kept, so the second 01:30 of a night the
clocks go back stays the second one); a naive datetime that is ambiguous or does not exist in the timezone
is refused, as is a timezone name that is not an IANA zone (``localtime``, ``posixrules``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import check_flag, check_number, require_text

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Dates a window may use: anything outside is a typo (``0026-11-20``) and would not be spelled
#: YYYY-MM-DD by ``strftime`` (years before 1000 lose their leading zeros).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 1, 1)
MAX_LOOKBACK_DAYS = 3660
#: Names the tz database ships that are not zones: aliases of the machine's own setting and build artefacts.
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
#: A day written without a time: ``YYYY-MM-DD`` or ``YYYYMMDD`` (Airflow's ``ds_nodash``).
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{4})(\d{2})(\d{2})", re.ASCII)
#: What a task that reads days can be told to do with a window that is not whole days.
ALIGN_HINT = (
    "Schedule the DAG at midnight in that timezone (e.g. CronDataIntervalTimetable('0 0 * * *', "
    "timezone='{tz}')), pass dates as start and end, or pass align_days=True to read the whole days from the "
    "window's first day to the last day that had ended by its end."
)


@dataclass(frozen=True)
class Window:
    """A half-open span ``[start, end)`` of aware datetimes in ``timezone``."""

    start: datetime
    end: datetime
    timezone: str

    @property
    def whole_days(self) -> bool:
        """True when the window starts and ends at the start of a day in its timezone."""
        return _is_day_start(self.start) and _is_day_start(self.end)

    def require_whole_days(self) -> None:
        """``TrackierConfigError`` (saying what to do) unless the window is whole days in its timezone."""
        if not self.whole_days:
            raise TrackierConfigError(
                "start/end",
                f"the window {self.start.isoformat()} to {self.end.isoformat()} does not start and end at "
                f"midnight in {self.timezone}, and this endpoint reads whole days: it would read hours outside "
                "the window, or a day that has not ended",
                ALIGN_HINT.format(tz=self.timezone),
            )

    @property
    def start_date(self) -> str:
        """First day, as the aggregate reports' ``start`` (YYYY-MM-DD); the window must be whole days."""
        self.require_whole_days()
        return self.start.strftime(DATE_FORMAT)

    @property
    def end_date(self) -> str:
        """Last day included, as the aggregate reports' inclusive ``end`` (YYYY-MM-DD); the window must be
        whole days."""
        self.require_whole_days()
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


@lru_cache(maxsize=1)
def iana_zones() -> frozenset[str]:
    """The IANA zone names this machine knows (tzdata and the system database), without ``NOT_ZONES``."""
    return frozenset(name for name in available_timezones() if name not in NOT_ZONES)


def zone(name: Any) -> ZoneInfo:
    """Look up an IANA timezone, with a clear error for a typo or an alias that is not a zone."""
    text = require_text("timezone", name)
    fix = "Use an IANA name such as 'UTC' or 'Europe/London'."
    if text in NOT_ZONES:
        raise TrackierConfigError("timezone", f"{text!r} is an alias of the machine's setting, not a zone", fix)
    try:
        found = ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        found = None
    if found is None or text not in iana_zones():
        raise TrackierConfigError("timezone", f"{text!r} is not an IANA timezone", fix) from None
    return found


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz`` (01:00 where the clocks skip midnight)."""
    wall = datetime(day.year, day.month, day.day, tzinfo=tz)
    return wall.astimezone(dt_timezone.utc).astimezone(tz)


def _is_day_start(moment: datetime) -> bool:
    start = _day_start(moment.date(), moment.tzinfo)  # type: ignore[arg-type]
    return start.timestamp() == moment.timestamp()


def _naive_in(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A naive datetime read as wall time in ``tz``; refused when that wall time is ambiguous or skipped."""
    first, second = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        skipped = first.astimezone(dt_timezone.utc).astimezone(tz).replace(tzinfo=None) != value
        problem = "does not exist" if skipped else "happens twice (the clocks go back)"
        raise TrackierConfigError(
            field, f"{value.isoformat()} {problem} in {tz.key}",
            "Pass an aware datetime (with its UTC offset, or fold=1 for the second one) or a time outside the "
            "change.",
        )
    return first


def check_lookback(days: Any) -> int:
    """``lookback`` as whole days in ``0..MAX_LOOKBACK_DAYS`` (``True`` is not a day)."""
    return int(check_number("lookback", days, whole=True, at_least=0, at_most=MAX_LOOKBACK_DAYS, required=True))


def parse_day_or_time(field: str, value: str) -> date | datetime:
    """``value`` as a date (``YYYY-MM-DD`` or ``YYYYMMDD``: the same day) or an ISO datetime."""
    text = require_text(field, value)
    day = _DAY.fullmatch(text)
    try:
        if day:
            return date(*(int(part) for part in day.groups() if part is not None))
        return datetime.fromisoformat(text)
    except ValueError:
        raise TrackierConfigError(
            field, f"{value!r} is not a date or datetime", "Use YYYY-MM-DD (or YYYYMMDD) or an ISO datetime."
        ) from None


def check_day(field: str, value: Any) -> str:
    """A day (a ``date``, ``YYYY-MM-DD`` or ``YYYYMMDD``) as ``YYYY-MM-DD``; a datetime or a time is refused
    rather than cut to its day."""
    day = value if isinstance(value, date) and not isinstance(value, datetime) else None
    if isinstance(value, str):
        parsed = parse_day_or_time(field, value)
        day = parsed if not isinstance(parsed, datetime) else None
    if day is None:
        raise TrackierConfigError(
            field, f"must be a date (YYYY-MM-DD or YYYYMMDD), got {value!r}", "Pass a date without a time."
        )
    return day.isoformat()


def _to_instant(value: Any, tz: ZoneInfo, field: str, *, is_end: bool) -> datetime:
    if isinstance(value, str):
        value = parse_day_or_time(field, value)
    if not isinstance(value, date):
        raise TrackierConfigError(field, f"expected a date, datetime or string, got {type(value).__name__}")
    if not EARLIEST <= (value.date() if isinstance(value, datetime) else value) < LATEST:
        raise TrackierConfigError(
            field, f"{value} is outside the years {EARLIEST.year}-{LATEST.year - 1}", "Check the year of the date."
        )
    if isinstance(value, datetime):
        # Airflow hands over pendulum datetimes, whose arithmetic drops a stdlib tz: use a plain datetime
        # (its fold kept: the second 01:30 of a night the clocks go back is an hour after the first).
        plain = datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
            tzinfo=value.tzinfo, fold=value.fold,
        )
        if plain.tzinfo is None or plain.utcoffset() is None:
            return _naive_in(plain.replace(tzinfo=None), tz, field)
        return plain.astimezone(tz)
    return _day_start(value + timedelta(days=1) if is_end else value, tz)


def resolve_window(
    start: Any = None,
    end: Any = None,
    *,
    context: Mapping[str, Any] | None = None,
    timezone: Any = "UTC",
    lookback_days: Any = 0,
    align_days: Any = False,
) -> Window:
    """The window a task reads: explicit ``start``/``end`` or the run's data interval, widened by lookback.

    ``align_days`` moves both ends back to the start of their day in ``timezone`` (see the module docstring);
    a window that then holds no day is refused.
    """
    tz = zone(timezone)
    lookback_days = check_lookback(lookback_days)
    align = check_flag("align_days", align_days)
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
    if finish.timestamp() == begin.timestamp() and from_interval:
        raise TrackierConfigError(
            "start/end",
            f"the run's data interval is empty ({begin.isoformat()} to itself)",
            "Airflow 3 gives cron schedules zero-length intervals by default: schedule the DAG with "
            "CronDataIntervalTimetable (or set [scheduler] create_cron_data_intervals = True), or pass "
            "start and end explicitly.",
        )
    if finish.timestamp() <= begin.timestamp():
        raise TrackierConfigError("end", f"{finish.isoformat()} is not after start {begin.isoformat()}")
    if align:
        given = f"{begin.isoformat()} to {finish.isoformat()}"
        begin, finish = _day_start(begin.date(), tz), _day_start(finish.date(), tz)
        if finish.timestamp() <= begin.timestamp():
            raise TrackierConfigError(
                "start/end", f"the window {given} holds no whole day in {tz.key} that had ended by its end",
                "Widen the window to include a midnight, or run the task once a day has ended.",
            )
    if lookback_days:
        begin = _day_start(begin.date() - timedelta(days=lookback_days), tz) if _is_day_start(begin) else (
            begin - timedelta(days=lookback_days))
    return Window(begin, finish, tz.key)


def zone_at_parse(timezone: Any) -> None:
    """At DAG parse time: a static ``timezone`` checked by ``zone``'s rule (a templated one when the task
    runs, after rendering; the machine's zone database is read, nothing else)."""
    if not (isinstance(timezone, str) and ("{{" in timezone or "{%" in timezone)):
        zone(timezone)


def day_window_at_parse(
    start: Any, end: Any, timezone: Any, *, align_days: Any = False, lookback_days: Any = 0
) -> Window | None:
    """For a task that reads whole days: the window of static ``start``/``end``/``timezone`` checked at DAG
    parse time (no I/O), or None when any of them is templated or left to the data interval."""
    values = (start, end, timezone)
    if any(v in (None, "") or (isinstance(v, str) and ("{{" in v or "{%" in v)) for v in values):
        return None
    window = resolve_window(start, end, timezone=timezone, align_days=align_days, lookback_days=lookback_days)
    window.require_whole_days()
    return window
