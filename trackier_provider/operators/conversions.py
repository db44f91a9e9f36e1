"""Conversions: the conversion log over a window (with lookback), and bulk conversion upload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackier_provider import readiness
from trackier_provider.api.calls import choices_of
from trackier_provider.exceptions import TrackierConfigError, TrackierResponseError
from trackier_provider.hooks.pagination import records_check
from trackier_provider.operators.base import TrackierBaseOperator, TrackierWindowedFetchOperator
from trackier_provider.outputs import read_records
from trackier_provider.task_state import persistent_state
from trackier_provider.validation import (
    check_choice,
    check_flag,
    check_json,
    check_number,
)
from trackier_provider.version_compat import Context
from trackier_provider.windows import Window

CONVERSION_STATUSES = choices_of("conversions.list", "status")
#: Where an upload keeps, across tries, what it needs to recognise its own job (see the operator).
UPLOAD_STATE_KEY = "trackier_upload"
UPLOAD_VARIABLE_PREFIX = "trackier_upload_state"
MONEY_FIELDS = ("payout", "revenue", "sale_amount")


class TrackierFetchConversionsOperator(TrackierWindowedFetchOperator):
    """Read the conversion log of a window, page by page (constant memory with ``output_path``).

    Conversions change status after they happen (pending -> approved or rejected). ``lookback`` days
    re-read the days before the window so those late changes are picked up; downstream should upsert by ``id``.

    :param status: only conversions in this status (approved, pending, cancelled, rejected, extended).
    :param campaign_ids: only these campaigns.
    :param publisher_ids: only these publishers.
    :param advertiser_ids: only these advertisers.
    :param source: only this traffic source.
    :param fields: extra columns to return, e.g. ``["id", "click_id", "txn_id"]``.

    The window (``start``, ``end``, ``timezone``, ``lookback``) works as in ``TrackierWindowedFetchOperator``.
    """

    template_fields: Sequence[str] = (
        *TrackierWindowedFetchOperator.template_fields,
        "status", "campaign_ids", "publisher_ids", "advertiser_ids", "source", "fields",
    )
    operation = "conversions.list"
    query_args = {"status": "status", "campaign_ids": "campaignIds", "publisher_ids": "publisherIds",
                  "advertiser_ids": "adv_ids", "source": "source", "fields": "fields"}

    def __init__(
        self,
        *,
        status: str | None = None,
        campaign_ids: list[str] | str | None = None,
        publisher_ids: list[str] | str | None = None,
        advertiser_ids: list[str] | str | None = None,
        source: str | None = None,
        fields: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.status = status
        self.campaign_ids = campaign_ids
        self.publisher_ids = publisher_ids
        self.advertiser_ids = advertiser_ids
        self.source = source
        self.fields = fields

    def request_params(self, window: Window | None) -> dict[str, Any]:
        assert window is not None
        return {
            "start": window.start_datetime,
            "end": window.end_datetime,
            "zone": window.timezone,
            **super().request_params(window),
        }


def conversion_row_problem(row: Any) -> str | None:
    """Why a BulkConversionUpload row would be rejected, or None (checked before uploading)."""
    if not isinstance(row, Mapping):
        return f"must be an object, got {type(row).__name__}"
    if not row.get("click_id") and not row.get("campaign_id"):
        return "needs click_id, or campaign_id and publisher_id"
    if not row.get("click_id") and not row.get("publisher_id"):
        return "needs publisher_id when click_id is missing"
    try:
        typed_row(row)
    except TrackierConfigError as exc:
        return str(exc)
    return None


def typed_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A BulkConversionUpload row as it is sent: money fields as numbers (text such as a CSV cell ``"1.5"``
    converted only when exact), the rest checked as JSON; ``TrackierConfigError`` for a bad value."""
    typed = check_json("row", dict(row))
    check_choice("status", typed.get("status"), CONVERSION_STATUSES)
    for name in MONEY_FIELDS:
        if typed.get(name) is not None:
            typed[name] = check_number(name, typed[name], at_least=0, from_text=True)
    return typed


