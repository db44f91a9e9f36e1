"""``TrackierJobTrigger``: wait in the triggerer until a bulk-upload job finishes."""

from __future__ import annotations

from functools import partial
from typing import Any

from airflow.triggers.base import TriggerEvent

from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.readiness import job_call, read_job
from trackier_provider.triggers.base import ERROR, SUCCESS, TrackierPollingTrigger, shared_answer


class TrackierJobTrigger(TrackierPollingTrigger):
    """Poll ``GET /v2/jobs/{job_id}`` until the job is completed (success) or failed (error).

    :param job_id: the job created by ``POST /v2/conversions/bulkUpload``.
    :param trackier_conn_id: see :class:`~trackier_provider.triggers.base.TrackierPollingTrigger`.
    :param deadline: see :class:`~trackier_provider.triggers.base.TrackierPollingTrigger`.
    :param poll_interval: see :class:`~trackier_provider.triggers.base.TrackierPollingTrigger`.

    Payloads carry ``job_id``, ``job_status``, ``result`` (rows, inserted, updated, errors) and ``log``
    (the job's log lines).
    """

    def __init__(
        self,
        *,
        job_id: str,
        trackier_conn_id: str = TrackierHook.default_conn_name,
        deadline: float,
        poll_interval: float = 10.0,
    ) -> None:
        super().__init__(trackier_conn_id=trackier_conn_id, deadline=deadline, poll_interval=poll_interval)
        self.job_id = str(job_id)

    def fields(self) -> dict[str, Any]:
        return {"job_id": self.job_id}

    def describe(self) -> str:
        return f"Trackier job {self.job_id}"

    async def poll(self, hook: TrackierHook, client: Any) -> TriggerEvent | None:
        progress = await shared_answer(hook, client, job_call(self.job_id), None, partial(read_job, self.job_id))
        self.last_reason = f"status {progress.status}, {progress.result}"
        if not (progress.done or progress.failed):
            return None
        status, message = (ERROR, progress.failure_message()) if progress.failed else (
            SUCCESS, f"{self.describe()} {progress.status}: {progress.counts()}")
        return self.event(status, message, job_id=self.job_id, job_status=progress.status,
                          result=progress.counts(), log=progress.log)
