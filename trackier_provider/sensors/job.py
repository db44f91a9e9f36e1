"""``TrackierJobSensor``: wait until a bulk conversion upload job finishes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from trackier_provider.exceptions import TrackierJobFailedError
from trackier_provider.readiness import JOB_FAILED, job_call, read_job
from trackier_provider.sensors.base import TrackierBaseSensor
from trackier_provider.triggers.job import TrackierJobTrigger
from trackier_provider.version_compat import Context, PokeReturnValue


class TrackierJobSensor(TrackierBaseSensor):
    """Wait for a bulk-upload job (``POST /v2/conversions/bulkUpload``) to complete.

    Returns (XCom) the job's result counts ``{"rows", "inserted", "updated", "errors"}``. A ``failed``
    job fails the task (without retries: the job will not change) with the job's log lines.

    :param job_id: the job id (templated, e.g. from the upload task's XCom).
    :param poke_interval: seconds between polls (default 30), also the trigger's interval.
    """

    template_fields: Sequence[str] = ("job_id", "trackier_conn_id")

    def __init__(self, *, job_id: str, poke_interval: timedelta | float = 30, **kwargs: Any) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.job_id = job_id

    def poke(self, context: Context) -> bool | PokeReturnValue:
        job_id = str(self.job_id)
        progress = read_job(job_id, self.hook.call(job_call(self.job_id)))
        if progress.failed:
            raise TrackierJobFailedError(progress.failure_message())
        if not progress.done:
            self.log.info("Trackier job %s is %s: %s", job_id, progress.status, progress.result)
            return False
        counts = progress.counts()
        if counts["errors"]:
            self.log.warning("Trackier job %s finished with row errors:\n%s", job_id, "\n".join(progress.log))
        self.log.info("Trackier job %s %s: %s", job_id, progress.status, counts)
        return PokeReturnValue(is_done=True, xcom_value=counts)

    def make_trigger(self, context: Context, deadline: float) -> TrackierJobTrigger:
        job_call(self.job_id)  # a bad id fails here, in the worker, not in the triggerer
        return TrackierJobTrigger(
            job_id=str(self.job_id), trackier_conn_id=self.trackier_conn_id, deadline=deadline,
            poll_interval=self.poke_interval,
        )

    def result_from_event(self, context: Context, event: dict[str, Any]) -> Any:
        if (event.get("result") or {}).get("errors"):
            self.log.warning("Trackier job %s finished with row errors:\n%s", self.job_id,
                             "\n".join(event.get("log") or []))
        return event.get("result")

    def error_from_event(self, event: dict[str, Any]) -> BaseException:
        if event.get("job_status") in JOB_FAILED:
            return TrackierJobFailedError(str(event.get("message")))
        return super().error_from_event(event)


__all__ = ["TrackierJobSensor"]
