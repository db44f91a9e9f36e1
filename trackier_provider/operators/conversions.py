"""Conversions: the conversion log over a window (with lookback), and bulk conversion upload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from trackier_provider.api.calls import choices_of
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.pagination import records_check
from trackier_provider.operators.base import TrackierBaseOperator, TrackierWindowedFetchOperator
from trackier_provider.outputs import read_records
from trackier_provider.validation import (
    check_choice,
    check_flag,
    check_json,
    check_number,
)
from trackier_provider.version_compat import Context
from trackier_provider.windows import Window

CONVERSION_STATUSES = choices_of("conversions.list", "status")
#: How far Trackier's clock may be behind Airflow's when an earlier try's job is looked for.
CLOCK_SKEW = timedelta(minutes=5)
MONEY_FIELDS = ("payout", "revenue", "sale_amount")


class TrackierFetchConversionsOperator(TrackierWindowedFetchOperator):
    """Read the conversion log of a window, page by page (constant memory with ``output_path``).

    Conversions change status after they happen (pending -> approved or rejected). ``lookback`` days
    re-read the days before the window so those late changes are picked up; downstream should upsert by ``id``.

    :param status: only conversions in this status (approved, pending, cancelled, rejected, extended).
    :param campaign_ids, publisher_ids, advertiser_ids: only these campaigns / publishers / advertisers.
    :param source: only this traffic source.
    :param fields: extra columns to return, e.g. ``["id", "click_id", "txn_id"]``.
    :param start, end, timezone, lookback: the window (see ``TrackierWindowedFetchOperator``).
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
        check_json("row", row)
        check_choice("status", row.get("status"), CONVERSION_STATUSES)
        for name in MONEY_FIELDS:
            check_number(name, row.get(name), at_least=0)
    except TrackierConfigError as exc:
        return str(exc)
    return None


class TrackierUploadConversionsOperator(TrackierBaseOperator):
    """Upload conversions in bulk; returns the Trackier job id (for ``TrackierJobSensor``).

    Rows are checked before the upload. Trackier has no idempotency key, so a retried task (try 2 or later)
    first looks for the job an earlier try created before uploading again. The rule: a job in
    ``GET /v2/jobs`` whose type names conversions (the spec does not list the types; the emulator says
    ``bulk_conversion_upload``), created no earlier than the DAG run started (less
    ``CLOCK_SKEW`` for the difference between Airflow's and Trackier's clocks), with the same number of rows
    as this upload. One such job is returned instead of uploading; more than one fails the task (another
    upload of the same size in the same run makes the job ambiguous: check the panel's jobs), none uploads.

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
        for number, row in enumerate(rows, start=1):
            problem = conversion_row_problem(row)
            if problem:
                raise TrackierConfigError(f"conversions row {number}", problem)
        return rows

    def run(self, context: Context) -> str:
        rows = self.rows()
        body: dict[str, Any] = {"data": rows}
        if self.fire_postback:
            body["firePostback"] = self.fire_postback
        if self.fetch_ip_details is not None:
            body["fetchIpDetails"] = self.fetch_ip_details
        if context["ti"].try_number > 1:
            earlier = self.earlier_job(context, len(rows))
            if earlier is not None:
                self.log.info("Try %s: reusing Trackier job %s uploaded by an earlier try (%s rows)",
                              context["ti"].try_number, earlier, len(rows))
                return earlier
        answer = self.hook.call("conversions.bulk_upload", body=body)
        job = answer.get("job") if isinstance(answer, Mapping) else None
        job_id = (job or {}).get("_id") or (job or {}).get("id")
        if not job_id:
            raise TrackierConfigError("bulkUpload answer", f"has no job id: {str(answer)[:300]}")
        self.log.info("Uploaded %s conversions; Trackier job %s", len(rows), job_id)
        return str(job_id)

    def earlier_job(self, context: Context, rows: int) -> str | None:
        """The id of the job an earlier try of this task created (see the class docstring), or None."""
        started = context["dag_run"].start_date
        if started is None:  # a run without a recorded start: only jobs from the last CLOCK_SKEW count
            started = datetime.now(timezone.utc)
        since = started - CLOCK_SKEW
        answer = self.hook.call("jobs.list", check=records_check("jobs", "jobs.list"))
        matches = [
            str(job.get("_id") or job.get("id"))
            for job in answer["jobs"]
            if isinstance(job, Mapping)
            and "conversion" in str(job.get("type", "")).casefold()
            and str((job.get("result") or {}).get("rows", "")).strip() == str(rows)
            and (created := _timestamp(job.get("created"))) is not None
            and created >= since
        ]
        if len(matches) > 1:
            raise TrackierConfigError(
                "conversions",
                f"this is a retry and {len(matches)} upload jobs of {rows} rows exist since the run started "
                f"({', '.join(matches)}), so the earlier try's job is ambiguous",
                "Check the jobs in the Trackier panel, then mark this task success or clear it with one job left.",
            )
        return matches[0] if matches else None


def _timestamp(value: Any) -> datetime | None:
    """A job's ``created`` (``2026-11-20T10:00:00.000Z``) as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
