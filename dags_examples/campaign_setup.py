"""Campaign setup: make sure a category and a campaign with its payouts exist, then read back the campaign's
payouts and its change history.

Workflow (on demand: trigger it, optionally with a config overriding the params below)::

    create_category ──> create_campaign ──> fetch_payouts
                                       └──> timeline_window ──> fetch_timeline ──> campaign_history

- ``create_category`` / ``create_campaign``: create-if-absent (``if_exists="return"``). The category is
  found by name, the campaign by title within the advertiser, so running the DAG again, or retrying a task
  whose connection dropped after Trackier saved the object, leaves exactly one of each. The campaign is
  created in the category, with one payout per geo.
- ``fetch_payouts``: the campaign's payouts as Trackier stores them (to XCom; a handful of rows).
- ``timeline_window`` / ``fetch_timeline``: Trackier's campaign timeline lists every campaign changed in a
  range of UTC days (it cannot be filtered by campaign), so the network's changes from the campaign's
  creation (at most 30 days back) to today are written to
  ``{base}/campaign_setup/timeline_<day>.jsonl``, and ``campaign_history`` keeps this campaign's events.

Settings: ``TRACKIER_EXAMPLES_BASE_PATH`` (default ``/tmp/trackier-examples``; ``s3://bucket/prefix``
works the same) and ``TRACKIER_EXAMPLES_ADVERTISER_ID`` (the advertiser owning the campaign; default ``1``,
which exists in the emulator). The connection is ``trackier_default``.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, timedelta, timezone
from typing import Any

from trackier_provider.operators.campaigns import (
    TrackierCreateCampaignOperator,
    TrackierFetchCampaignPayoutsOperator,
    TrackierFetchCampaignTimelineOperator,
)
from trackier_provider.operators.categories import TrackierCreateCategoryOperator
from trackier_provider.outputs import read_records
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, task
else:
    from airflow import DAG
    from airflow.decorators import task

log = logging.getLogger(__name__)

BASE_PATH = os.environ.get("TRACKIER_EXAMPLES_BASE_PATH", "/tmp/trackier-examples").rstrip("/")  # noqa: S108
ADVERTISER_ID = os.environ.get("TRACKIER_EXAMPLES_ADVERTISER_ID", "1")
OUTPUT_DIR = f"{BASE_PATH}/campaign_setup"
HISTORY_DAYS = 30
CAMPAIGN = "ti.xcom_pull(task_ids='create_campaign')"
#: One payout per group of geos (payout to the publisher, revenue from the advertiser).
PAYOUTS = [
    {"payout": 2.0, "revenue": 2.6, "geo": ["US", "CA"]},
    {"payout": 1.2, "revenue": 1.6, "geo": ["GB", "DE", "FR"]},
]

with DAG(
    dag_id="campaign_setup",
    description="Create a category and a campaign with payouts (idempotent); read its payouts and timeline.",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "advertiser_id": ADVERTISER_ID,
        "category": "Example Seasonal Offers",
        "title": "Example Winter Sale",
        "url": "https://shop.example/winter?click_id={click_id}&pub={pub_id}",
        "currency": "USD",
    },
    tags=["trackier", "example"],
    doc_md=__doc__,
) as dag:
    create_category = TrackierCreateCategoryOperator(
        task_id="create_category", name="{{ params.category }}", if_exists="return"
    )
    create_campaign = TrackierCreateCampaignOperator(
        task_id="create_campaign",
        advertiser_id="{{ params.advertiser_id }}",
        title="{{ params.title }}",
        url="{{ params.url }}",
        currency="{{ params.currency }}",
        conv_tracking="postback",
        payouts=PAYOUTS,
        fields={
            "categories": ["{{ ti.xcom_pull(task_ids='create_category')['_id'] }}"],
            "description": "Created by the campaign_setup example DAG.",
            "status": "active",
        },
        if_exists="return",
    )
    fetch_payouts = TrackierFetchCampaignPayoutsOperator(
        task_id="fetch_payouts", campaign_id="{{ " + CAMPAIGN + "['id'] }}"
    )

    @task(multiple_outputs=True)
    def timeline_window(campaign: dict[str, Any]) -> dict[str, str]:
        """From the campaign's creation day (at most 30 days back) to today, UTC."""
        today = datetime.now(timezone.utc).date()
        created = str(campaign.get("created") or "")[:10]
        try:
            start = max(date.fromisoformat(created), today - timedelta(days=HISTORY_DAYS))
        except ValueError:
            start = today - timedelta(days=HISTORY_DAYS)
        return {"start": start.isoformat(), "end": today.isoformat()}

    window = timeline_window(create_campaign.output)
    fetch_timeline = TrackierFetchCampaignTimelineOperator(
        task_id="fetch_timeline",
        start=window["start"],
        end=window["end"],
        output_path=OUTPUT_DIR + "/timeline_{{ ti.xcom_pull(task_ids='timeline_window', key='end') }}.jsonl",
    )

    @task
    def campaign_history(campaign: dict[str, Any], timeline: dict[str, Any]) -> dict[str, Any]:
        """This campaign's events from the network's timeline file."""
        wanted = str(campaign["id"])
        events = [e for e in read_records(timeline["path"]) if str(e.get("campaignId")) == wanted]
        log.info("Campaign %s (%s): %s timeline events from %s to %s", wanted, campaign.get("title"),
                 len(events), timeline.get("start"), timeline.get("end"))
        return {"campaign_id": campaign["id"], "title": campaign.get("title"), "events": events}

    create_category >> create_campaign >> fetch_payouts
    campaign_history(create_campaign.output, fetch_timeline.output)
