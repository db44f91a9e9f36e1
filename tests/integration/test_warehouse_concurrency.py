"""report_pull's warehouse load under concurrency, on a real PostgreSQL: what two workers can do at once.

On the LocalExecutor with ``dag.test()`` one load runs at a time; with Celery workers, the loads of several
days start together. Two things then happen on PostgreSQL that never happen on SQLite: concurrent
``CREATE TABLE IF NOT EXISTS`` fail all but one with a duplicate key in the catalog, and upserts of
overlapping ids in different orders can deadlock. The load creates the table tolerantly and upserts each
batch sorted by id; these tests start the loads from threads behind a barrier, several rounds, and check that
none fails and each conversion is in the table once, in one of its versions.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.services import Postgres, Unavailable, postgres_bin

pytestmark = pytest.mark.integration

REPORT_PULL = Path(__file__).resolve().parents[2] / "dags_examples" / "report_pull.py"
LOADERS = 4
ROUNDS = 5


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    try:
        postgres_bin()
        import airflow.providers.postgres  # noqa: F401
        import psycopg2  # noqa: F401
    except (Unavailable, ImportError) as error:
        if os.environ.get("TRACKIER_REQUIRE_DISTRIBUTED") == "1":
            pytest.fail(f"TRACKIER_REQUIRE_DISTRIBUTED=1 but {error}")
        pytest.skip(f"{error} (pip install -e '.[distributed]'; apt-get install -y postgresql)")
    root = Path(tempfile.mkdtemp(prefix="trackier-warehouse-"))
    root.chmod(0o711)  # the postgres user must reach its directory
    server = Postgres(root / "postgres")
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(root)


@pytest.fixture(scope="module")
def report_pull() -> Any:
    """The DAG file as a module (parsing it does no I/O)."""
    spec = importlib.util.spec_from_file_location("report_pull_under_test", REPORT_PULL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def warehouse(postgres: Postgres, monkeypatch: pytest.MonkeyPatch) -> Postgres:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_WAREHOUSE", json.dumps({
        "conn_type": "postgres", "host": "127.0.0.1", "port": postgres.port, "login": "warehouse",
        "password": postgres.passwords["warehouse"], "schema": "warehouse"}))
    return postgres


def sql(server: Postgres, statement: str) -> list[tuple]:
    connection = server.connect("warehouse")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def run_together(count: int, work: Any) -> list[BaseException]:
    """``work(n)`` in ``count`` threads released at once; the exceptions they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_first_loads_all_create_the_table(report_pull: Any, warehouse: Postgres) -> None:
    for _ in range(ROUNDS):
        sql(warehouse, "DROP TABLE IF EXISTS conversions")
        assert run_together(LOADERS, lambda n: report_pull.create_table(report_pull.warehouse_hook())) == []
        assert sql(warehouse, "SELECT COUNT(*) FROM conversions") == [(0,)]


def test_a_missing_table_still_fails_the_load(report_pull: Any, warehouse: Postgres,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The tolerance is for a table someone else just created, not for a statement that cannot work."""
    sql(warehouse, "DROP TABLE IF EXISTS conversions")
    monkeypatch.setattr(report_pull, "CREATE_TABLE", report_pull.CREATE_TABLE.replace("BIGINT", "NOT_A_TYPE", 1))
    with pytest.raises(Exception, match="not_a_type"):
        report_pull.create_table(report_pull.warehouse_hook())
    assert sql(warehouse, "SELECT to_regclass('conversions') IS NULL") == [(True,)]


def test_overlapping_loads_at_once_keep_each_conversion_once(report_pull: Any, warehouse: Postgres,
                                                             tmp_path: Path) -> None:
    """Four files whose ids overlap (as the days' 7-day lookbacks do), in different orders, loaded at once."""
    size, step = 2500, 800  # three batches per file; each file shares most of its ids with the next
    files = []
    for n in range(LOADERS):
        ids = list(range(n * step, n * step + size))
        if n % 2:
            ids.reverse()
        path = tmp_path / f"conversions_{n}.jsonl.gz"
        with gzip.open(path, "wt") as handle:
            for i in ids:
                handle.write(json.dumps({"id": f"c{i:06d}", "status": f"from-file-{n}", "campaign_id": i % 7,
                                         "payout": i / 100}) + "\n")
        files.append(path)
    union = {f"c{i:06d}" for n in range(LOADERS) for i in range(n * step, n * step + size)}
    for _ in range(ROUNDS):
        sql(warehouse, "DROP TABLE IF EXISTS conversions")
        results: dict[int, dict[str, Any]] = {}

        def load(n: int, results: dict[int, dict[str, Any]] = results) -> None:
            results[n] = report_pull.upsert_conversions(str(files[n]), report_pull.warehouse_hook())

        assert run_together(LOADERS, load) == []
        assert sorted(r["read"] for r in results.values()) == [size] * LOADERS
        assert sql(warehouse, "SELECT COUNT(*), COUNT(DISTINCT id) FROM conversions") == [(len(union), len(union))]
        assert {r[0] for r in sql(warehouse, "SELECT id FROM conversions")} == union
        statuses = {r[0] for r in sql(warehouse, "SELECT DISTINCT status FROM conversions")}
        assert statuses <= {f"from-file-{n}" for n in range(LOADERS)}
