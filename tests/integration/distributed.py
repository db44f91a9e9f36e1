"""A distributed Airflow on loopback, for ``test_distributed.py`` and ``make cluster``.

In one throwaway directory (removed on exit), on 127.0.0.1 and free ports:

- PostgreSQL: Airflow's metadata database and the ``warehouse`` database that ``report_pull`` loads into
  (through the ``trackier_warehouse`` connection), run as the ``postgres`` user from Debian's binaries;
- Redis: the Celery broker and result backend, and (database 2) the shared budget store: connection
  ``trackier_default`` names it in its ``budget_url`` extra, so every worker's task and both triggerers draw
  from one API budget per endpoint group;
- an S3 server (moto's): ``s3://trackier/...`` holds every file the DAGs read or write;
- Airflow's scheduler and two triggerers side by side (and on 3.x the API server and DAG processor),
  CeleryExecutor;
- two Celery workers, ``worker-a`` and ``worker-b``, each with its own directory (AIRFLOW_HOME, copy of the DAG
  files, task logs, TMPDIR, working directory) and hostname (``127.0.0.2`` / ``127.0.0.3``, as Airflow records
  it on task instances), so nothing can rely on a path another process wrote. On 3.x the workers have no
  metadata database credentials: connections, variables and XCom reach them only through the API server.
  Each worker's task logs are served by Airflow's log server app bound to the worker's own address, on the
  one ``worker_log_server_port`` of the deployment, so the UI fetches them from the worker that ran the task
  as it would from separate hosts (``airflow celery worker`` would bind every interface, so the workers start
  with ``--skip-serve-logs`` and the app is started next to each).

The connections live in the metadata database (not in environment variables), so tasks read them the way a
real deployment does (on 3.x: from the API server). ``python -m tests.integration.distributed`` (``make
cluster``) starts it all with the Trackier emulator and the same workload as the test, and stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.integration.airflow_cluster import AIRFLOW, AirflowCluster, Component, airflow_major
from tests.integration.services import (
    ObjectStore,
    Postgres,
    Process,
    Redis,
    Unavailable,
    free_port,
    pid_alive,
    postgres_bin,
    redis_server,
    require_python_packages,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "dags_examples"
#: Worker name -> the hostname Airflow records for its task instances (a loopback address: nothing to resolve).
WORKERS = {"worker-a": "127.0.0.2", "worker-b": "127.0.0.3"}
BUCKET = "trackier"
BASE_PATH = f"s3://{BUCKET}/examples"
ONBOARDING_CSV = f"s3://{BUCKET}/onboarding/publishers.csv"
REPORT_PULL = "report_pull"
ONBOARDING = "publisher_onboarding"
#: The Redis database of the shared budget store (0 and 1 are Celery's).
BUDGET_DB = 2

HOSTNAME_MODULE = '''"""The hostname Airflow records for task instances run by this worker (one per simulated host)."""

import os


def hostname() -> str:
    return os.environ["TRACKIER_WORKER_HOSTNAME"]
'''


def check_installed() -> None:
    """Raise ``Unavailable`` (with the install command) unless every server and package is installed."""
    require_python_packages()
    postgres_bin()
    redis_server()


class DistributedCluster:
    """The whole setup as a context manager; ``airflow`` is the running ``AirflowCluster``.

    :param trackier_url, trackier_key: the Trackier API (the emulator) for connection ``trackier_default``.
    :param extra_env: more settings for every Airflow process (e.g. the examples' sensor timing).
    :param concurrency: task slots per worker.
    :param ui: also start 2.x's webserver (3.x's API server serves the UI anyway) on ``port``.
    :param extra_dags: DAG files copied next to the examples (for every component and worker).
    :param triggerers: triggerers running side by side.
    """

    def __init__(self, *, trackier_url: str, trackier_key: str, extra_env: Mapping[str, str] | None = None,
                 concurrency: int = 4, dags_source: Path = EXAMPLES, ui: bool = False, port: int | None = None,
                 use_job_schedule: bool = False, extra_dags: Sequence[Path] = (), triggerers: int = 2) -> None:
        check_installed()
        self.trackier_url = trackier_url
        self.trackier_key = trackier_key
        self.extra_env = dict(extra_env or {})
        self.concurrency = concurrency
        self.dags_source = dags_source
        self.ui = ui
        self.port = port
        self.use_job_schedule = use_job_schedule
        self.extra_dags = list(extra_dags)
        self.triggerers = triggerers
        self.major = airflow_major()
        self.root = Path()
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None
        self.store: ObjectStore | None = None
        self.airflow: AirflowCluster | None = None
        self.background: list[Process] = []
        self.admin_password: str | None = None
        self.log_port = 0
        self._pids: list[int] = []

    # -- lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> DistributedCluster:
        self.root = Path(tempfile.mkdtemp(prefix="trackier-cluster-"))
        # Traversable (not readable) by the servers' own users; everything below is owner-only.
        self.root.chmod(0o711)
        try:
            self.postgres = Postgres(self.root / "postgres").start()
            self.redis = Redis(self.root / "redis").start()
            self.store = ObjectStore(self.root / "s3", bucket=BUCKET).start()
            control = self._directory("control")
            self._copy_dags(control / "dags")
            self.log_port = free_port()
            workers = [c for name, host in WORKERS.items() for c in self._worker(name, host)]
            self.airflow = AirflowCluster(
                control, control / "dags", self._airflow_env(control), database_url=self.postgres.url("airflow"),
                executor="CeleryExecutor", extra_components=workers, secrets=self.secrets, ui=self.ui,
                port=self.port, triggerers=self.triggerers,
                # Connections come from the metadata database only, as in a deployment: none from this shell.
                unset=[key for key in os.environ if key.startswith("AIRFLOW_CONN_")],
            )
            self.airflow.__enter__()
            self._add_connections()
            if self.ui and self.major < 3:
                self.admin_password = secrets.token_urlsafe(12)
                self.airflow.secrets.append(self.admin_password)
                self.airflow.cli("users", "create", "--role", "Admin", "--username", "admin", "--email",
                                 "admin@cluster.test", "--firstname", "Cluster", "--lastname", "Admin",
                                 "--password", self.admin_password)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._pids = self.pids()
        for process in self.background:
            process.stop()
        if self.airflow is not None:
            self.airflow.__exit__(None, None, None)
        for service in (self.store, self.redis, self.postgres):
            if service is not None:
                service.stop()
        if self.root != Path() and self.root.exists():
            shutil.rmtree(self.root)

    def pids(self) -> list[int]:
        """Every process this cluster started (servers, Airflow components, background commands)."""
        found = [p.pid for p in self.background]
        if self.airflow is not None:
            found += self.airflow.pids()
        for service in (self.store, self.redis, self.postgres):
            if service is not None:
                found += service.pids()
        return found or self._pids

    def leftovers(self) -> list[str]:
        """After exit: processes still alive and files still on disk (both should be none)."""
        alive = [f"pid {pid}" for pid in self._pids if pid_alive(pid)]
        return alive + ([str(self.root)] if self.root != Path() and self.root.exists() else [])

    # -- configuration ---------------------------------------------------------------------------------------

    @property
    def secrets(self) -> list[str]:
        """Every credential of the setup: none may appear in a log or an XCom."""
        found = [self.trackier_key]
        if self.postgres is not None:
            found += list(self.postgres.passwords.values())
        if self.redis is not None:
            found.append(self.redis.password)
        if self.store is not None:
            found.append(self.store.secret_key)
        return found

    @property
    def budget_url(self) -> str:
        """The shared budget store (connection extra ``budget_url``): a database of the cluster's Redis."""
        assert self.redis is not None
        return self.redis.url(BUDGET_DB)

    def _copy_dags(self, target: Path) -> None:
        shutil.copytree(self.dags_source, target, ignore=shutil.ignore_patterns("__pycache__"))
        for path in self.extra_dags:
            shutil.copy(path, target / path.name)

    def _directory(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o700)
        return path

    def _airflow_env(self, control: Path) -> dict[str, str]:
        from cryptography.fernet import Fernet

        assert self.redis is not None and self.store is not None
        env = {
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__WEBSERVER__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url(0),
            "AIRFLOW__CELERY__RESULT_BACKEND": self.redis.url(1),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            # One task at a time per free slot: queued tasks go to whichever worker has room.
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            # Only what is triggered runs (no run of the latest interval on unpause).
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(self.use_job_schedule),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "3",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW": "5",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(control / "logs"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_port),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "TRACKIER_EXAMPLES_BASE_PATH": BASE_PATH,
            "TRACKIER_EXAMPLES_PUBLISHERS_CSV": ONBOARDING_CSV,
            **self.store.env,
            **self.extra_env,
        }
        return env

    def _worker(self, name: str, host: str) -> list[Component]:
        """The Celery worker ``name`` and its log server, both on the "host" ``host``."""
        home = self._directory(name)
        for sub in ("logs", "tmp", "lib"):
            (home / sub).mkdir(mode=0o700)
        self._copy_dags(home / "dags")
        (home / "lib" / "trackier_worker_identity.py").write_text(HOSTNAME_MODULE)
        env = {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "trackier_worker_identity.hostname",
            "TRACKIER_WORKER_HOSTNAME": host,
            "TMPDIR": str(home / "tmp"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(home / "lib"), os.environ.get("PYTHONPATH")])),
        }
        if self.major >= 3:
            # Task runners talk to the API server only: a worker without the metadata database's credentials
            # proves it (this SQLite file has no tables; a query from the worker would fail).
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'not-the-metadata-database.db'}"
        worker = Component(name, ["celery", "worker", "--celery-hostname", f"{name}@trackier-cluster",
                                  "--concurrency", str(self.concurrency), "--skip-serve-logs"],
                           env=env, cwd=home, log=home / "worker.log")
        if self.major >= 3:
            serve = [sys.executable, "-m", "uvicorn", "--factory", "airflow.utils.serve_logs.log_server:get_app",
                     "--host", host, "--port", str(self.log_port), "--no-access-log"]
        else:
            serve = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"{host}:{self.log_port}",
                     "--workers", "1", "airflow.utils.serve_logs:create_app()"]
        logs = Component(f"{name}-logs", [], env=env, cwd=home, log=home / "log-server.log", argv=serve)
        return [worker, logs]

    def _add_connections(self) -> None:
        """``trackier_default`` and ``trackier_warehouse`` in the metadata database (encrypted with the Fernet
        key), imported from an owner-only file so no password is on a command line."""
        assert self.airflow is not None and self.postgres is not None
        connections = {
            "trackier_default": {"conn_type": "trackier", "host": self.trackier_url, "password": self.trackier_key,
                                 "extra": json.dumps({"budget_url": self.budget_url})},
            "trackier_warehouse": {"conn_type": "postgres", "host": "127.0.0.1", "port": self.postgres.port,
                                   "login": "warehouse", "password": self.postgres.passwords["warehouse"],
                                   "schema": "warehouse"},
        }
        self._import_connections(connections)

    def add_trackier_connection(self, conn_id: str, *, shared: bool, **extra: Any) -> None:
        """One more Trackier connection to the same API and key; ``shared``: with the cluster's ``budget_url``."""
        if shared:
            extra["budget_url"] = self.budget_url
        self._import_connections({conn_id: {"conn_type": "trackier", "host": self.trackier_url,
                                            "password": self.trackier_key, "extra": json.dumps(extra)}})

    def _import_connections(self, connections: Mapping[str, Any]) -> None:
        assert self.airflow is not None
        path = self.airflow.home / "connections.json"
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            json.dump(connections, handle)
        try:
            self.airflow.cli("connections", "import", str(path))
        finally:
            path.unlink()

    # -- readiness -------------------------------------------------------------------------------------------

    def worker_names(self) -> set[str]:
        """Celery node names answering a ping over the broker."""
        from celery import Celery

        assert self.redis is not None
        app = Celery(broker=self.redis.url(0), backend=self.redis.url(1))
        try:
            replies = app.control.ping(timeout=1.0) or []
        finally:
            app.close()
        return {name.split("@")[0] for reply in replies for name in reply}

    def wait_until_ready(self, dag_ids: tuple[str, ...] = (REPORT_PULL, ONBOARDING), timeout: float = 300) -> None:
        """Both workers answer and the DAG processor has stored ``dag_ids``."""
        assert self.airflow is not None
        airflow = self.airflow
        airflow.wait_for("both Celery workers", lambda: self.worker_names() >= set(WORKERS), timeout=timeout, poll=2)
        airflow.wait_for(
            f"the DAGs {dag_ids} to be parsed",
            lambda: set(dag_ids) <= {row[0] for row in airflow.query("SELECT dag_id FROM dag")},
            timeout=timeout, poll=2)

    # -- workload --------------------------------------------------------------------------------------------

    def upload_onboarding_csv(self, rows: list[dict[str, str]]) -> None:
        assert self.store is not None
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=["name", "email", "password", "company", "phone", "campaign_ids"],
                                restval="")
        writer.writeheader()
        writer.writerows(rows)
        with self.store.filesystem().open(ONBOARDING_CSV.removeprefix("s3://"), "w") as handle:
            handle.write(text.getvalue())

    def unpause(self, *dag_ids: str) -> None:
        assert self.airflow is not None
        for dag_id in dag_ids:
            self.airflow.cli("dags", "unpause", dag_id)

    def backfill(self, first: date, last: date, *, again: bool = False) -> Process | None:
        """Backfill ``report_pull`` for the days ``first``..``last`` (logical dates; each run reads its day).

        ``again``: the same days once more (3.x: reprocess completed runs; 2.x: reset the runs). On 3.x the
        scheduler runs the backfill (None is returned); on 2.x the ``airflow dags backfill`` command does, sending
        the tasks to the Celery workers, and its process is returned.
        """
        assert self.airflow is not None
        if self.major >= 3:
            args = ["backfill", "create", "--dag-id", REPORT_PULL, "--from-date", first.isoformat(),
                    "--to-date", last.isoformat(), "--max-active-runs", "3"]
            if again:
                args += ["--reprocess-behavior", "completed"]
            self.airflow.cli(*args)
            return None
        args = ["dags", "backfill", REPORT_PULL, "-s", first.isoformat(), "-e", last.isoformat(), "--yes"]
        if again:
            args.append("--reset-dagruns")
        name = f"backfill-{'again' if again else 'first'}"
        process = Process(name, [AIRFLOW, *args], self.airflow.home / f"{name}.log", env=self.airflow.env,
                          cwd=self.airflow.home)
        self.background.append(process)
        return process

    def trigger(self, dag_id: str, logical: datetime) -> str:
        """A manual run of ``dag_id``; returns its run id."""
        assert self.airflow is not None
        run_id = f"manual__cluster_{dag_id}_{logical.strftime('%Y%m%dT%H%M%S')}"
        flag = "--logical-date" if self.major >= 3 else "--exec-date"
        self.airflow.cli("dags", "trigger", dag_id, flag, logical.isoformat(), "--run-id", run_id)
        return run_id

    def triggerer_jobs(self) -> int:
        """Triggerers alive, as the metadata database records them (one job each)."""
        assert self.airflow is not None
        return len(self.airflow.query("SELECT id FROM job WHERE job_type = 'TriggererJob' AND state = 'running'"))


