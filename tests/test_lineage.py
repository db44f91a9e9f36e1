"""OpenLineage: every fetch reports the Trackier operation it read and the file it wrote; creates report the
object they touched. Operators run against the emulator; the facets are checked as OpenLineage serializes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import connection_json
from tests.operators.conftest import INTERVAL_END, INTERVAL_START, RecordingTI, api_calls
from trackier_provider.lineage import api_namespace, storage_dataset
from trackier_provider.operators.advertisers import TrackierFetchAdvertiserCapsOperator
from trackier_provider.operators.campaigns import (
    TrackierCreateCampaignOperator,
    TrackierFetchCampaignPayoutsOperator,
    TrackierFetchCampaignsOperator,
    TrackierFetchCampaignTimelineOperator,
)
from trackier_provider.operators.categories import TrackierCreateCategoryOperator, TrackierFetchCategoriesOperator
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.coupons import TrackierFetchCouponsOperator
from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator
from trackier_provider.operators.publishers import TrackierCreatePublisherOperator, TrackierFetchPublishersOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator

pytest.importorskip("airflow.providers.openlineage", reason="needs the openlineage extra")
from openlineage.client.serde import Serde

#: Every fetch operator, with the arguments it needs and the path it reads.
FETCHES: list[tuple[type, dict[str, Any], str]] = [
    (TrackierFetchCampaignsOperator, {"status": "active"}, "/v2/campaigns"),
    (TrackierFetchCampaignTimelineOperator, {"start": "2023-01-01", "end": "2023-01-31"}, "/v2/campaigns/timelines"),
    (TrackierFetchCampaignPayoutsOperator, {"campaign_id": "5"}, "/v2/campaigns/5/payouts"),
    (TrackierFetchPublishersOperator, {}, "/v2/publishers"),
    (TrackierFetchAdvertiserCapsOperator, {"advertiser_id": "2"}, "/v2/advertisers/2/caps"),
    (TrackierFetchReportOperator, {"report": "campaign"}, "/v2/reports/campaign"),
    (TrackierFetchConversionsOperator, {"page_size": 500}, "/v2/network/conversions"),
    (TrackierFetchCategoriesOperator, {}, "/v2/categories"),
    (TrackierFetchCouponsOperator, {}, "/v2/coupons"),
    (TrackierFetchIncentOffersOperator, {"pub_id": 1, "source": "s"}, "/v2/offers/incent"),
]


@pytest.fixture
def context() -> dict[str, Any]:
    """The operators' task context (``tests/operators/conftest.py`` holds theirs; this module sits above it)."""
    return {"ti": RecordingTI(), "data_interval_start": INTERVAL_START, "data_interval_end": INTERVAL_END}


def serialized(lineage: Any) -> dict[str, Any]:
    """The inputs and outputs as OpenLineage would send them."""
    return {
        "inputs": [Serde.to_dict(d) for d in lineage.inputs],
        "outputs": [Serde.to_dict(d) for d in lineage.outputs],
    }


@pytest.mark.parametrize(("operator", "kwargs", "path"), FETCHES, ids=[f[0].__name__ for f in FETCHES])
def test_fetch_reports_operation_window_and_file(trackier_conn, context, tmp_path: Path, operator, kwargs, path):
    out = tmp_path / "out.jsonl"
    op_lineage = operator(task_id="fetch", output_path=str(out), **kwargs)
    assert op_lineage.get_openlineage_facets_on_complete(None) is None  # nothing executed, nothing to report

    op = operator(task_id="fetch", output_path=str(out), **kwargs)
    trackier_conn.clear_requests()
    result = op.execute(context)
    events = serialized(op.get_openlineage_facets_on_complete(None))

    (source,) = events["inputs"]
    assert (source["namespace"], source["name"]) == (trackier_conn.base_url, path)
    assert api_calls(trackier_conn, "GET", path), "the input names a path the server did not see"
    window = source.get("inputFacets", {}).get("trackierQuery")
    if result["start"] is None:
        assert window is None
    else:
        assert {k: window[k] for k in ("start", "end", "timezone")} == {
            k: result[k] for k in ("start", "end", "timezone")
        }
        assert window["_schemaURL"].endswith("lineage.html#trackierquery")

    (target,) = events["outputs"]
    assert (target["namespace"], target["name"]) == ("file", str(out))
    lines = out.read_text().splitlines()
    assert target["outputFacets"]["outputStatistics"]["rowCount"] == result["rows"] == len(lines)
    assert trackier_conn.api_key not in json.dumps(events)


def test_fetch_to_xcom_has_no_output(trackier_conn, context):
    op = TrackierFetchReportOperator(task_id="r", report="daily", timezone="Asia/Kolkata")
    op.execute(context)
    events = serialized(op.get_openlineage_facets_on_complete(None))
    assert [d["name"] for d in events["inputs"]] == ["/v2/reports/daily"]
    assert events["inputs"][0]["inputFacets"]["trackierQuery"]["timezone"] == "Asia/Kolkata"
    assert events["outputs"] == []


def test_caps_of_every_advertiser_name_each_endpoint_read(trackier_conn, context):
    op = TrackierFetchAdvertiserCapsOperator(task_id="c")
    op.execute(context)
    names = [d.name for d in op.get_openlineage_facets_on_complete(None).inputs]
    read = [r["path"] for r in api_calls(trackier_conn, "GET") if r["path"].endswith("/caps")]
    assert names == list(dict.fromkeys(read)) and len(names) > 1


