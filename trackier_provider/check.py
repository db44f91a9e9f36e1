"""``trackier-check``: does your Trackier panel answer the way the provider expects?

Every read-only operation the provider wraps is called once, with a small page and valid parameters (the ids
of campaigns, publishers, advertisers and jobs taken from the list answers), and its answer is checked
against the provider's schemas (``trackier_provider.schemas``). The result is a table: operation, HTTP
status, records checked, and the drift found, each drift with what the schema expects, what came, in how
many records and one example value (credentials masked). Only GET requests are sent: nothing is created,
edited or deleted.

``trackier-check --conn-id trackier_default [--date YYYY-MM-DD] [--only OP] [--skip OP] [--json]``: the
connection is read the way Airflow reads it (environment variable ``AIRFLOW_CONN_...``, secrets backend or
metadata database). ``--json`` prints the result as JSON (counts and field paths, never a value), for CI.
Exit status: 0 when every operation answered without drift, 1 when any answer drifted, 2 when an
operation could not be checked (an error answer, no connection) and none drifted. The same check runs
in a DAG as ``TrackierSchemaCheckOperator``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierAuthenticationError,
    TrackierError,
    TrackierIPNotWhitelistedError,
)
from trackier_provider.schemas.validation import Drift, OperationTally, drift_text

if TYPE_CHECKING:
    from trackier_provider.hooks.trackier import TrackierHook

#: Ids a probe may need, by kind: the list operation that lists them and the id field of its records. A path
#: id is found by its keyword (``campaign_id`` -> ``campaign``).
SOURCES: dict[str, tuple[str, str]] = {
    "campaign": ("campaigns.list", "id"),
    "publisher": ("publishers.list", "id"),
    "advertiser": ("advertisers.list", "id"),
    "job": ("jobs.list", "_id"),
}
SMALL_PAGE = 5
#: The smallest page the log lists accept.
LOG_PAGE = 100
SOURCE = "trackier-check"
OK, DRIFT, ERROR, SKIPPED = "ok", "drift", "error", "skipped"
EXIT = {OK: 0, DRIFT: 1, ERROR: 2}


@dataclass(frozen=True)
class Probe:
    """One read-only call: the operation, its query for the checked day (given the ids found so far), and
    the kinds of id (``SOURCES``) its query needs besides those of its path."""

    operation: str
    query: Callable[[date, Mapping[str, str]], dict[str, Any]] = lambda day, ids: {}
    needs: tuple[str, ...] = ()

    def kinds(self) -> list[str]:
        """Every kind of id this call needs: its path's, then its query's."""
        return [p.arg.removesuffix("_id") for p in OPERATIONS[self.operation].path_params] + list(self.needs)


def _window(day: date, ids: Mapping[str, str]) -> dict[str, Any]:
    return {"start": day.isoformat(), "end": day.isoformat(), "zone": "UTC"}


def _week(day: date, ids: Mapping[str, str]) -> dict[str, Any]:
    return {"start": (day - timedelta(days=6)).isoformat(), "end": day.isoformat(), "limit": SMALL_PAGE, "page": 1}


#: In order: the lists that give ids come before the calls that need them.
PROBES: tuple[Probe, ...] = (
    Probe("campaigns.list", lambda day, ids: {"limit": SMALL_PAGE}),
    Probe("publishers.list", lambda day, ids: {"limit": SMALL_PAGE}),
    Probe("advertisers.list", lambda day, ids: {"limit": SMALL_PAGE}),
    Probe("campaigns.timelines.list", _week),
    Probe("campaigns.payouts.list"),
    Probe("campaigns.caps.list"),
    Probe("campaigns.access.list", lambda day, ids: {"filters": {"campaignIds": [ids["campaign"]]}},
          needs=("campaign",)),
    Probe("advertisers.caps.list"),
    Probe("conversions.list", lambda day, ids: {"start": f"{day} 00:00:00", "end": f"{day} 23:59:59", "zone": "UTC",
                                                "limit": LOG_PAGE, "page": 1}),
    Probe("clicks.list", lambda day, ids: {**_window(day, ids), "limit": LOG_PAGE}),
    Probe("coupons.list", lambda day, ids: {"limit": SMALL_PAGE, "page": 1}),
    Probe("incent_offers.list", lambda day, ids: {"pubId": ids["publisher"], "source": SOURCE, "limit": SMALL_PAGE,
                                                  "page": 1}, needs=("publisher",)),
    Probe("categories.list"),
    Probe("jobs.list"),
    Probe("jobs.get"),
    *(Probe(f"reports.{name}", _window)
      for name in ("campaign", "publisher", "advertiser", "daily", "goal", "custom", "subid")),
)


@dataclass
class Result:
    """What one probe found."""

    operation: str
    method: str
    path: str
    outcome: str = OK
    status: int | None = None
    #: Records checked (list answers only).
    records: int | None = None
    drift: list[Drift] = field(default_factory=list)
    #: Why the operation could not be checked (an error answer) or was skipped.
    reason: str = ""
    tally: OperationTally | None = None

    def to_json(self) -> dict[str, Any]:
        """This result without any value: counts, statuses and field paths."""
        tally = self.tally
        return {
            "operation": self.operation, "method": self.method, "path": self.path, "outcome": self.outcome,
            "status": self.status, "records": self.records, "reason": self.reason,
            "drift": [{"path": d.issue.path, "expected": d.issue.expected, "got": d.issue.got, "count": d.count,
                       "of": tally.of(d), "per": d.per} for d in self.drift] if tally is not None else [],
        }


def _first_id(answer: Any, operation: str, key: str) -> str | None:
    """The id (``key``, else ``id``) of the first record of a list answer, or None."""
    records = answer
    for part in (OPERATIONS[operation].records_at or "").split("."):
        records = records.get(part) if isinstance(records, Mapping) else None
    first = records[0] if isinstance(records, list) and records else None
    value = first.get(key, first.get("id")) if isinstance(first, Mapping) else None
    return str(value) if value not in (None, "") else None


def run_check(
    hook: TrackierHook, day: date, *, only: Sequence[str] = (), skip: Sequence[str] = ()
) -> list[Result]:
    """Call every probe (or the ``only`` ones, less the ``skip`` ones) once with ``hook`` (built with
    ``validate_responses="warn"``, so every answer is checked) and return what each found. A refused key or IP
    address raises at the first call; any other error answer is recorded and the check goes on."""
    found: dict[str, str] = {}
    results = []
    for probe in PROBES:
        if (only and probe.operation not in only) or probe.operation in skip:
            continue
        operation = OPERATIONS[probe.operation]
        result = Result(probe.operation, operation.method, operation.path)
        results.append(result)
        missing = [kind for kind in probe.kinds() if kind not in found]
        if missing:
            result.outcome, result.reason = SKIPPED, f"no {missing[0]} to read (none listed)"
            continue
        ids = {p.arg: found[p.arg.removesuffix("_id")] for p in operation.path_params}
        call = prepare(operation, ids, probe.query(day, found), by_arg=False)
        result.path = call.path
        try:
            answer = hook.call(call)
        except (TrackierAuthenticationError, TrackierIPNotWhitelistedError):
            raise  # every other call would be refused the same way
        except TrackierError as error:
            result.outcome, result.reason = ERROR, str(error)
            result.status = error.status if isinstance(error, TrackierAPIError) else None
            continue
        tally = hook.responses.report.operations.get(probe.operation) if hook.responses is not None else None
        result.tally = tally
        if tally is not None:
            result.status = max(tally.statuses)  # the one answer of this operation
            result.records = tally.validated if operation.records_at else None
            result.drift = list(tally.drift.values())
            result.outcome = DRIFT if result.drift else OK
        for kind, (lister, key) in SOURCES.items():
            if lister == probe.operation and (value := _first_id(answer, lister, key)) is not None:
                found[kind] = value
    return results


def outcome(results: Sequence[Result]) -> str:
    """``drift`` when any answer drifted, else ``error`` when any call failed, else ``ok``."""
    kinds = {r.outcome for r in results}
    return DRIFT if DRIFT in kinds else (ERROR if ERROR in kinds else OK)


def table(results: Sequence[Result], heading: str) -> str:
    """The human-readable report: one row per operation, then every drift with an example value."""
    rows = [("operation", "status", "records", "drift")]
    for r in results:
        if r.outcome == DRIFT:
            note = f"{len(r.drift)} field{'s' if len(r.drift) > 1 else ''}"
        elif r.outcome in (ERROR, SKIPPED):
            note = f"{r.outcome}: {r.reason.splitlines()[0][:120]}"
        else:
            note = "none"
        rows.append((r.operation, str(r.status or "-"), "-" if r.records is None else f"{r.records:,}", note))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [heading, ""] + [
        f"{op:<{widths[0]}}  {status:>{widths[1]}}  {records:>{widths[2]}}  {note}".rstrip()
        for op, status, records, note in rows
    ]
    counts = {kind: sum(1 for r in results if r.outcome == kind) for kind in (OK, DRIFT, ERROR, SKIPPED)}
    lines += ["", f"{len(results)} operations: {counts[OK]} without drift, {counts[DRIFT]} with drift, "
                  f"{counts[ERROR]} not checked (error), {counts[SKIPPED]} skipped"]
    drifting = [r for r in results if r.drift]
    if drifting:
        lines += ["", "Drift (what the provider's schema expects, what came, how often, an example):"]
        for r in drifting:
            assert r.tally is not None
            lines.append(f"  {r.operation} ({r.method} {r.path})")
            lines += [f"    {drift_text(d, r.tally.of(d))}" for d in r.drift]
    return "\n".join(lines)


def report(results: Sequence[Result], *, conn_id: str, base_url: str, day: date) -> dict[str, Any]:
    """The result as JSON data (no values: counts, statuses and field paths)."""
    return {"conn_id": conn_id, "base_url": base_url, "date": day.isoformat(), "outcome": outcome(results),
            "operations": [r.to_json() for r in results]}


def check_hook(conn_id: str) -> TrackierHook:
    """The hook a check uses: the connection's settings, every answer checked without failing."""
    from trackier_provider.hooks.trackier import TrackierHook

    return TrackierHook(conn_id, validate_responses="warn")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackier-check",
        description="Check that a Trackier panel answers the way airflow-provider-trackier expects: every "
        "read-only operation it wraps is called once (GET only) and its answer checked against its schema.",
    )
    parser.add_argument("--conn-id", default="trackier_default", help="Airflow connection (default: %(default)s)")
    parser.add_argument("--date", type=date.fromisoformat, default=None,
                        help="the day whose logs and reports are read, YYYY-MM-DD (default: yesterday, UTC)")
    names = [p.operation for p in PROBES]
    parser.add_argument("--only", action="append", default=[], choices=names, metavar="OPERATION",
                        help="check only this operation (repeatable): " + ", ".join(names))
    parser.add_argument("--skip", action="append", default=[], choices=names, metavar="OPERATION",
                        help="leave this operation out (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (no values), for CI")
    return parser


@contextmanager
def _logs_to_stderr() -> Iterator[None]:
    """Whatever is written to the standard output meanwhile (Airflow logs there) goes to the standard error,
    so the output holds only the table or the JSON."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; the exit status says whether the panel drifts (see the module docstring)."""
    args = build_parser().parse_args(argv)
    day = args.date or (datetime.now(timezone.utc) - timedelta(days=1)).date()
    logging.getLogger("trackier_provider.schemas.validation").setLevel(logging.ERROR)  # the table says it all
    hook = check_hook(args.conn_id)
    try:
        with _logs_to_stderr():
            base_url = hook.settings.base_url
            results = run_check(hook, day, only=args.only, skip=args.skip)
    except TrackierError as error:
        print(f"trackier-check: {error}", file=sys.stderr)
        return EXIT[ERROR]
    finally:
        hook.close()
    if args.json:
        print(json.dumps(report(results, conn_id=args.conn_id, base_url=base_url, day=day), indent=2))
    else:
        print(table(results, f"Trackier panel check: {base_url} (connection {args.conn_id}), day {day}"))
    return EXIT[outcome(results)]


if __name__ == "__main__":
    sys.exit(main())
