"""DAGs run by tests/operators/test_dag_runs.py with dag.test() (inside the DAGs folder, as Airflow 3 wants).

Per-run values (output directory, password canary, ids, windows) come from ``dag_run.conf``, so every
templated field below is rendered by Airflow itself. Windows are explicit: a manual dag.test() run on
Airflow 3 has an empty data interval (start == end).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from trackier_provider.operators.advertisers import TrackierFetchAdvertiserCapsOperator
from trackier_provider.operators.campaigns import (
    TrackierCreateCampaignOperator,
    TrackierFetchCampaignPayoutsOperator,
    TrackierFetchCampaignsOperator,
    TrackierFetchCampaignTimelineOperator,
)
from trackier_provider.operators.categories import (
    TrackierCreateCategoryOperator,
    TrackierDeleteCategoryOperator,
    TrackierFetchCategoriesOperator,
    TrackierUpdateCategoryOperator,
)
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator, TrackierUploadConversionsOperator
from trackier_provider.operators.coupons import TrackierFetchCouponsOperator
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator
from trackier_provider.operators.login import TrackierLoginOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator, TrackierFetchPublishersOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG
else:
    from airflow.models.dag import DAG

OUT = "{{ dag_run.conf['out_dir'] }}"
ARGS = {"start_date": datetime(2026, 11, 1, tzinfo=timezone.utc), "schedule": timedelta(days=1), "catchup": False}

with DAG("trackier_ops_campaigns", **ARGS) as campaigns_dag:
    create = TrackierCreateCampaignOperator(
        task_id="create_campaign",
        advertiser_id="{{ dag_run.conf['advertiser_id'] }}",
        title="Campaign {{ ds }}",
        url="https://shop.example/?click_id={click_id}",
        currency="USD",
        conv_tracking="postback",
        payouts=[{"payout": 1.2, "revenue": 1.5, "geo": ["{{ dag_run.conf['geo'] }}"]}],
    )
    payouts = TrackierFetchCampaignPayoutsOperator(
        task_id="payouts", campaign_id="{{ ti.xcom_pull(task_ids='create_campaign')['id'] }}"
    )
    listed = TrackierFetchCampaignsOperator(
        task_id="campaigns", status="{{ dag_run.conf['status'] }}", output_path=OUT + "/campaigns.jsonl"
    )
    timeline = TrackierFetchCampaignTimelineOperator(
        task_id="timeline", start="{{ dag_run.conf['since'] }}", end="{{ ds }}", output_path=OUT + "/timeline.csv"
    )
    caps = TrackierFetchAdvertiserCapsOperator(task_id="caps", advertiser_id="{{ dag_run.conf['advertiser_id'] }}")
    create >> payouts

def _publisher_tasks() -> None:
    """Create a publisher, list it to a file, log in, read a campaign: the tasks that touch credentials."""
    TrackierCreatePublisherOperator(
        task_id="create_publisher",
        name="Publisher {{ ds_nodash }}",
        email="{{ dag_run.conf['email'] }}",
        password="{{ dag_run.conf['password'] }}",
    ) >> TrackierFetchPublishersOperator(
        task_id="publishers", filters={"email": "{{ dag_run.conf['email'] }}"}, output_path=OUT + "/pubs.csv.gz"
    )
    TrackierLoginOperator(
        task_id="login",
        email="{{ dag_run.conf['login_email'] }}",
        password="{{ dag_run.conf['login_password'] }}",
        network_url="{{ dag_run.conf['network_url'] }}",
        api_key_variable="trackier_api_key",
    )
    TrackierOperator(
        task_id="generic", endpoint="/v2/campaigns/{{ dag_run.conf['campaign_id'] }}", response_key="campaign"
    )


with DAG("trackier_ops_publishers", **ARGS) as publishers_dag:
    _publisher_tasks()

# The same tasks, for the run against a panel that echoes credentials (Airflow 2.11's dag.test() cannot run
# one DAG twice in a session: clearing the first run needs tables its test database does not load).
with DAG("trackier_ops_echoed_credentials", **ARGS) as echoed_credentials_dag:
    _publisher_tasks()

with DAG("trackier_ops_data", **ARGS) as data_dag:
    TrackierFetchConversionsOperator(
        task_id="conversions", timezone="{{ dag_run.conf['timezone'] }}", lookback=1,
        start="{{ dag_run.conf['start'] }}", end="{{ dag_run.conf['end'] }}",
        output_path=OUT + "/conversions.jsonl.gz",
    )
    TrackierFetchReportOperator(
        task_id="report", report="{{ dag_run.conf['report'] }}", kpi=["clicks", "revenue"],
        start="{{ dag_run.conf['start'] }}", end="{{ dag_run.conf['end'] }}",
        output_path=OUT + "/report.csv",
    )
    TrackierUploadConversionsOperator(
        task_id="upload",
        conversions=[{"campaign_id": "{{ dag_run.conf['campaign_id'] }}", "publisher_id": "1", "payout": 2.5}],
    )

with DAG("trackier_ops_catalog", **ARGS) as catalog_dag:
    created = TrackierCreateCategoryOperator(task_id="create_category", name="{{ dag_run.conf['category'] }}")
    renamed = TrackierUpdateCategoryOperator(
        task_id="rename_category",
        category_id="{{ ti.xcom_pull(task_ids='create_category')['_id'] }}",
        name="{{ dag_run.conf['category'] }} (renamed)",
    )
    listed_categories = TrackierFetchCategoriesOperator(task_id="categories")
    deleted = TrackierDeleteCategoryOperator(
        task_id="delete_category", category_id="{{ ti.xcom_pull(task_ids='create_category')['_id'] }}"
    )
    created >> renamed >> listed_categories >> deleted
    TrackierFetchCouponsOperator(task_id="coupons", status="{{ dag_run.conf['coupon_status'] }}")
    TrackierFetchIncentOffersOperator(
        task_id="incent", pub_id="{{ dag_run.conf['pub_id'] }}", source="{{ dag_run.conf['source'] }}",
        output_path="memory://trackier-tests/{{ run_id | replace(':', '_') }}/incent.jsonl",
    )
