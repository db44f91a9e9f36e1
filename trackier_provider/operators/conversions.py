"""Conversions: the conversion log over a window (with lookback), and bulk conversion upload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.pagination import CONVERSIONS
from trackier_provider.operators.base import TrackierBaseOperator, TrackierWindowedFetchOperator, id_list
from trackier_provider.outputs import read_records
from trackier_provider.validation import check_choice
from trackier_provider.version_compat import Context
from trackier_provider.windows import Window

CONVERSION_STATUSES = ("approved", "pending", "cancelled", "rejected", "extended")
UPLOAD_PATH = "/v2/conversions/bulkUpload"
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
    paging = CONVERSIONS

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
        check_choice("status", self.status or None, CONVERSION_STATUSES)
        return {
            "start": window.start_datetime,
            "end": window.end_datetime,
            "zone": window.timezone,
            "status": self.status or None,
            "campaignIds": id_list("campaign_ids", self.campaign_ids),
            "publisherIds": id_list("publisher_ids", self.publisher_ids),
            "adv_ids": id_list("advertiser_ids", self.advertiser_ids),
            "source": self.source or None,
            "fields": id_list("fields", self.fields),
        }


def conversion_row_problem(row: Any) -> str | None:
    """Why a BulkConversionUpload row would be rejected, or None (checked before uploading)."""
    if not isinstance(row, Mapping):
        return f"must be an object, got {type(row).__name__}"
    if not row.get("click_id") and not row.get("campaign_id"):
        return "needs click_id, or campaign_id and publisher_id"
    if not row.get("click_id") and not row.get("publisher_id"):
        return "needs publisher_id when click_id is missing"
    if row.get("status") not in (None, "", *CONVERSION_STATUSES):
        return f"status {row['status']!r} is not one of {', '.join(CONVERSION_STATUSES)}"
    for name in MONEY_FIELDS:
        value = row.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            return f"{name} must be a number >= 0, got {value!r}"
    return None


class TrackierUploadConversionsOperator(TrackierBaseOperator):
    """Upload conversions in bulk; returns the Trackier job id (for ``TrackierJobSensor``).

    Rows are checked before the upload. The upload is a POST that is not repeated after an ambiguous
    failure (the job may have been created): check the panel's jobs before retrying such a task by hand.

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
        check_choice("fire_postback", fire_postback, ("yes", "refire"))
        self.conversions = conversions
        self.conversions_path = conversions_path
        self.fire_postback = fire_postback
        self.fetch_ip_details = fetch_ip_details

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

    def execute(self, context: Context) -> str:
        rows = self.rows()
        body: dict[str, Any] = {"data": rows}
        if self.fire_postback:
            body["firePostback"] = self.fire_postback
        if self.fetch_ip_details is not None:
            body["fetchIpDetails"] = self.fetch_ip_details
        answer = self.hook.post(UPLOAD_PATH, body)
        job = answer.get("job") if isinstance(answer, Mapping) else None
        job_id = (job or {}).get("_id") or (job or {}).get("id")
        if not job_id:
            raise TrackierConfigError("bulkUpload answer", f"has no job id: {str(answer)[:300]}")
        self.log.info("Uploaded %s conversions; Trackier job %s", len(rows), job_id)
        return str(job_id)
