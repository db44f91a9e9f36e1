"""The example DAGs on a distributed Airflow: Celery workers on two "hosts", PostgreSQL, Redis and S3.

See ``tests.integration.distributed`` for what runs. A three-day backfill of ``report_pull`` (files on
``s3://``, loads into PostgreSQL through the ``trackier_warehouse`` connection) runs next to a
``publisher_onboarding`` run mapped over 60 CSV rows read from S3; then the same three days are backfilled
again. Checked: every run and task succeeds; tasks ran on both workers (the mapped creates too); the files in
the object store have the rows the API has for each window; the UI (3.x REST API) shows task logs fetched from the
worker that ran each task; the warehouse holds each conversion exactly once,
after the overlapping lookbacks and after the second pass; each new publisher was created exactly once (one
successful POST, one object in the emulator) and nothing else was; no credential appears in any log or XCom;
and afterwards no process of the setup is alive and its directory is gone.

Then the fleet budget (``dags/fleet_workload.py``): with the emulator enforcing 60 report and 60 log requests a
minute per key, eight task processes on the two workers and report sensors on the two triggerers ask for
about 100 of each as fast as their budget lets them. On a connection with the cluster's ``budget_url`` they
share one budget: zero 429 answers and every task succeeds. The same work on a connection without it (a
budget per process: together eight times the key's rate) gets 429s, so the first check can fail.

Needs the servers (``apt-get install postgresql redis-server``) and ``pip install -e '.[distributed]'``;
skipped with that message when they are missing, unless ``TRACKIER_REQUIRE_DISTRIBUTED=1`` (CI) makes it fail.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest

from tests.integration.distributed import (
    BASE_PATH,
    BUDGET_DB,
    ONBOARDING,
    REPORT_PULL,
    WORKERS,
    DistributedCluster,
    backfill_days,
    backfill_run_ids,
    check_installed,
    onboarding_rows,
)
from tests.integration.services import Unavailable
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

pytestmark = pytest.mark.integration

FINISHED = ("success", "failed")
RUN_TIMEOUT = 900
FLEET_DAGS = Path(__file__).parent / "dags" / "fleet_workload.py"
#: What the emulator enforces per key during the fleet runs, and what both fleet connections allow.
FLEET_LIMITS = {"reports_per_minute": 60, "logs_per_minute": 60}


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    try:
        check_installed()
    except Unavailable as error:
        if os.environ.get("TRACKIER_REQUIRE_DISTRIBUTED") == "1":
            pytest.fail(f"TRACKIER_REQUIRE_DISTRIBUTED=1 but {error}")
        pytest.skip(str(error))


def decode(value: Any) -> Any:
    """An XCom value as stored (JSON on 3.x, JSON bytes on 2.x) -> Python."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class Checks:
    """Queries shared by the checks: the metadata database, the warehouse, the object store, the emulator."""

    def __init__(self, cluster: DistributedCluster, emu: TrackierEmulator) -> None:
        assert cluster.airflow and cluster.postgres and cluster.store
        self.cluster = cluster
        self.airflow = cluster.airflow
        self.emu = emu
        self.fs = cluster.store.filesystem()

    def runs(self, dag_id: str, run_type: str) -> list[tuple[str, str, datetime]]:
        """(run_id, state, data_interval_start) of the DAG's runs of ``run_type``."""
        rows = self.airflow.query(
            "SELECT run_id, state, data_interval_start FROM dag_run WHERE dag_id = :dag AND run_type = :type "
            "ORDER BY data_interval_start, run_id", dag=dag_id, type=run_type)
        return [(r[0], r[1], _utc(r[2])) for r in rows]

    def backfill_runs(self, backfill_id: int) -> list[tuple[str, str, datetime]]:
        rows = self.airflow.query(
            "SELECT run_id, state, data_interval_start FROM dag_run WHERE backfill_id = :id "
            "ORDER BY data_interval_start", id=backfill_id)
        return [(r[0], r[1], _utc(r[2])) for r in rows]

    def task_instances(self, dag_id: str, run_ids: list[str]) -> list[dict[str, Any]]:
        rows = self.airflow.query(
            "SELECT run_id, task_id, map_index, state, hostname FROM task_instance WHERE dag_id = :dag",
            dag=dag_id)
        return [dict(zip(("run_id", "task_id", "map_index", "state", "hostname"), r, strict=True))
                for r in rows if r[0] in run_ids]

    def xcoms(self, dag_id: str | None = None) -> list[dict[str, Any]]:
        rows = self.airflow.query("SELECT dag_id, run_id, task_id, map_index, key, value FROM xcom")
        return [{"dag_id": r[0], "run_id": r[1], "task_id": r[2], "map_index": r[3], "key": r[4],
                 "value": decode(r[5])} for r in rows if dag_id is None or r[0] == dag_id]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        [value] = [x["value"] for x in self.xcoms(dag_id)
                   if (x["run_id"], x["task_id"], x["key"], x["map_index"]) == (run_id, task_id, key, -1)]
        return value

    def warehouse(self) -> tuple[int, int, list[str]]:
        """(rows, distinct ids, ids) of the warehouse's conversions table."""
        assert self.cluster.postgres is not None
        connection = self.cluster.postgres.connect("warehouse")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM conversions")
                rows, distinct = cursor.fetchone()
                cursor.execute("SELECT id FROM conversions ORDER BY id")
                ids = [r[0] for r in cursor.fetchall()]
        finally:
            connection.close()
        return rows, distinct, ids

    def s3_lines(self, url: str) -> list[str]:
        with self.fs.open(url.removeprefix("s3://"), "rb") as raw:
            data = raw.read()
        if url.endswith(".gz"):
            data = gzip.decompress(data)
        return [line for line in data.decode().splitlines() if line.strip()]

    def api_total(self, start: datetime, end: datetime) -> int:
        """The number of conversions the API has for [start, end): asked directly, not through Airflow."""
        import requests

        response = requests.get(
            f"{self.emu.base_url}/v2/network/conversions", headers={"X-Api-Key": self.emu.api_key}, timeout=30,
            params={"start": start.strftime("%Y-%m-%d %H:%M:%S"),
                    "end": (end - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"), "limit": 100})
        response.raise_for_status()
        return int(response.json()["pagination"]["total"])

    def task_log(self, ti: dict[str, Any], dag_id: str) -> str:
        """A task's log as the UI shows it (3.x REST API): the API server fetches it from the worker's log server."""
        import requests

        base = f"http://127.0.0.1:{self.airflow.port}"
        token = requests.get(f"{base}/auth/token", timeout=30).json()["access_token"]
        response = requests.get(
            f"{base}/api/v2/dags/{dag_id}/dagRuns/{ti['run_id']}/taskInstances/{ti['task_id']}/logs/1",
            params={"map_index": ti["map_index"]}, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        response.raise_for_status()
        return "\n".join(str(event.get("event", "")) for event in response.json()["content"])

    def wait_runs(self, what: str, fetch: Any, count: int) -> list[tuple[str, str, datetime]]:
        """Poll ``fetch()`` until it returns ``count`` runs, all finished; return them."""

        def finished() -> list[tuple[str, str, datetime]] | None:
            runs = fetch()
            return runs if len(runs) == count and all(r[1] in FINISHED for r in runs) else None

        return self.airflow.wait_for(what, finished, timeout=RUN_TIMEOUT, poll=2)


def store_contents(cluster: DistributedCluster) -> list[str]:
    """Every key and string value in the cluster's budget store."""
    import redis

    assert cluster.redis is not None
    client = redis.Redis.from_url(cluster.redis.url(BUDGET_DB))
    try:
        keys = list(client.scan_iter("*"))
        return [k.decode() for k in keys] + [str(client.get(k)) for k in keys if client.type(k) == b"string"]
    finally:
        client.close()


def fleet_runs(cluster: DistributedCluster, checks: Checks, emu: TrackierEmulator) -> str:
    """The fleet workload with one shared budget, then with a budget per process; returns what the emulator saw."""
    assert cluster.airflow is not None and cluster.redis is not None
    # The shared run retries what it must (it gets no 429, so nothing); the solo run gives up at its first 429:
    # it only has to show them, not wait them out.
    for conn_id, shared, retries in (("trackier_fleet", True, 10), ("trackier_solo", False, 0)):
        cluster.add_trackier_connection(conn_id, shared=shared, max_retries=retries, **FLEET_LIMITS)
    assert cluster.triggerer_jobs() == 2
    seen: dict[str, Counter[tuple[str, int]]] = {}
    for name in ("shared", "solo"):
        dag_id = f"fleet_workload_{name}"
        cluster.wait_until_ready((dag_id,))
        cluster.unpause(dag_id)
        emu.set_rate_limit(FLEET_LIMITS)  # fresh buckets: each run starts with the key's whole allowance
        before = len(emu.requests)
        run_id = cluster.trigger(dag_id, datetime.now(timezone.utc).replace(microsecond=0))
        [run] = checks.wait_runs(f"the {dag_id} run", lambda d=dag_id, r=run_id: [
            x for x in checks.runs(d, "manual") if x[0] == r], 1)
        tis = checks.task_instances(dag_id, [run_id])
        seen[name] = Counter(
            ("reports" if r["path"].startswith("/v2/reports/") else "logs", r["status"])
            for r in emu.requests[before:] if r["path"].startswith(("/v2/reports/", "/v2/network/conversions")))
        if name == "shared":
            # One budget for 8 task processes and 2 triggerers: not one 429, every task succeeds.
            assert run[1] == "success" and len(tis) == 8 + 4 and {t["state"] for t in tis} == {"success"}, tis
            assert {t["hostname"] for t in tis if t["task_id"] == "pull"} == set(WORKERS.values()), tis
            assert seen[name][("logs", 200)] == 8 * 12 and seen[name][("reports", 200)] >= 8 * 12 + 4 * 2
            assert seen[name][("reports", 429)] == seen[name][("logs", 429)] == 0, seen[name]
            stored = store_contents(cluster)  # now: the budgets' keys expire a minute after their last use
            assert any(":budget:" in text for text in stored), stored  # the budgets were in the store...
            assert not any(secret in text for text in stored for secret in cluster.secrets)  # ...and no secret
        else:
            # The same work with a budget per process exceeds the key's limits: the check above can fail.
            assert seen[name][("reports", 429)] + seen[name][("logs", 429)] > 0, seen[name]
    emu.set_rate_limit(None)
    return ", ".join(f"{name}: " + ", ".join(f"{group} {status} x{n}" for (group, status), n in sorted(c.items()))
                     for name, c in seen.items())


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, clock(0), tzinfo=timezone.utc)


def test_backfill_and_mapped_onboarding_on_celery_workers(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    config = EmulatorConfig(api_key=f"dist-{secrets.token_urlsafe(16)}", settle_seconds=0, job_seconds=2,
                            conversions_per_day=300)
    # The trigger must not fire before the worker that deferred has reported back (a few seconds): Airflow
    # fails a task that resumes before that; 3 polls 15 s apart leave room on a loaded 2-core machine.
    timing = {"TRACKIER_EXAMPLES_POKE_SECONDS": "3", "TRACKIER_EXAMPLES_SETTLE_SECONDS": "15",
              "TRACKIER_EXAMPLES_SENSOR_TIMEOUT_SECONDS": "600"}
    first_day, last_day = backfill_days()
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    assert len(days) == 3
    rows, expected = onboarding_rows()
    assert len(rows) >= 50
    passwords = [r["password"] for r in rows]
    with TrackierEmulator(config, host="127.0.0.1", port=0) as emu:
        cluster = DistributedCluster(trackier_url=emu.base_url, trackier_key=emu.api_key, extra_env=timing,
                                     extra_dags=[FLEET_DAGS])
        with cluster:
            checks = Checks(cluster, emu)
            airflow = checks.airflow
            cluster.wait_until_ready()
            ready = time.monotonic()
            cluster.upload_onboarding_csv(rows)
            cluster.unpause(REPORT_PULL, ONBOARDING)

            # -- first pass: the backfill and the onboarding side by side ------------------------------------
            backfill = cluster.backfill(first_day, last_day)
            onboarding_run = cluster.trigger(ONBOARDING, datetime.now(timezone.utc).replace(microsecond=0))
            if cluster.major >= 3:
                [backfill_id] = airflow.wait_for("the backfill", lambda: [r[0] for r in airflow.query(
                    "SELECT id FROM backfill WHERE dag_id = :dag", dag=REPORT_PULL)], timeout=60)
                first_runs = checks.wait_runs("the backfill's runs", lambda: checks.backfill_runs(backfill_id), 3)
            else:
                assert backfill is not None
                first_runs = checks.wait_runs("the backfill's runs", lambda: checks.runs(REPORT_PULL, "backfill"), 3)
                airflow.wait_for("the backfill command", lambda: backfill.proc.poll() is not None, timeout=120)
                assert backfill.proc.returncode == 0, backfill.tail()
            [onboarding] = checks.wait_runs("the onboarding run", lambda: [
                r for r in checks.runs(ONBOARDING, "manual") if r[0] == onboarding_run], 1)
            first_done = time.monotonic()

            assert [r[2] for r in first_runs] == [_midnight(d) for d in days]
            assert [r[0] for r in first_runs] == backfill_run_ids(first_day, last_day, cluster.major)  # the banner's
            report_tis = checks.task_instances(REPORT_PULL, [r[0] for r in first_runs])
            onboarding_tis = checks.task_instances(ONBOARDING, [onboarding_run])
            assert [r[1] for r in first_runs] == ["success"] * 3, (first_runs, report_tis, airflow.logs())
            assert onboarding[1] == "success", (onboarding_tis, airflow.logs())
            assert len(report_tis) == 3 * 4 and {t["state"] for t in report_tis} == {"success"}, report_tis
            assert {t["state"] for t in onboarding_tis} == {"success"}, onboarding_tis
            creates = [t for t in onboarding_tis if t["task_id"] == "create_publisher"]
            assert len(creates) == len(expected["new"]) + len(expected["existing"])

            # Tasks ran on both workers, the mapped creates too; nothing ran anywhere else.
            hosts = Counter(t["hostname"] for t in report_tis + onboarding_tis)
            assert set(hosts) == set(WORKERS.values()), hosts
            assert {t["hostname"] for t in creates} == set(WORKERS.values()), Counter(t["hostname"] for t in creates)

            # The UI shows each task's log, fetched from the log server of the "host" that ran it.
            if cluster.major >= 3:
                for host in WORKERS.values():
                    ti = next(t for t in creates if t["hostname"] == host)
                    text = checks.task_log(ti, ONBOARDING)
                    assert f"http://{host}:{cluster.log_port}/log/" in text and "Could not read" not in text, text
                    assert "Filling up the DagBag from " + str(cluster.root / next(
                        n for n, h in WORKERS.items() if h == host)) in text

            # Files in the object store, with the rows the API has for each window.
            window_ids: set[str] = set()
            conversions_xcoms = []
            for run_id, _, start in first_runs:
                day = start.date().isoformat()
                conversions = checks.xcom(REPORT_PULL, run_id, "fetch_conversions")
                conversions_xcoms.append(conversions)
                url = f"{BASE_PATH}/report_pull/conversions/conversions_{day}.jsonl.gz"
                assert conversions["path"] == url
                records = [json.loads(line) for line in checks.s3_lines(url)]
                window = (start - timedelta(days=7), start + timedelta(days=1))
                assert len(records) == conversions["rows"] == checks.api_total(*window) > 0, day
                window_ids |= {str(r["id"]) for r in records}
                report = checks.xcom(REPORT_PULL, run_id, "fetch_campaign_report")
                report_url = f"{BASE_PATH}/report_pull/campaign_report/campaign_report_{day}.jsonl"
                assert report["path"] == report_url
                assert len(checks.s3_lines(report_url)) == report["rows"] > 0
            listed = sorted(checks.fs.ls(f"{BASE_PATH.removeprefix('s3://')}/report_pull/conversions"))
            assert [p.rsplit("/", 1)[1] for p in listed] == [f"conversions_{d}.jsonl.gz" for d in days]

            # The warehouse: every conversion of the three overlapping windows, once.
            count, distinct, ids = checks.warehouse()
            assert count == distinct == len(window_ids) and set(ids) == window_ids
            loads = [checks.xcom(REPORT_PULL, r[0], "load_warehouse") for r in first_runs]
            # The three loads overlap (7-day lookbacks) and may run at once: the last one to finish sees them all.
            assert [load["read"] for load in loads] == [r["rows"] for r in conversions_xcoms]
            assert max(load["total"] for load in loads) == len(window_ids)
            assert all(load["conn_id"] == "trackier_warehouse" for load in loads)

            # Each new publisher created exactly once, the seeded one found, the rejected rows never sent.
            posts = [r for r in emu.requests if r["method"] == "POST" and r["path"] == "/v2/publishers"]
            assert [r["status"] for r in posts] == [200] * len(expected["new"]), Counter(r["status"] for r in posts)
            emails = Counter(p["email"].casefold() for p in emu.store.publishers.values())
            assert emails == Counter(e.casefold() for e in expected["new"]), emails
            created = [x["value"] for x in checks.xcoms(ONBOARDING)
                       if x["task_id"] == "create_publisher" and x["key"] == "created"]
            assert sorted(created) == sorted([True] * len(expected["new"]) + [False] * len(expected["existing"]))
            summary = checks.xcom(ONBOARDING, onboarding_run, "write_summary")
            assert summary["summary"] == {"created": len(expected["new"]), "existing": 1,
                                          "rejected": expected["rejected"]}
            assert summary["path"].startswith(f"{BASE_PATH}/publisher_onboarding/")
            assert json.loads("\n".join(checks.s3_lines(summary["path"])))["summary"] == summary["summary"]

            # -- second pass: the same three days again ------------------------------------------------------
            if cluster.major >= 3:  # one backfill per DAG at a time: the scheduler closes it after its runs
                airflow.wait_for("the backfill to be completed", lambda: airflow.query(
                    "SELECT 1 FROM backfill WHERE id = :id AND completed_at IS NOT NULL", id=backfill_id),
                    timeout=120)
            again = cluster.backfill(first_day, last_day, again=True)
            if cluster.major >= 3:
                second_id = airflow.wait_for("the second backfill", lambda: [r[0] for r in airflow.query(
                    "SELECT id FROM backfill WHERE dag_id = :dag AND id <> :first", dag=REPORT_PULL,
                    first=backfill_id)], timeout=60)[0]
                second_runs = checks.wait_runs("the second backfill's runs",
                                               lambda: checks.backfill_runs(second_id), 3)
            else:
                assert again is not None
                airflow.wait_for("the second backfill command", lambda: again.proc.poll() is not None,
                                 timeout=RUN_TIMEOUT, poll=2)
                assert again.proc.returncode == 0, again.tail()
                second_runs = checks.runs(REPORT_PULL, "backfill")
            second_tis = checks.task_instances(REPORT_PULL, [r[0] for r in second_runs])
            assert [(r[1], r[2]) for r in second_runs] == [("success", _midnight(d)) for d in days], second_tis
            assert len(second_tis) == 12 and {t["state"] for t in second_tis} == {"success"}, second_tis
            reloads = [checks.xcom(REPORT_PULL, r[0], "load_warehouse") for r in second_runs]
            assert [(load["read"], load["total"]) for load in reloads] == [(load["read"], count) for load in loads]
            assert checks.warehouse() == (count, distinct, ids)  # the same days again: no duplicates
            second_done = time.monotonic()

            fleet = fleet_runs(cluster, checks, emu)
            fleet_done = time.monotonic()

            # No credential in any log (servers', Airflow components', every task log) or XCom.
            xcom_text = json.dumps([x["value"] for x in checks.xcoms()], default=str)
            logs = [p for p in cluster.root.rglob("*") if p.is_file() and (p.suffix == ".log" or "logs" in p.parts)]
            assert len(logs) > 20
            leaks = [(str(path), n) for path in logs for n, secret in enumerate([*cluster.secrets, *passwords])
                     if secret in path.read_text(errors="replace")]
            leaks += [("xcom", n) for n, secret in enumerate([*cluster.secrets, *passwords]) if secret in xcom_text]
            assert leaks == []
    assert cluster.leftovers() == []
    with capsys.disabled():  # the wall times, in CI's output too
        print(f"\ndistributed run on Airflow {cluster.major}: ready after {ready - started:.0f}s, first pass "
              f"{first_done - ready:.0f}s, second pass {second_done - first_done:.0f}s, fleet runs "
              f"{fleet_done - second_done:.0f}s ({fleet}), total with teardown "
              f"{time.monotonic() - started:.0f}s; tasks per worker {dict(sorted(hosts.items()))}")
