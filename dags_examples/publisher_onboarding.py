"""Publisher onboarding: create the publishers listed in a CSV file, once each, give them access to their
campaigns, generate their tracking links, and report what happened.

Workflow (daily: the whole file is read every day; rows already onboarded are found, not created again)::

    validate_rows ──> create_publisher (one mapped task per valid row) ──> plan_grants
        ──> grant_access (one per publisher with campaigns) ──> plan_links
        ──> create_tracking_link (one per publisher and campaign) ──> write_summary

1. ``validate_rows`` reads the CSV (``name,email,password`` plus optional ``company,phone,campaign_ids``; a
   local path or an fsspec URL such as ``s3://bucket/onboarding/new_publishers.csv``) and checks every row
   before anything is created: required fields, email format, Trackier's password rule
   (``trackier_provider.validation``), duplicates inside the file (case-insensitive email), cells beyond the
   header's columns, and ``campaign_ids`` (numeric ids separated by ``;``, e.g. ``4;6``; empty or missing:
   no campaigns), each looked up once in Trackier (``campaigns.get``, a read) so that a row naming an
   unknown campaign is rejected before its publisher is created. A bad row is logged with its row number
   (as a spreadsheet shows it: the header is row 1), the field and the reason, and is left out; the good
   rows go on. It returns the valid rows (without passwords) and pushes the rejected ones as XCom
   ``rejected`` and each valid row's campaigns as XCom ``campaigns``.
2. ``create_publisher`` creates each valid row with ``TrackierCreatePublisherOperator`` through dynamic task
   mapping (``expand_kwargs``), ``if_exists="return"``: a publisher whose email already exists in Trackier
   is returned, not created again. Running the same file twice, or retrying a task whose connection dropped
   after Trackier saved the publisher, never makes a second one.
3. ``plan_grants`` pairs each publisher (created or found) with its row's campaigns; ``grant_access``
   (``TrackierGrantCampaignAccessOperator``, mapped) approves each publisher's access to them. It reads the
   campaigns' access list first and assigns only what is not approved yet: a re-run grants nothing twice.
4. ``plan_links`` lists every (campaign, publisher) pair whose access is approved; ``create_tracking_link``
   (``TrackierCreateTrackingLinkOperator``, mapped) asks Trackier for each pair's tracking link. Generating
   a link stores nothing in Trackier (its spec accepts the call as a GET too), so there is no earlier link to
   look up: a re-run asks again, gets the same links, and every run's summary lists them all.
5. ``write_summary`` writes the created, already existing and rejected rows (with reasons) as JSON to
   ``{base}/publisher_onboarding/summary_<day>_<run id>.json``; each created or existing publisher carries
   the campaigns it was granted by this run (``access_granted``) and its links (``tracking_links``:
   campaign id -> URL). It returns ``{"summary": {"created", "existing", "rejected"}, "access_granted",
   "tracking_links", "path"}``: counts, then the number of accesses this run granted and of links listed, then
   the file. It still runs when every row was rejected or no row names a campaign (the mapped tasks are then
   skipped).

Passwords never go through XCom
-------------------------------
Mapped arguments come from XCom, and XCom is stored in clear in the metadata database (and shown in the
UI), so the password must not be one of them. ``validate_rows`` checks passwords but returns only non-secret
fields plus the row number. Each mapped ``create_publisher`` task (``CsvPublisherOperator``, a small
subclass defined below) re-reads its own row from the CSV at run time, checks that the row still has the
email it was validated with (so an edited file cannot pair one row's password with another row's email),
checks the password again, registers it with Airflow's secret masker and only then builds the request.
The operator itself never logs the password and strips it from what it returns; its rendered ``password``
field stays empty. The password exists only in the CSV (keep that file somewhere access-controlled, and
remove it once onboarded) and in the worker's memory. Masking the mapped values instead would not help:
masking hides values in logs and the UI, not in the XCom table. Grants and links carry only ids and URLs.

Settings (environment variables, read at parse time without I/O):

- ``TRACKIER_EXAMPLES_PUBLISHERS_CSV``: the CSV (default: the sample ``data/new_publishers.csv`` next to this
  file, made for the emulator: its ``Publisher3@example.com`` row is a seeded emulator publisher, to show the
  "existing" path, its campaigns 4, 6 and 8 are seeded private or permission campaigns, and campaign 999
  does not exist; point this at your own file before using a real Trackier account).
- ``TRACKIER_EXAMPLES_BASE_PATH``: where the summary goes (default ``/tmp/trackier-examples``; an
  ``s3://bucket/prefix`` works the same).

The connection is ``trackier_default``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from trackier_provider.exceptions import TrackierNotFoundError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.access import TrackierGrantCampaignAccessOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator
from trackier_provider.operators.tracking_links import TrackierCreateTrackingLinkOperator
from trackier_provider.outputs import read_records
from trackier_provider.validation import check_email, check_password, publisher_problems
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS, mask_secret

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable, task
else:
    from airflow import DAG
    from airflow.decorators import task
    from airflow.timetables.interval import CronDataIntervalTimetable

log = logging.getLogger(__name__)

BASE_PATH = os.environ.get("TRACKIER_EXAMPLES_BASE_PATH", "/tmp/trackier-examples").rstrip("/")  # noqa: S108
PUBLISHERS_CSV = os.environ.get(
    "TRACKIER_EXAMPLES_PUBLISHERS_CSV",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "new_publishers.csv"),
)
OUTPUT_DIR = f"{BASE_PATH}/publisher_onboarding"
#: Non-secret columns passed on to the create tasks (with ``row``, the CSV row number).
PUBLIC_FIELDS = ("name", "company", "phone")
#: Separates the ids of a ``campaign_ids`` cell (``4;6``): a comma would split the cell unless quoted.
ID_SEPARATOR = ";"


def _rows(csv_path: str) -> list[tuple[int, dict[str, str], int]]:
    """(row number as a spreadsheet shows it, the row's non-empty cells trimmed, how many cells it has beyond
    the header's columns) for every data row."""
    return [
        (number, {str(k).strip(): str(v).strip() for k, v in record.items() if k is not None},
         len(record.get(None) or []))
        for number, record in enumerate(read_records(csv_path), start=2)
    ]


class CsvPublisherOperator(TrackierCreatePublisherOperator):
    """Create the publisher of one CSV row, reading its password from the CSV at run time (not from XCom).

    :param csv_path: the onboarding CSV (local path or fsspec URL).
    :param row: the row number ``validate_rows`` gave this row (header = row 1).
    :param publisher_email: the row's email as validated (the publisher's login and natural key).
    Other arguments (``name``, ``company``, ``phone``, ...) as ``TrackierCreatePublisherOperator``.

    The email is mapped as ``publisher_email`` because ``email`` is also a ``BaseOperator`` argument (the
    addresses of failure alerts): Airflow 2's ``partial()`` reserves that name, so it cannot be mapped.
    """

    template_fields = (*TrackierCreatePublisherOperator.template_fields, "row")
    run_time_fields = ("password",)  # read from the CSV when the task runs (run), not checked at parse time

    def __init__(self, *, csv_path: str, row: int, publisher_email: str, **kwargs: Any) -> None:
        kwargs.pop("email", None)  # BaseOperator's alert addresses, filled in by Airflow 2's partial()
        super().__init__(email=publisher_email, password="", **kwargs)
        self.csv_path = csv_path
        self.row = row

    def run(self, context: Any) -> Any:
        """The row's checks, then the create (``execute`` of the provider's operators calls ``run``; overriding
        ``execute`` and calling the parent's would trip Airflow 2's check that ``execute`` runs in a task)."""
        wanted = int(self.row)
        record = next((cells for number, cells, _ in _rows(self.csv_path) if number == wanted), None)
        if record is None:
            raise ValueError(f"{self.csv_path} has no row {wanted} any more: was the file changed during the run?")
        if str(record.get("email", "")).casefold() != str(self.publisher_email).strip().casefold():
            raise ValueError(
                f"Row {wanted} of {self.csv_path} no longer holds {self.publisher_email!r}: the file changed "
                "after it was validated. Re-run the DAG."
            )
        password = record.get("password", "")
        if password:
            mask_secret(password)  # before anything could print it
        check_email(self.publisher_email)
        check_password(password)  # raises Trackier's message, never the value
        self.password = password
        return super().run(context)


def _campaign_ids(cell: str | None) -> tuple[list[int], list[str]]:
    """A ``campaign_ids`` cell's ids in order, each once, and the parts that are not ids ("" or None: none)."""
    ids: list[int] = []
    bad: list[str] = []
    for part in (part.strip() for part in (cell or "").split(ID_SEPARATOR)):
        if part.isascii() and part.isdigit() and 0 < int(part) and len(part) <= 18:
            ids += [int(part)] if int(part) not in ids else []
        elif part:
            bad.append(part)
    return ids, bad


def _unknown_campaigns(campaign_ids: set[int]) -> set[int]:
    """The ids that name no campaign in Trackier: one ``campaigns.get`` (a read) per id, none when empty."""
    if not campaign_ids:
        return set()
    api = TrackierHook().api
    unknown = set()
    for campaign_id in sorted(campaign_ids):
        try:
            api.campaigns.get(campaign_id=campaign_id)
        except TrackierNotFoundError:
            unknown.add(campaign_id)
    return unknown


def _mapped(ti: Any, task_id: str, count: int, key: str = "return_value") -> list[Any]:
    """XCom ``key`` of map indexes ``0..count-1`` of mapped task ``task_id``, in map order.

    Pulled explicitly rather than passed as XComArgs: a task mapped over nothing is skipped and has no XCom.
    """
    return list(ti.xcom_pull(task_ids=task_id, key=key, map_indexes=list(range(count)))) if count else []


def _write_json(target: str, document: Any) -> None:
    """Write ``document`` as JSON to a local path or fsspec URL (s3://, gs://, memory://, ...)."""
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(target)
    parent = path.rsplit("/", 1)[0] if "/" in path else ""
    if parent:
        fs.makedirs(parent, exist_ok=True)
    with fs.open(path, "w") as handle:
        json.dump(document, handle, indent=2, default=str)
        handle.write("\n")


with DAG(
    dag_id="publisher_onboarding",
    description="Create the publishers of a CSV once each, grant their campaigns, list their tracking links; "
                "report created, existing and rejected rows.",
    schedule=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    tags=["trackier", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def validate_rows(csv_path: str = PUBLISHERS_CSV, **context: Any) -> list[dict[str, Any]]:
        """Check every row; return the valid rows (no passwords); push the rejected ones (XCom ``rejected``)
        and the valid rows' campaigns (XCom ``campaigns``: ``[{"row", "campaign_ids"}]``)."""
        checked: list[tuple[int, dict[str, str], list[dict[str, str]], list[int]]] = []
        first_row_of: dict[str, int] = {}
        rows = _rows(csv_path)
        for number, cells, extra in rows:
            if cells.get("password"):
                mask_secret(cells["password"])
            problems = [
                {"field": field.strip(), "reason": reason.strip()}
                for field, _, reason in (p.partition(":") for p in publisher_problems(cells))
            ]
            email_key = cells.get("email", "").casefold()
            if email_key in first_row_of:
                problems.append({"field": "email", "reason": f"duplicate of row {first_row_of[email_key]}"})
            elif email_key:
                first_row_of[email_key] = number
            campaign_ids, not_ids = _campaign_ids(cells.get("campaign_ids"))
            problems += [{"field": "campaign_ids",
                          "reason": f"{part!r} is not a campaign id (numeric ids separated by {ID_SEPARATOR!r})"}
                         for part in not_ids]
            if extra:
                problems.append({"field": "row", "reason": f"{extra} more cells than the header has columns (quote "
                                 f"a cell holding a comma; separate campaign ids with {ID_SEPARATOR!r})"})
            checked.append((number, cells, problems, campaign_ids))
        unknown = _unknown_campaigns({c for *_, campaign_ids in checked for c in campaign_ids})
        valid: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        campaigns: list[dict[str, Any]] = []
        for number, cells, problems, campaign_ids in checked:
            problems += [{"field": "campaign_ids", "reason": f"campaign {c} not found"}
                         for c in campaign_ids if c in unknown]
            if problems:
                rejected.append({"row": number, "email": cells.get("email"), "problems": problems})
                for problem in problems:
                    log.warning("Row %s rejected: %s: %s", number, problem["field"], problem["reason"])
                continue
            valid.append({"row": number, "publisher_email": cells["email"],
                          **{name: cells.get(name) or None for name in PUBLIC_FIELDS}})
            if campaign_ids:
                campaigns.append({"row": number, "campaign_ids": campaign_ids})
        log.info("%s rows read: %s valid, %s rejected", len(rows), len(valid), len(rejected))
        context["ti"].xcom_push(key="rejected", value=rejected)
        context["ti"].xcom_push(key="campaigns", value=campaigns)
        return valid

    validated = validate_rows()

    create_publisher = CsvPublisherOperator.partial(
        task_id="create_publisher",
        csv_path=PUBLISHERS_CSV,
        if_exists="return",
    ).expand_kwargs(validated)

    @task
    def plan_grants(valid: list[dict[str, Any]], **context: Any) -> list[dict[str, Any]]:
        """One grant per publisher (created or found) whose row names campaigns."""
        ti = context["ti"]
        valid = list(valid or [])
        campaigns_of = {c["row"]: c["campaign_ids"]
                        for c in ti.xcom_pull(task_ids="validate_rows", key="campaigns") or []}
        publishers = _mapped(ti, "create_publisher", len(valid))
        grants = [{"campaign_ids": campaigns_of[row["row"]], "publisher_ids": [int(publisher["id"])]}
                  for row, publisher in zip(valid, publishers, strict=True) if campaigns_of.get(row["row"])]
        log.info("%s publishers to give access to their campaigns", len(grants))
        return grants

    grants = plan_grants(validated)
    create_publisher >> grants
    grant_access = TrackierGrantCampaignAccessOperator.partial(task_id="grant_access").expand_kwargs(grants)

    @task
    def plan_links(**context: Any) -> list[dict[str, Any]]:
        """Every (campaign, publisher) pair whose access is approved (granted now or before): one link each."""
        ti = context["ti"]
        results = _mapped(ti, "grant_access", len(ti.xcom_pull(task_ids="plan_grants") or []))
        return [{"campaign_id": pair["campaign_id"], "publisher_id": pair["publisher_id"]}
                for result in results
                for pair in sorted([*result["granted"], *result["already"]], key=lambda p: p["campaign_id"])]

    links = plan_links()
    grant_access >> links
    create_tracking_link = TrackierCreateTrackingLinkOperator.partial(task_id="create_tracking_link").expand_kwargs(
        links)

    @task(trigger_rule="none_failed")
    def write_summary(valid: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
        """Write the onboarding summary as JSON; return its counts and path."""
        ti = context["ti"]
        valid = list(valid or [])
        # One value per mapped task, in map order (= the order of the list it was mapped over).
        publishers = _mapped(ti, "create_publisher", len(valid))
        flags = _mapped(ti, "create_publisher", len(valid), key="created")
        grants = _mapped(ti, "grant_access", len(ti.xcom_pull(task_ids="plan_grants") or []))
        pairs = list(ti.xcom_pull(task_ids="plan_links") or [])
        answers = _mapped(ti, "create_tracking_link", len(pairs))
        granted_to: dict[int, list[int]] = {}
        for pair in (pair for result in grants for pair in result["granted"]):
            granted_to.setdefault(int(pair["publisher_id"]), []).append(int(pair["campaign_id"]))
        links_of: dict[int, dict[str, str]] = {}
        for pair, answer in zip(pairs, answers, strict=True):
            links_of.setdefault(int(pair["publisher_id"]), {})[str(pair["campaign_id"])] = answer["url"]
        outcomes = []
        for row, publisher, flag in zip(valid, publishers, flags, strict=True):
            publisher_id = (publisher or {}).get("id")
            outcomes.append({"row": row["row"], "email": row["publisher_email"], "id": publisher_id,
                             "created": bool(flag), "access_granted": granted_to.get(publisher_id, []),
                             "tracking_links": links_of.get(publisher_id, {})})
        created = [o for o in outcomes if o["created"]]
        existing = [o for o in outcomes if not o["created"]]
        rejected = list(ti.xcom_pull(task_ids="validate_rows", key="rejected") or [])
        counts = {"created": len(created), "existing": len(existing), "rejected": len(rejected)}
        access_granted = sum(len(ids) for ids in granted_to.values())
        day = context["data_interval_start"].strftime("%Y-%m-%d")
        run = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(context["run_id"]))
        path = f"{OUTPUT_DIR}/summary_{day}_{run}.json"
        _write_json(path, {"summary": counts, "access_granted": access_granted, "tracking_links": len(pairs),
                           "created": created, "existing": existing, "rejected": rejected,
                           "source": PUBLISHERS_CSV, "run_id": str(context["run_id"])})
        log.info("Onboarding: %s created, %s already existing, %s rejected; %s campaign accesses granted, "
                 "%s tracking links; summary in %s", counts["created"], counts["existing"], counts["rejected"],
                 access_granted, len(pairs), path)
        return {"summary": counts, "access_granted": access_granted, "tracking_links": len(pairs), "path": path}

    create_tracking_link >> write_summary(validated)