def backfill_run_ids(first: date, last: date, major: int) -> list[str]:
    """The run ids a backfill of ``report_pull`` over the days ``first``..``last`` creates: Airflow 3 names a
    run by when it may start (the end of its day), Airflow 2 by its logical date (the start of its day)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    offset = timedelta(days=1) if major >= 3 else timedelta(0)
    return [f"backfill__{(datetime.combine(d, datetime.min.time(), tzinfo=timezone.utc) + offset).isoformat()}"
            for d in days]


#: How many of the onboarding CSV's new publishers name campaigns (4 and 6).
GRANTED = 6


def onboarding_rows(count: int = 56) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """A publisher CSV of ``count`` new publishers plus rows that must not be created, and what to expect.

    Every password is random, so a test can look for each in logs and XCom. Returns the rows and
    ``{"new": [emails], "existing": [emails], "rejected": n}``.
    """
    rows = [
        {"name": f"Cluster Partner {n:03d}", "email": f"partner{n:03d}@cluster.example",
         "password": f"Pw#{secrets.token_hex(5)}A1", "company": f"Partner {n:03d} Ltd", "phone": f"+4420{n:07d}",
         # A few publishers get access to two of the emulator's permission campaigns (and their links).
         "campaign_ids": "4;6" if n <= GRANTED else ""}
        for n in range(1, count + 1)
    ]
    rows += [
        # An emulator seed publisher: found, not created.
        {"name": "Seeded", "email": "Publisher3@example.com", "password": f"Sd#{secrets.token_hex(5)}A1"},
        {"name": "Bad Email", "email": "nobody-at-cluster.example", "password": f"Be#{secrets.token_hex(5)}A1"},
        # Rejected: no uppercase letter, no special character.
        {"name": "Weak Password", "email": "weak@cluster.example", "password": f"weak{secrets.token_hex(5)}"},
        {"name": "Duplicate", "email": "PARTNER001@cluster.example", "password": f"Du#{secrets.token_hex(5)}A1"},
    ]
    expected = {"new": [r["email"] for r in rows[:count]], "existing": ["Publisher3@example.com"], "rejected": 3}
    return rows, expected


def backfill_days(today: date | None = None) -> tuple[date, date]:
    """Three closed days, ending three days ago: their figures have settled."""
    today = today or datetime.now(timezone.utc).date()
    return today - timedelta(days=5), today - timedelta(days=3)


def main(argv: list[str] | None = None) -> int:
    """``make cluster``: start the setup with the emulator and the test's workload, print where things are."""
    parser = argparse.ArgumentParser(prog="make cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8080")),
                        help="the UI's port on 127.0.0.1 (default 8080, or $CLUSTER_PORT)")
    parser.add_argument("--no-workload", action="store_true",
                        help="start everything but trigger nothing (the DAGs stay paused)")
    args = parser.parse_args(argv)
    try:
        check_installed()
    except Unavailable as error:
        print(f"make cluster: {error}", file=sys.stderr)
        return 2
    from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

    stop = {"signal": 0}

    def on_signal(signum: int, frame: Any) -> None:
        stop["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator = TrackierEmulator(EmulatorConfig(api_key=secrets.token_urlsafe(16), settle_seconds=0, job_seconds=2,
                                               conversions_per_day=300), host="127.0.0.1", port=0)
    print("Starting PostgreSQL, Redis, an S3 server, Airflow and two Celery workers (a minute or two) ...",
          flush=True)
    with emulator as emu, DistributedCluster(
        trackier_url=emu.base_url, trackier_key=emu.api_key, ui=True, port=_ui_port(args.port),
        extra_env={"TRACKIER_EXAMPLES_POKE_SECONDS": "3", "TRACKIER_EXAMPLES_SETTLE_SECONDS": "15"},
    ) as cluster:
        assert cluster.airflow is not None and cluster.postgres is not None and cluster.redis is not None
        assert cluster.store is not None
        cluster.wait_until_ready()
        workload = "nothing triggered (--no-workload); DAGs paused"
        if not args.no_workload:
            rows, _ = onboarding_rows()
            cluster.upload_onboarding_csv(rows)
            cluster.unpause(REPORT_PULL, ONBOARDING)
            first, last = backfill_days()
            cluster.backfill(first, last)
            cluster.trigger(ONBOARDING, datetime.now(timezone.utc).replace(microsecond=0))
            runs = backfill_run_ids(first, last, cluster.major)
            workload = (f"backfill of {REPORT_PULL} reading the days {first}..{last} (runs {runs[0]} .. "
                        f"{runs[-1]}) and a {ONBOARDING} run over {len(rows)} CSV rows, triggered")
        url = f"http://127.0.0.1:{cluster.airflow.port}"
        login = ("no login needed (simple auth manager, everyone admin, loopback only)" if cluster.major >= 3
                 else f"user admin, password {cluster.admin_password}")
        print(f"""
Distributed Airflow {'.'.join(map(str, _airflow_version()))} is up in {cluster.root}
  UI                 {url}  ({login})
  metadata DB        PostgreSQL on 127.0.0.1:{cluster.postgres.port}, database airflow
  warehouse          PostgreSQL database warehouse, table conversions (connection trackier_warehouse)
  broker             Redis on 127.0.0.1:{cluster.redis.port}, databases 0 and 1
  budget store       the same Redis, database {BUDGET_DB}: trackier_default's budget_url, one API budget per
                     endpoint group for both workers' tasks and both triggerers
  triggerers         {cluster.triggerers}, side by side
  object store       S3 (moto) at {cluster.store.endpoint}, bucket {BUCKET}: {BASE_PATH}/, {ONBOARDING_CSV}
  Trackier API       emulator at {emu.base_url} (connection trackier_default)
  workers            {', '.join(f'{n} (hostname {h}, {cluster.root / n})' for n, h in WORKERS.items())}
  task logs          on each worker, {cluster.root}/worker-*/logs, served by its log server
                     (<worker hostname>:{cluster.log_port}): the UI fetches each from the worker that ran the task
  workload           {workload}

Ctrl-C (or SIGTERM) stops every process and removes {cluster.root}.""", flush=True)
        while not stop["signal"]:
            dead = cluster.airflow.dead_components()
            if dead:
                print(f"{dead} exited; stopping.\n{cluster.airflow.logs()}", file=sys.stderr)
                break
            time.sleep(1)  # waiting for Ctrl-C
        print("Stopping ...", flush=True)
    leftovers = cluster.leftovers()
    print("Stopped; nothing left behind." if not leftovers else f"Left behind: {leftovers}")
    return 0 if not leftovers else 1


def _ui_port(wanted: int) -> int:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", wanted))
        except OSError:
            port = free_port()
            print(f"Port {wanted} is taken; the UI gets {port}.", flush=True)
            return port
    return wanted


def _airflow_version() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(p) for p in version("apache-airflow").split(".")[:3] if p.isdigit())


if __name__ == "__main__":
    sys.exit(main())
