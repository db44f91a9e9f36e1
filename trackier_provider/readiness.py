"""When a report is ready and when a bulk-upload job is done: one rule shared by sensors and triggers.

A report window is ready when it has at least ``min_rows`` rows and its totals (row count and the sum of
every numeric column) stayed the same over ``settle_polls`` consecutive polls spanning at least
``settle_period`` seconds, and, optionally, a user ``ready_check`` accepts the rows.

The rule is a pure function of the newest poll and a small JSON ``state`` left by the previous polls
(``{"request", "digest", "since", "polls", ...}``), so the same code serves a poking sensor (state in
memory), a rescheduled sensor (state in the task state store or a Variable between pokes) and a trigger
(state in the trigger, seeded from the sensor's first poll). The state has a constant size however long
the wait.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from trackier_provider.api.calls import Call, prepare
from trackier_provider.api.catalogue import OPERATIONS
from trackier_provider.exceptions import TrackierConfigError, TrackierResponseError
from trackier_provider.hooks.pagination import records_of as answer_records
from trackier_provider.validation import check_number

#: The clock of every readiness decision and trigger deadline, in POSIX seconds. Tests may replace it
#: (``monkeypatch.setattr(readiness, "clock", ...)``) to follow the emulator's adjustable clock.
clock: Callable[[], float] = time.time

ReadyCheck = Callable[[list[dict[str, Any]]], Any]


def now() -> float:
    """The current time per :data:`clock`."""
    return clock()


def digest(value: Any) -> str:
    """A short stable fingerprint of a JSON-able value."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def request_key(path: str, params: Mapping[str, Any]) -> str:
    """Identifies one report request, so state left by a different window or filter is not reused."""
    return digest([path, dict(params)])


def report_rows(payload: Any, endpoint: str) -> list[dict[str, Any]]:
    """The ``records`` of an aggregate report answer, or a clear error for any other shape."""
    return [r for r in answer_records(payload, "records", endpoint) if isinstance(r, Mapping)]  # type: ignore[misc]


@dataclass(frozen=True)
class ReportFigures:
    """What the readiness rule needs from one report answer, computed once however many waiters share it:
    the rows, their count and totals, and a digest of both."""

    records: list[dict[str, Any]]
    rows: int
    totals: dict[str, float]
    digest: str


def figures_of(payload: Any, endpoint: str) -> ReportFigures:
    """``ReportFigures`` of an aggregate report answer (``TrackierResponseError`` for any other shape)."""
    records = report_rows(payload, endpoint)
    totals = totals_of(records)
    return ReportFigures(records, len(records), totals, digest({"rows": len(records), "totals": totals}))