@pytest.mark.parametrize(
    ("operator", "kwargs", "kind", "collection"),
    [
        (TrackierCreateCategoryOperator, {"name": "Lineage"}, "category", "/v2/categories"),
        (
            TrackierCreatePublisherOperator,
            {"name": "Lineage Media", "email": "lineage@acme.example", "password": "Canary#7f3a9X"},
            "publisher",
            "/v2/publishers",
        ),
        (
            TrackierCreateCampaignOperator,
            {
                "advertiser_id": "2", "title": "Lineage", "url": "https://x.example/?c={click_id}", "currency": "USD",
                "conv_tracking": "postback", "payouts": [{"payout": 1.2, "revenue": 1.5, "geo": ["US"]}],
            },
            "campaign",
            "/v2/campaigns",
        ),
    ],
)
def test_create_reports_the_object_it_touched(trackier_conn, context, operator, kwargs, kind, collection):
    first = operator(task_id="create", **kwargs)
    created = first.execute(context)
    again = operator(task_id="create", **kwargs)
    existing = again.execute(context)
    object_id = str(created.get("id", created.get("_id")))
    assert str(existing.get("id", existing.get("_id"))) == object_id

    for op, was_created in ((first, True), (again, False)):
        (target,) = serialized(op.get_openlineage_facets_on_complete(None))["outputs"]
        assert (target["namespace"], target["name"]) == (trackier_conn.base_url, collection)
        facet = target["outputFacets"]["trackierObject"]
        assert (facet["kind"], facet["id"], facet["created"]) == (kind, object_id, was_created)
        assert "Canary#7f3a9X" not in json.dumps(target)
    assert len(api_calls(trackier_conn, "POST", collection)) == 1


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/data/trackier/report.jsonl", ("file", "/data/trackier/report.jsonl")),
        ("file:///data/report.csv", ("file", "/data/report.csv")),
        ("s3://bucket/trackier/2026-11-20.jsonl.gz", ("s3://bucket", "trackier/2026-11-20.jsonl.gz")),
        ("gs://aws_conn@bucket/key.csv", ("gs://bucket", "key.csv")),
        ("https://user:***@files.example/r.jsonl?sig=SECRET#x", ("https://files.example", "r.jsonl")),
    ],
)
def test_storage_dataset_naming(uri, expected):
    assert storage_dataset(uri) == expected


def test_api_namespace_keeps_only_the_origin():
    assert api_namespace("https://key:secret@api.trackier.com/v2") == "https://api.trackier.com"


def test_without_the_openlineage_provider(trackier_conn, context, monkeypatch, tmp_path: Path):
    """The provider missing (simulated by blocking its import; the venv has it): operators run, no lineage."""
    for name in [m for m in sys.modules if m.startswith("airflow.providers.openlineage")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage", None)
    op = TrackierFetchCategoriesOperator(task_id="c", output_path=str(tmp_path / "c.jsonl"))
    assert op.execute(context)["rows"] > 0
    assert op.get_openlineage_facets_on_complete(None) is None


def test_operators_import_without_openlineage():
    """Importing the operators loads no OpenLineage module beyond what Airflow's provider discovery loads."""
    code = (
        "import sys, trackier_provider.version_compat; before = set(sys.modules); "
        "import trackier_provider.operators.reports, trackier_provider.operators.publishers; "
        "print(sorted(m for m in set(sys.modules) - before if 'openlineage' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


E2E_DAG = textwrap.dedent("""
    import os

    import pendulum

    from trackier_provider.operators.categories import TrackierCreateCategoryOperator
    from trackier_provider.operators.reports import TrackierFetchReportOperator
    from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk import DAG
    else:
        from airflow import DAG

    with DAG("trackier_lineage", schedule=None, start_date=pendulum.datetime(2026, 11, 1, tz="UTC")) as dag:
        TrackierFetchReportOperator(
            task_id="pull", report="daily", start="2026-11-20", end="2026-11-20",
            output_path=os.environ["LINEAGE_OUTPUT"],
        ) >> TrackierCreateCategoryOperator(task_id="create", name="Lineage E2E")

    if __name__ == "__main__":
        when = pendulum.datetime(2026, 11, 21, tz="UTC")
        dag.test(**({"logical_date": when} if AIRFLOW_V_3_0_PLUS else {"execution_date": when}))
""")


@pytest.mark.dagtest
def test_openlineage_listener_emits_the_facets(trackier_conn, airflow_db, tmp_path: Path):
    """The real path: Airflow's OpenLineage listener (file transport) asks the operators and emits events."""
    dags, events_file, output = tmp_path / "dags", tmp_path / "openlineage.jsonl", tmp_path / "daily.jsonl"
    dags.mkdir()
    (dags / "trackier_lineage.py").write_text(E2E_DAG)
    env = {
        **os.environ,
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW_CONN_TRACKIER_DEFAULT": connection_json(trackier_conn.base_url, trackier_conn.api_key),
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events_file), "append": True}
        ),
        "LINEAGE_OUTPUT": str(output),
    }
    result = subprocess.run(
        [sys.executable, str(dags / "trackier_lineage.py")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0 and output.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    complete = {e["job"]["name"]: e for e in events if e["eventType"] == "COMPLETE" and "." in e["job"]["name"]}

    pull = complete["trackier_lineage.pull"]
    (source,) = pull["inputs"]
    assert (source["namespace"], source["name"]) == (trackier_conn.base_url, "/v2/reports/daily")
    assert source["inputFacets"]["trackierQuery"]["start"] == "2026-11-20T00:00:00+00:00"
    (target,) = pull["outputs"]
    assert (target["namespace"], target["name"]) == ("file", str(output))
    assert target["outputFacets"]["outputStatistics"]["rowCount"] == len(output.read_text().splitlines())

    (created,) = complete["trackier_lineage.create"]["outputs"]
    assert created["name"] == "/v2/categories" and created["outputFacets"]["trackierObject"]["created"] is True
    assert trackier_conn.api_key not in events_file.read_text()
