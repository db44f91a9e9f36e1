"""Bulk conversion upload jobs: rows are checked at upload, the job reveals its progress over ``job_seconds``.

A job is ``pending`` for the first fifth of ``job_seconds``, ``progress`` until ``job_seconds`` and then
``completed`` (``failed`` when every row was rejected). Log lines appear as the job reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trackier_provider.emulator.rng import iso

ROW_STATUSES = ("approved", "pending", "cancelled", "rejected", "extended")
JOB_TYPE = "bulk_conversion_upload"
ORG_ID = "5f0000000000000000000001"
USER_ID = "5f0000000000000000000002"


@dataclass
class Job:
    """One upload job; outcomes are decided at upload, time only decides how much is visible."""

    id: str
    created: float
    duration: float
    errors: list[tuple[int, str]]  # (1-based row number, reason)
    inserted: int
    updated: int
    rows: int
    lines: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        start, end = self.started_at, self.finished_at
        self.lines = [(self.created, f"Job created with {self.rows} rows"), (start, "Job started processing")]
        self.lines += [(end, f"Row {row}: {reason}") for row, reason in self.errors]
        if self.final_status == "failed":
            self.lines.append((end, f"Job failed: all {self.rows} rows had errors"))
        else:
            self.lines.append((end, f"Job completed: {self.rows} rows, {self.inserted} inserted, "
                                    f"{self.updated} updated, {len(self.errors)} errors"))

    @property
    def started_at(self) -> float:
        """When the job leaves ``pending``."""
        return self.created + self.duration * 0.2

    @property
    def finished_at(self) -> float:
        """When the job reaches its final status."""
        return self.created + self.duration

    @property
    def final_status(self) -> str:
        """``failed`` when no row could be used, else ``completed`` (errors are counted and logged)."""
        return "failed" if self.rows and len(self.errors) == self.rows else "completed"

    def status(self, now: float) -> str:
        """``pending`` -> ``progress`` -> ``completed``/``failed`` as emulated time passes."""
        if now >= self.finished_at:
            return self.final_status
        return "progress" if now >= self.started_at else "pending"

    def as_dict(self, now: float) -> dict[str, Any]:
        """The Job model at ``now`` (counts grow while in progress)."""
        status = self.status(now)
        share = 1.0 if status in ("completed", "failed") else (
            0.0 if status == "pending" else min(1.0, (now - self.started_at) / max(1e-9, self.duration * 0.8)))
        processed = int(self.rows * share)
        body: dict[str, Any] = {
            "_id": self.id, "id": self.id, "org_id": ORG_ID, "user_id": USER_ID, "status": status,
            "type": JOB_TYPE, "created": iso(self.created), "__v": 0,
            "result": {"rows": self.rows, "processed": processed,
                       "inserted": int(self.inserted * share), "updated": int(self.updated * share),
                       "errors": int(len(self.errors) * share)},
        }
        if status != "pending":
            body["started_at"] = iso(self.started_at)
        if status in ("completed", "failed"):
            body["finished_at"] = iso(self.finished_at)
        return body

    def log(self, now: float) -> list[dict[str, str]]:
        """The log lines reached by ``now``."""
        return [{"message": message, "created": iso(stamp)} for stamp, message in self.lines if stamp <= now]