class TrackierUploadConversionsOperator(TrackierBaseOperator):
    """Upload conversions in bulk; returns the Trackier job id (for ``TrackierJobSensor``).

    Rows are checked before the upload. Trackier has no idempotency key, and neither a job nor its
    answer carries a value the client chose, so a retry recognises its own job by when it appeared: just
    before posting, the task records in its durable task state (Airflow 3.3's task state store, else a
    Variable named after the task instance, removed on success) a digest of the rows, their number and the
    ids of the jobs that existed then. A later try of the same task instance with the same rows first looks
    in ``GET /v2/jobs`` for conversion jobs (type naming conversions; the emulator says
    ``bulk_conversion_upload``) of that many rows that were not there before its first post. One such job is
    the earlier try's and is returned instead of uploading; none means the earlier post never reached
    Trackier, so the rows are uploaded; more than one (another upload of the same size posted at the same
    time) fails the task rather than guess. A try whose rows differ from the recorded ones never adopts a
    job. A job of another task instance, or of an earlier run, is never taken.

    :param conversions: the rows (templated), e.g. ``[{"click_id": "...", "payout": 1.5, "status": "approved"}]``.
    :param conversions_path: or a JSON Lines / CSV file (local path or fsspec URL, ``.gz`` allowed) of rows.
    :param fire_postback: ``"yes"`` or ``"refire"`` to send publisher postbacks for the uploaded conversions.
    :param fetch_ip_details: let Trackier look up geo details from the conversions' IPs.
    """

    template_fields: Sequence[str] = ("conversions", "conversions_path")

    def __init__(
        self,
        *,
        conversions: list[dict[str, Any]] | None = None,
        conversions_path: str | None = None,
        fire_postback: str | None = None,
        fetch_ip_details: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (conversions is None) == (conversions_path is None):
            raise TrackierConfigError("conversions", "pass exactly one of conversions or conversions_path")
        self.conversions = conversions
        self.conversions_path = conversions_path
        self.fire_postback = check_choice("fire_postback", fire_postback, ("yes", "refire"))
        self.fetch_ip_details = check_flag("fetch_ip_details", fetch_ip_details)

    def rows(self) -> list[Any]:
        """The rows to upload, each checked; the first bad row fails the task before any request."""
        rows = list(read_records(self.conversions_path)) if self.conversions_path else self.conversions
        if not isinstance(rows, list) or not rows:
            raise TrackierConfigError("conversions", "no rows to upload", "Pass a non-empty list or file.")
        typed = []
        for number, row in enumerate(rows, start=1):
            problem = conversion_row_problem(row)
            if problem:
                raise TrackierConfigError(f"conversions row {number}", problem)
            typed.append(typed_row(row))
        return typed

    def run(self, context: Context) -> str:
        rows = self.rows()
        body: dict[str, Any] = {"data": rows}
        if self.fire_postback:
            body["firePostback"] = self.fire_postback
        if self.fetch_ip_details is not None:
            body["fetchIpDetails"] = self.fetch_ip_details
        upload = self.hook.prepare("conversions.bulk_upload", body=body)  # the catalogue's checks, no request
        state = persistent_state(context, UPLOAD_STATE_KEY, UPLOAD_VARIABLE_PREFIX)
        digest = readiness.digest(body)
        record = state.load()
        if record is not None and record.get("digest") != digest:
            self.log.warning("Try %s uploads other rows than an earlier try (%s rows then, %s now): no earlier "
                             "job is reused", context["ti"].try_number, record.get("rows"), len(rows))
            record = None
        if record is not None:
            earlier = self.earlier_job(record, len(rows))
            if earlier is not None:
                self.log.info("Try %s: reusing Trackier job %s uploaded by an earlier try (%s rows)",
                              context["ti"].try_number, earlier, len(rows))
                state.clear()
                return earlier
        else:
            record = {"digest": digest, "rows": len(rows), "before": sorted(self._jobs())}
            state.save(record)  # before the post: a lost answer leaves this for the next try
        answer = self.hook.call(upload)
        job = answer.get("job") if isinstance(answer, Mapping) else None
        job_id = job.get("_id") or job.get("id") if isinstance(job, Mapping) else None
        if not isinstance(job_id, (str, int)) or isinstance(job_id, bool) or not str(job_id).strip():
            raise TrackierResponseError(f"the answer has no job id: {str(answer)[:300]}", method="POST",
                                        endpoint="/v2/conversions/bulkUpload")
        self.log.info("Uploaded %s conversions; Trackier job %s", len(rows), job_id)
        state.clear()
        return str(job_id)

    def _jobs(self) -> dict[str, Mapping[str, Any]]:
        """The conversion-upload jobs Trackier lists now, by id."""
        answer = self.hook.call("jobs.list", check=records_check("jobs", "jobs.list"))
        jobs: dict[str, Mapping[str, Any]] = {}
        for job in answer["jobs"]:
            if isinstance(job, Mapping) and "conversion" in str(job.get("type", "")).casefold():
                job_id = job.get("_id") or job.get("id")
                if job_id is not None:
                    jobs[str(job_id)] = job
        return jobs

    def earlier_job(self, record: Mapping[str, Any], rows: int) -> str | None:
        """The id of the job an earlier try of this task instance created (see the class docstring), or None."""
        before = set(record.get("before") or [])
        matches = [
            job_id for job_id, job in self._jobs().items()
            if job_id not in before and str((job.get("result") or {}).get("rows", "")).strip() == str(rows)
        ]
        if len(matches) > 1:
            raise TrackierResponseError(
                f"this is a retry, and {len(matches)} upload jobs of {rows} rows appeared since this task "
                f"instance first posted its rows ({', '.join(matches)}), so the earlier try's job is ambiguous",
                method="GET", endpoint="/v2/jobs",
                hint="Check the jobs in the Trackier panel, then mark this task success or clear it once one "
                "job is left.",
            )
        return matches[0] if matches else None
