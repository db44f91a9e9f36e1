"""Recipe: onboard publishers from a CSV, give them their campaigns and their tracking links.

The CSV has the columns ``name,email,password,campaign_ids`` (``campaign_ids``: numeric ids separated by
``;``, e.g. ``4;6``; may be empty)::

    read_rows ──> create_publisher (mapped) ──> plan_grants ──> grant_access (mapped)
                                                                    └──> plan_links ──> tracking_link (mapped)

- ``read_rows`` checks every row with Trackier's own rules (``publisher_problems``: required fields, e-mail,
  password) before anything is created, logs each bad row with its reason and goes on with the good ones.
- ``create_publisher`` is create-if-absent on the e-mail: a re-run or a retry finds the publisher it (or
  anyone) created and creates nothing twice. The password never travels through XCom: each mapped task reads
  its own row from the CSV at run time and masks the password before anything could print it.
- ``grant_access`` approves only the missing (campaign, publisher) pairs; ``tracking_link`` asks Trackier for
  the link of every approved pair (generating a link stores nothing, so asking again is harmless).

Run it by hand (``schedule=None``) after dropping the file at ``CSV``; the connection is ``trackier_default``.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Any

from trackier_provider.operators.access import TrackierGrantCampaignAccessOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator
from trackier_provider.operators.tracking_links import TrackierCreateTrackingLinkOperator
from trackier_provider.outputs import read_records
from trackier_provider.validation import check_password, publisher_problems
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS, mask_secret

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, task
else:
    from airflow import DAG
    from airflow.decorators import task

log = logging.getLogger(__name__)

#: The onboarding file: a local path or an fsspec URL (``s3://...``).
CSV = os.environ.get("TRACKIER_EXAMPLES_PUBLISHERS_CSV", "/opt/airflow/data/new_publishers.csv")


def csv_rows(path: str) -> dict[int, dict[str, str]]:
    """The CSV's rows by the row number a spreadsheet shows (the header is row 1), cells trimmed."""
    return {number: {str(k).strip(): str(v or "").strip() for k, v in record.items() if k is not None}
            for number, record in enumerate(read_records(path), start=2)}


class CsvRowPublisherOperator(TrackierCreatePublisherOperator):
    """Create (if absent) the publisher of CSV row ``row``, reading its password from the file at run time.

    ``publisher_email`` rather than ``email``: ``email`` is also BaseOperator's alert addresses.
    """

    template_fields = (*TrackierCreatePublisherOperator.template_fields, "row")
    run_time_fields = ("password",)  # read from the file when the task runs, not checked at parse time

    def __init__(self, *, csv_path: str, row: int, publisher_email: str, **kwargs: Any) -> None:
        kwargs.pop("email", None)  # BaseOperator's alert addresses, filled in by Airflow 2's partial()
        super().__init__(email=publisher_email, password="", **kwargs)
        self.csv_path = csv_path
        self.row = row

    def run(self, context: Any) -> Any:
        """The row's checks, then the create (the operator's ``execute`` calls ``run``)."""
        record = csv_rows(self.csv_path).get(int(self.row), {})
        if record.get("email", "").casefold() != str(self.publisher_email).casefold():
            raise ValueError(f"Row {self.row} of {self.csv_path} changed after it was checked: re-run the DAG")
        if record.get("password"):
            mask_secret(record["password"])
        check_password(record.get("password", ""))  # Trackier's rule; the message never holds the value
        self.password = record["password"]
        return super().run(context)


with DAG(
    dag_id="recipe_onboard_publishers",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    tags=["trackier", "recipe"],
    doc_md=__doc__,
):

    @task
    def read_rows(csv_path: str = CSV) -> list[dict[str, Any]]:
        """The rows that pass Trackier's checks, without their passwords."""
        good = []
        for number, cells in csv_rows(csv_path).items():
            if cells.get("password"):
                mask_secret(cells["password"])
            problems = publisher_problems(cells)
            ids = [part.strip() for part in cells.get("campaign_ids", "").split(";") if part.strip()]
            problems += [f"campaign_ids: {part!r} is not a campaign id" for part in ids if not part.isdigit()]
            if problems:
                log.warning("Row %s skipped: %s", number, "; ".join(problems))
                continue
            good.append({"row": number, "publisher_email": cells["email"], "name": cells["name"],
                         "campaign_ids": [int(part) for part in ids]})
        log.info("%s rows to onboard", len(good))
        return good

    rows = read_rows()
    create_publisher = CsvRowPublisherOperator.partial(
        task_id="create_publisher", csv_path=CSV, if_exists="return"
    ).expand_kwargs(rows.map(lambda r: {"row": r["row"], "publisher_email": r["publisher_email"], "name": r["name"]}))

    @task
    def plan_grants(rows: list[dict[str, Any]], publishers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One grant per publisher whose row names campaigns (``publishers`` is in the order of ``rows``)."""
        return [{"campaign_ids": row["campaign_ids"], "publisher_ids": [int(publisher["id"])]}
                for row, publisher in zip(rows, publishers, strict=True) if row["campaign_ids"]]

    grant_access = TrackierGrantCampaignAccessOperator.partial(task_id="grant_access").expand_kwargs(
        plan_grants(rows, create_publisher.output)
    )

    @task
    def plan_links(grants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every approved (campaign, publisher) pair, granted now or before."""
        return [{"campaign_id": pair["campaign_id"], "publisher_id": pair["publisher_id"]}
                for result in grants for pair in [*result["granted"], *result["already"]]]

    TrackierCreateTrackingLinkOperator.partial(task_id="tracking_link").expand_kwargs(
        plan_links(grant_access.output)
    )
