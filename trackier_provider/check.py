"""``trackier-check``: does your Trackier panel answer the way the provider expects?

Every read-only operation of the catalogue (every GET: ``READS``, 74 of them) is called once, with a small
page and valid parameters, and its answer is checked against the provider's schema of that operation
(``trackier_provider.schemas``). The ids a read needs (a campaign, then one of its notes, ...) are those of
the first record of the list that lists them, called first: a read whose list is empty has *nothing to read*,
which is reported as such and is not a failure. The result is a table: operation, HTTP status, records
checked, and the drift found, each drift with what the schema expects, what came, in how many records and one
example value (credentials masked). Only GET requests are sent: nothing is created, edited or deleted.

``trackier-check --conn-id trackier_default [--date YYYY-MM-DD] [--only NAME] [--skip NAME] [--json]``:
``NAME`` is an operation (``campaigns.notes.get``) or a resource prefix (``campaigns``, ``reports``); the lists
a chosen read takes its ids from are called too, and not reported. The connection is read the way Airflow
reads it (environment variable ``AIRFLOW_CONN_...``, secrets backend or metadata database). ``--json``
prints the result as JSON (counts and field paths, never a value), for CI.

Exit status: 0 when every answer matched its schema, 1 when any answer drifted (the table names the field), 2
when the panel could not be checked: an operation answered with an error, or, stopping at once with one
line on the standard error that says what to do, the connection is missing or unreadable, the key is
refused, this machine's IP address is blocked (code 105) or the API cannot be reached. The same check runs
in a DAG as ``TrackierSchemaCheckOperator``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import TYPE_CHECKING, Any

from trackier_provider.api import OPERATIONS, Operation
from trackier_provider.api.calls import prepare
from trackier_provider.api.model import dig
from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierAuthenticationError,
    TrackierConfigError,
    TrackierConnectionError,
    TrackierError,
    TrackierIPNotWhitelistedError,
)
from trackier_provider.schemas.validation import Drift, OperationTally, drift_text

if TYPE_CHECKING:
    from trackier_provider.hooks.trackier import TrackierHook

SMALL_PAGE = 5
SOURCE = "trackier-check"
OK, DRIFT, ERROR, NOTHING = "ok", "drift", "error", "nothing_to_read"
EXIT = {OK: 0, DRIFT: 1, ERROR: 2}
#: Reads whose window is written with times of day (the others take days).
TIMED = frozenset({"conversions.list", "pixel_logs.list", "postback_logs.list"})
_PLACEHOLDER = re.compile(r"\{\w+\}")

#: Query values a read takes from the first record of another list (the list, then the query made of that
#: record; None when the record lacks what is needed).
Need = Callable[[Any, date], "dict[str, Any] | None"]


def _field(record: Any, name: str) -> Any:
    value = record.get(name) if isinstance(record, Mapping) else None
    return value if value not in (None, "") else None


def _campaign_filter(record: Any, day: date) -> dict[str, Any] | None:
    found = _field(record, "id")
    return None if found is None else {"filters": {"campaignIds": [str(found)]}}


def _publisher(name: str, **more: Any) -> Need:
    def need(record: Any, day: date) -> dict[str, Any] | None:
        found = _field(record, "id")
        return None if found is None else {name: str(found), **more}
    return need


def _transaction(record: Any, day: date) -> dict[str, Any] | None:
    found = _field(record, "txn_id")
    return None if found is None else {"txn_id": str(found), "date": day.isoformat()}


def _country(record: Any, day: date) -> dict[str, Any] | None:
    return {"country": record} if isinstance(record, str) and record else None


NEEDS: Mapping[str, tuple[str, Need]] = {
    "campaigns.access.list": ("campaigns.list", _campaign_filter),
    "incent_offers.list": ("publishers.list", _publisher("pubId", source=SOURCE)),
    "invoices.preview": ("publishers.list", _publisher("user_id", prefType="campaign")),
    "conversions.find": ("conversions.list", _transaction),
    **{f"targeting_data.{kind}": ("targeting_data.countries", _country) for kind in ("regions", "cities", "isps")},
}


@dataclass(frozen=True)
class Read:
    """One read-only call of the check: the operation, and the lists whose first record it needs (one per id
    of its path, in order, then the one ``NEEDS`` names for its query)."""

    operation: str
    sources: tuple[str, ...] = ()

    def query(self, day: date, first: Mapping[str, Any]) -> dict[str, Any] | None:
        """The query for ``day`` given the first records found so far; None when a needed value is missing."""
        op = OPERATIONS[self.operation]
        query: dict[str, Any] = {}
        if op.param("start") is not None and op.param("end") is not None:
            if self.operation in TIMED:
                query |= {"start": f"{day} 00:00:00", "end": f"{day} 23:59:59"}
            elif self.operation == "campaigns.timelines.list":
                query |= {"start": (day - timedelta(days=6)).isoformat(), "end": day.isoformat()}
            else:
                query |= {"start": day.isoformat(), "end": day.isoformat()}
        if op.param("zone") is not None:
            query["zone"] = "UTC"
        if op.pages is not None and op.param("limit") is not None:
            least, most = op.pages.min_limit or 0, op.pages.max_limit
            query["limit"] = max(SMALL_PAGE, least) if most is None else min(max(SMALL_PAGE, least), most)
        if op.pages is not None and op.pages.style == "page" and op.param("page") is not None:
            query["page"] = 1
        if self.operation in NEEDS:
            lister, need = NEEDS[self.operation]
            more = need(first.get(lister), day)
            if more is None:
                return None
            query |= more
        return query


def _lister_of(prefix: str) -> str:
    """The GET list operation at ``prefix`` (placeholders of any name)."""
    shape = _PLACEHOLDER.sub("{}", prefix)
    for name, op in OPERATIONS.items():
        if op.method == "GET" and op.records_at and _PLACEHOLDER.sub("{}", op.path) == shape:
            return name
    raise LookupError(f"no list operation at {prefix}")


def _sources(op: Operation) -> tuple[str, ...]:
    found = []
    for match in _PLACEHOLDER.finditer(op.path):
        found.append(_lister_of(op.path[: match.start()].rstrip("/")))
    if op.name in NEEDS:
        found.append(NEEDS[op.name][0])
    return tuple(found)


@cache
def reads() -> tuple[Read, ...]:
    """Every read-only operation of the catalogue, in an order where each list comes before the reads that
    take their ids from it (then by name)."""
    plan = {name: Read(name, _sources(op)) for name, op in OPERATIONS.items() if op.method == "GET"}
    depth: dict[str, int] = {}

    def depth_of(name: str) -> int:
        if name not in depth:
            depth[name] = 1 + max((depth_of(s) for s in plan[name].sources), default=-1)
        return depth[name]

    return tuple(sorted(plan.values(), key=lambda r: (depth_of(r.operation), r.operation)))


def read_names() -> tuple[str, ...]:
    """The names of ``reads()``, in the order they are checked."""
    return tuple(r.operation for r in reads())


def select(only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[str]:
    """The reads chosen by ``only`` and ``skip`` (operation names or resource prefixes such as ``campaigns``),
    in checking order; ``TrackierConfigError`` for a name that matches no read."""
    names = read_names()

    def matches(word: str) -> list[str]:
        return [n for n in names if n == word or n.startswith(word + ".")]

    for kind, words in (("only", only), ("skip", skip)):
        for index, word in enumerate(words):
            if not isinstance(word, str) or not matches(word.strip()):
                raise TrackierConfigError(
                    f"{kind}[{index}]", f"{word!r} is neither a read-only operation nor a resource prefix of one",
                    "Use an operation such as campaigns.notes.get or a prefix such as campaigns: "
                    + ", ".join(sorted({n.split('.')[0] for n in names})) + ".")
    chosen = {n for word in only for n in matches(word.strip())} if only else set(names)
    chosen -= {n for word in skip for n in matches(word.strip())}
    return [n for n in names if n in chosen]


@dataclass
class Result:
    """What one read found."""

    operation: str
    method: str
    path: str
    outcome: str = OK
    status: int | None = None
    #: Records checked (list answers only).
    records: int | None = None
    drift: list[Drift] = field(default_factory=list)
    #: Why the operation could not be checked (an error answer) or had nothing to read.
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


def _first_record(answer: Any, operation: str) -> Any:
    records = dig(answer, OPERATIONS[operation].records_at or "")
    return records[0] if isinstance(records, list) and records else None


def _id_of(record: Any, placeholder: str) -> str | None:
    """The id a path placeholder takes from a listed record: the field of its own name when the record has
    one (``code``), else ``id``, else ``_id``."""
    for key in (placeholder, "id", "_id"):
        value = _field(record, key)
        if value is not None and not isinstance(value, (dict, list, bool)):
            return str(value)
    return None


class Fatal(TrackierError):
    """The check cannot go on: one line saying why and what to do (``main`` prints it and exits 2); ``error``
    is what stopped it."""

    def __init__(self, line: str, error: TrackierError) -> None:
        super().__init__(line)
        self.error = error


def run_check(
    hook: TrackierHook, day: date, *, only: Sequence[str] = (), skip: Sequence[str] = ()
) -> list[Result]:
    """Call the chosen reads (``select``) once each with ``hook`` (built with ``validate_responses="warn"``, so
    every answer is checked) and return what each found. The lists a chosen read takes its ids from are
    called too, and not reported. A refused key or IP address, or an API that cannot be reached, raises
    ``Fatal`` at once; any other error answer is recorded and the check goes on."""
    chosen = select(only, skip)
    plan = {r.operation: r for r in reads()}
    wanted: set[str] = set()

    def want(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for source in plan[name].sources:
                want(source)

    for name in chosen:
        want(name)
    first: dict[str, Any] = {}  # the first record of each list called, None when it was empty
    failed: set[str] = set()
    results = []
    calls = 0
    for read in reads():
        if read.operation not in wanted:
            continue
        operation = OPERATIONS[read.operation]
        result = Result(read.operation, operation.method, operation.path)
        if read.operation in chosen:
            results.append(result)
        blocked = next((s for s in read.sources if s in failed), None)
        empty = next((s for s in read.sources if s not in failed and first.get(s) is None), None)
        if blocked is not None or empty is not None:
            source = blocked or empty
            result.outcome = ERROR if blocked else NOTHING
            result.reason = f"{source} could not be checked" if blocked else f"{source} listed none"
            failed.update({read.operation} if blocked else set())
            continue
        ids = {p.arg: _id_of(first[s], p.name)
               for p, s in zip(operation.path_params, read.sources, strict=False)}
        query = read.query(day, first)
        if query is None or None in ids.values():
            result.outcome, result.reason = NOTHING, "the listed record lacks the id or field to read with"
            continue
        call = prepare(operation, ids, query, by_arg=False)
        result.path = call.path
        try:
            answer = hook.call(call, max_retries=0 if calls == 0 else None)
        except (TrackierAuthenticationError, TrackierIPNotWhitelistedError, TrackierConnectionError) as error:
            raise Fatal(stop_line(error, hook), error) from None  # every other call would fail the same way
        except TrackierError as error:
            failed.add(read.operation)
            result.outcome, result.reason = ERROR, str(error)
            result.status = error.status if isinstance(error, TrackierAPIError) else None
            continue
        finally:
            calls += 1
        if operation.records_at:
            first[read.operation] = _first_record(answer, read.operation)
        tally = hook.responses.report.operations.get(read.operation) if hook.responses is not None else None
        result.tally = tally
        if tally is not None:
            result.status = max(tally.statuses)  # the one answer of this operation
            result.records = tally.validated if operation.records_at else None
            result.drift = list(tally.drift.values())
            result.outcome = DRIFT if result.drift else OK
    return sorted(results, key=lambda r: r.operation)  # called lists first, reported by name


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def stop_line(error: TrackierError, hook: TrackierHook) -> str:
    """The one line that says why the check stops and what to do (never the key)."""
    conn = hook.trackier_conn_id
    if isinstance(error, TrackierIPNotWhitelistedError):
        return (f"Trackier refuses requests from this machine's IP address (code 105 IP_NOT_WHITELISTED) for "
                f"connection '{conn}': whitelist the address in the panel's API settings, or run the check from "
                "a whitelisted machine.")
    if isinstance(error, TrackierAuthenticationError):
        code = " ".join(p for p in (error.code, error.code_msg) if p) or f"HTTP {error.status}"
        return (f"Trackier refused the API key of connection '{conn}' ({code}): put a valid Admin API key in "
                "the connection's password (Trackier panel: Settings > API) and run again.")
    text = str(error)
    found = _ERRNO.search(text)
    reason = found.group(1).strip() if found else ("timed out" if "Timeout" in text else "no answer")
    return (f"The Trackier API at {hook.settings.base_url} cannot be reached ({reason}): check the host of "
            f"connection '{conn}' and this machine's network, then run again.")


def connection_line(conn_id: str, error: BaseException) -> str:
    """The one line for a connection that cannot be found or read (its values are never quoted)."""
    env = "AIRFLOW_CONN_" + re.sub(r"[^A-Za-z0-9]", "_", conn_id).upper()
    if type(error).__name__ == "AirflowNotFoundException" and os.environ.get(env):
        return (f"Airflow cannot read a connection '{conn_id}' from the environment variable {env}: write it as "
                "a connection URI or JSON (see the README's connection section) and run again.")
    if type(error).__name__ == "AirflowNotFoundException":
        return (f"Airflow has no connection '{conn_id}': create it (Admin > Connections, `airflow connections "
                f"add`, or the environment variable {env}), or pass --conn-id, and run again.")
    detail = f": {error}" if isinstance(error, TrackierConfigError) else f" ({type(error).__name__})"
    return f"The connection '{conn_id}' cannot be read{detail}. Fix it and run again."


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
        elif r.outcome == ERROR:
            note = f"error: {r.reason.splitlines()[0][:120]}"
        elif r.outcome == NOTHING:
            note = f"nothing to read: {r.reason}"
        else:
            note = "none"
        rows.append((r.operation, str(r.status or "-"), "-" if r.records is None else f"{r.records:,}", note))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [heading, ""] + [
        f"{op:<{widths[0]}}  {status:>{widths[1]}}  {records:>{widths[2]}}  {note}".rstrip()
        for op, status, records, note in rows
    ]
    counts = {kind: sum(1 for r in results if r.outcome == kind) for kind in (OK, DRIFT, ERROR, NOTHING)}
    lines += ["", f"{len(results)} operations: {counts[OK]} without drift, {counts[DRIFT]} with drift, "
                  f"{counts[ERROR]} not checked (error), {counts[NOTHING]} with nothing to read"]
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
        "read-only operation of the catalogue is called once (GET only) and its answer checked against its "
        "schema. Exit status: 0 no drift, 1 drift, 2 could not check.",
    )
    parser.add_argument("--conn-id", default="trackier_default", help="Airflow connection (default: %(default)s)")
    parser.add_argument("--date", type=date.fromisoformat, default=None,
                        help="the day whose logs and reports are read, YYYY-MM-DD (default: yesterday, UTC)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="check only this operation or resource prefix (repeatable), e.g. campaigns, "
                        "reports.daily")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME",
                        help="leave this operation or resource prefix out (repeatable)")
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


def _stop(line: str) -> int:
    print(f"trackier-check: {line}", file=sys.stderr)
    return EXIT[ERROR]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; the exit status says whether the panel drifts (see the module docstring)."""
    args = build_parser().parse_args(argv)
    day = args.date or (datetime.now(timezone.utc) - timedelta(days=1)).date()
    logging.getLogger("trackier_provider.schemas.validation").setLevel(logging.ERROR)  # the table says it all
    logging.getLogger("trackier_provider.hooks.trackier").setLevel(logging.ERROR)  # a stop is one line
    # Airflow's own notes (2.11 logs "Retrieving connection ..." and a missing Fernet key at INFO and WARNING
    # for every connection read): not the check's output; its errors still show.
    logging.getLogger("airflow").setLevel(logging.ERROR)
    # ... and 2.11's traceback for a connection variable it cannot parse: the stop's one line names the variable.
    logging.getLogger("airflow.models.connection").setLevel(logging.CRITICAL)
    try:
        select(args.only, args.skip)
    except TrackierConfigError as error:
        return _stop(str(error))
    hook = check_hook(args.conn_id)
    try:
        with _logs_to_stderr():
            try:
                base_url = hook.settings.base_url
            except Exception as error:  # any failure to find or read the connection stops here, in one line
                return _stop(connection_line(args.conn_id, error))
            results = run_check(hook, day, only=args.only, skip=args.skip)
    except Fatal as error:
        return _stop(str(error))
    finally:
        hook.close()
    if args.json:
        print(json.dumps(report(results, conn_id=args.conn_id, base_url=base_url, day=day), indent=2))
    else:
        print(table(results, f"Trackier panel check: {base_url} (connection {args.conn_id}), day {day}"))
    return EXIT[outcome(results)]


if __name__ == "__main__":
    sys.exit(main())