def totals_of(records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The sum of every numeric column over ``records`` (booleans and text are ignored)."""
    sums: dict[str, float] = {}
    for record in records:
        for key, value in record.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sums[key] = sums.get(key, 0) + value
    return {key: round(value, 6) for key, value in sorted(sums.items())}


# ------------------------------------------------------------------------------------ ready_check
def callable_path(check: ReadyCheck | str | None) -> str | None:
    """The dotted import path of ``check`` for a trigger, or a clear error when it cannot be imported there."""
    if check is None or isinstance(check, str):
        return check
    module = getattr(check, "__module__", "") or ""
    name = getattr(check, "__qualname__", "") or ""
    if not module or not name or "<" in name or module == "__main__" or module.startswith("unusual_prefix_"):
        raise TrackierConfigError(
            "ready_check",
            f"{check!r} cannot be imported by the triggerer (defined in a DAG file, a lambda or a nested function)",
            "In deferrable mode pass a module-level function from a module on the triggerer's PYTHONPATH, "
            "or its dotted path such as 'my_package.checks.enough_rows'.",
        )
    return f"{module}.{name}"


def load_callable(check: ReadyCheck | str | None) -> ReadyCheck | None:
    """Resolve a ``ready_check`` given as a callable or as a dotted path (``pkg.module.func``)."""
    if check is None or callable(check):
        return check
    module_name, _, attr = str(check).rpartition(".")
    try:
        target: Any = import_module(module_name)
    except (ImportError, ValueError):
        raise TrackierConfigError("ready_check", f"cannot import {check!r}") from None
    for part in attr.split("."):
        target = getattr(target, part, None)
    if not callable(target):
        raise TrackierConfigError("ready_check", f"{check!r} is not a callable")
    return target


# ------------------------------------------------------------------------------------ reports
@dataclass(frozen=True)
class Verdict:
    """The outcome of one poll: ready or not, why, the state for the next poll and a summary for XCom."""

    ready: bool
    reason: str
    state: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportReadiness:
    """The readiness rule of a report window (see the module docstring)."""

    min_rows: int = 1
    settle_polls: int = 3
    settle_period: float = 600.0
    ready_check: ReadyCheck | str | None = None

    def __post_init__(self) -> None:
        # The same checks the sensor applies, for a rule a trigger builds from its (deserialized) kwargs.
        check_number("min_rows", self.min_rows, whole=True, at_least=0, required=True)
        check_number("settle_polls", self.settle_polls, whole=True, at_least=1, required=True)
        check_number("settle_period", self.settle_period, at_least=0, required=True)

    def assess(
        self,
        figures: ReportFigures,
        *,
        request: str,
        state: Mapping[str, Any] | None,
        at: float | None = None,
    ) -> Verdict:
        """Judge one poll (its ``figures``) of the report identified by ``request`` given the previous
        polls' ``state``."""
        at = now() if at is None else at
        rows, totals, fingerprint = figures.rows, figures.totals, figures.digest
        previous = state if state and state.get("request") == request else None
        if previous and previous.get("digest") == fingerprint:
            polls, since = int(previous.get("polls", 0)) + 1, float(previous.get("since", at))
        else:
            polls, since = 1, at
        new_state = {"request": request, "digest": fingerprint, "since": since, "polls": polls, "last": at}
        unchanged = max(0.0, at - since)
        summary = {"rows": rows, "totals": totals, "polls": polls, "unchanged_seconds": round(unchanged, 3)}
        if rows < self.min_rows:
            reason = f"{rows} rows, waiting for at least {self.min_rows}"
        elif previous and polls == 1:
            reason = "totals changed since the previous poll"
        elif polls < self.settle_polls:
            reason = f"totals unchanged for {polls} of {self.settle_polls} polls"
        elif unchanged < self.settle_period:
            reason = f"totals unchanged for {unchanged:.0f}s of {self.settle_period:.0f}s"
        elif self.ready_check is not None and not (load_callable(self.ready_check))(figures.records):  # type: ignore[misc]
            reason = "ready_check returned False"
        else:
            reason = f"{rows} rows, totals unchanged over {polls} polls and {unchanged:.0f}s"
            return Verdict(True, reason, new_state, summary)
        return Verdict(False, reason, new_state, summary)


# ------------------------------------------------------------------------------------ jobs
JOB_DONE = frozenset({"completed", "complete", "success", "succeeded", "done"})
JOB_FAILED = frozenset({"failed", "failure", "error", "cancelled", "canceled"})
RESULT_COUNTS = ("rows", "inserted", "updated", "errors")


@dataclass(frozen=True)
class JobProgress:
    """What one ``GET /v2/jobs/{id}`` says about a job."""

    job_id: str
    status: str
    result: dict[str, int]
    log: list[str]

    @property
    def done(self) -> bool:
        return self.status in JOB_DONE

    @property
    def failed(self) -> bool:
        return self.status in JOB_FAILED

    def counts(self) -> dict[str, int]:
        """The result counts the sensor returns: rows, inserted, updated, errors."""
        return {name: self.result.get(name, 0) for name in RESULT_COUNTS}

    def failure_message(self, max_lines: int = 50) -> str:
        """Why the job failed, with its log lines (the last ``max_lines``)."""
        lines = self.log[-max_lines:]
        skipped = len(self.log) - len(lines)
        text = f"Trackier job {self.job_id} {self.status}: {self.counts()}"
        if skipped:
            text += f"\n  ... {skipped} earlier log lines"
        return text + "".join(f"\n  {line}" for line in lines)


def _count(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def job_call(job_id: Any) -> Call:
    """The ``jobs.get`` call of one job, the id checked (``TrackierConfigError`` for ``..``, ``/``, empty...)."""
    return prepare(OPERATIONS["jobs.get"], {"job_id": job_id})


def read_job(job_id: str, payload: Any) -> JobProgress:
    """Parse ``{"success": true, "job": {...}, "log": [...]}`` into a :class:`JobProgress`."""
    job = payload.get("job") if isinstance(payload, Mapping) else None
    if not isinstance(job, Mapping):
        raise TrackierResponseError("expected a JSON object with a 'job'", method="GET", endpoint=job_call(job_id).path)
    raw = job.get("result")
    result: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    lines = payload.get("log") or []
    log = [str(line.get("message", "")) if isinstance(line, Mapping) else str(line) for line in lines]
    return JobProgress(
        job_id=job_id,
        status=str(job.get("status") or "unknown").lower(),
        result={str(k): _count(v) for k, v in result.items()},
        log=log,
    )


__all__ = [
    "JobProgress",
    "ReportFigures",
    "ReportReadiness",
    "Verdict",
    "callable_path",
    "clock",
    "figures_of",
    "job_call",
    "load_callable",
    "now",
    "read_job",
    "report_rows",
    "request_key",
    "totals_of",
]
