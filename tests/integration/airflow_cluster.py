"""Start a real Airflow (scheduler, triggerer; on 3.x also API server and DAG processor) on loopback.

By default everything runs in a throwaway AIRFLOW_HOME with SQLite and the LocalExecutor (SequentialExecutor on
2.x). ``tests.integration.distributed`` builds on it with another database, the CeleryExecutor and worker
components of its own. Every process is started in its own process group and stopped (then killed if need be)
on exit, so nothing outlives the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.integration.services import free_port

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow_major() -> int:
    """The installed Airflow's major version, read without importing Airflow (that would read its settings)."""
    from importlib.metadata import version

    return int(version("apache-airflow").split(".")[0])


@dataclass
class Component:
    """One long-running command, ``airflow <args>`` unless ``argv`` is given, with its own environment overrides
    and directory."""

    name: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    log: Path | None = None
    argv: list[str] | None = None


class AirflowCluster:
    """A small Airflow deployment for one test; use as a context manager.

    :param database_url: the metadata database (default: SQLite in ``home``).
    :param executor: default LocalExecutor (3.x) / SequentialExecutor (2.x).
    :param extra_components: more commands to start, e.g. Celery workers (each with its own env and directory).
    :param secrets: strings replaced by ``***`` in the error messages and logs this class raises or returns.
    :param ui: on 2.x also start the webserver (3.x always has the API server, which serves the UI).
    :param unset: variables of this process's environment the components must not inherit.
    :param triggerers: how many triggerers run side by side (Airflow shares the triggers among them).
    """

    def __init__(self, home: Path, dags_folder: Path, extra_env: Mapping[str, str], *,
                 database_url: str | None = None, executor: str | None = None,
                 extra_components: Sequence[Component] = (), secrets: Iterable[str] = (), ui: bool = False,
                 port: int | None = None, unset: Iterable[str] = (), triggerers: int = 1) -> None:
        self.home = home
        self.major = airflow_major()
        self.port = port or free_port()
        self.database_url = database_url or f"sqlite:///{home / 'airflow.db'}"
        self.distributed = executor is not None
        self.ui = ui
        self.secrets = [s for s in secrets if s]
        self.extra_components = list(extra_components)
        self.triggerers = triggerers
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.database_url,
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            # Airflow 2's executors start tasks as `airflow tasks run ...`, found on PATH.
            "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **extra_env,
        }
        self.env.pop("AIRFLOW__CORE__EXECUTOR", None)
        for key in unset:
            self.env.pop(key, None)
        if self.major >= 3:
            self.env.update(
                {
                    "AIRFLOW__API__PORT": str(self.port),
                    "AIRFLOW__API__HOST": "127.0.0.1",
                    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                    "AIRFLOW__API_AUTH__JWT_SECRET": self.env.get(
                        "AIRFLOW__API_AUTH__JWT_SECRET", "integration-test-jwt-secret-not-a-real-one"),
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                }
            )
        else:
            self.env["AIRFLOW__WEBSERVER__WEB_SERVER_HOST"] = "127.0.0.1"
            self.env["AIRFLOW__WEBSERVER__WEB_SERVER_PORT"] = str(self.port)
        self.env["AIRFLOW__CORE__EXECUTOR"] = executor or ("LocalExecutor" if self.major >= 3 else "SequentialExecutor")
        self.procs: list[tuple[str, subprocess.Popen, IO[Any], Path]] = []
        self._engine: Any = None

    def components(self) -> list[Component]:
        # With workers on other "hosts" the triggerer's log server would only listen on every interface for
        # nothing: the UI cannot reach a worker's either (no shared or remote log storage here).
        skip = ["--skip-serve-logs"] if self.distributed else []
        triggerers = [Component("triggerer" if n == 1 else f"triggerer-{n}", ["triggerer", *skip])
                      for n in range(1, self.triggerers + 1)]
        if self.major >= 3:
            control = [Component("api-server", ["api-server", "--port", str(self.port)]),
                       Component("scheduler", ["scheduler"]), Component("dag-processor", ["dag-processor"]),
                       *triggerers]
        else:
            control = [Component("scheduler", ["scheduler"]), *triggerers]
            if self.ui:
                control.append(Component("webserver", ["webserver", "--port", str(self.port)]))
        return [*control, *self.extra_components]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def cli(self, *args: str, timeout: float = 180, env: Mapping[str, str] | None = None) -> str:
        result = subprocess.run(
            [AIRFLOW, *args], env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout,
            check=False, stdin=subprocess.DEVNULL,
        )
        if result.returncode:
            raise RuntimeError(self.redact(
                f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"))
        return result.stdout

    def __enter__(self) -> AirflowCluster:
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            self.cli("db", "migrate", timeout=600)
            for component in self.components():
                self.start(component)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self, component: Component) -> None:
        path = component.log or self.home / f"{component.name}.log"
        log = open(path, "w")  # closed in __exit__
        proc = subprocess.Popen(
            component.argv or [AIRFLOW, *component.args], env={**self.env, **component.env},
            cwd=component.cwd or self.home,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self.procs.append((component.name, proc, log, path))

    def __exit__(self, *exc: object) -> None:
        for _, proc, _, _ in self.procs:
            if proc.poll() is None:
                _killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 45
        for _, proc, log, _ in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            # Whatever the component left behind in its group (task runners, gunicorn workers) goes too.
            _killpg(proc.pid, signal.SIGKILL)
            log.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def pids(self) -> list[int]:
        return [proc.pid for _, proc, _, _ in self.procs]

    def dead_components(self) -> list[str]:
        return [name for name, proc, _, _ in self.procs if proc.poll() is not None]

    def logs(self, tail: int = 3000) -> str:
        parts = []
        for name, _, _, path in self.procs:
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"----- {name} -----\n{text[-tail:]}")
        return self.redact("\n".join(parts))

    def query(self, sql: str, **params: Any) -> list[tuple]:
        """Rows of ``sql`` (named ``:params``) on the metadata database."""
        from sqlalchemy import create_engine, text

        if self._engine is None:
            self._engine = create_engine(self.database_url, pool_size=1, max_overflow=1) if not (
                self.database_url.startswith("sqlite")) else create_engine(
                self.database_url, connect_args={"timeout": 30})
        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float, poll: float = 1.0) -> Any:
        """Poll ``check`` until it returns something truthy; fail with the components' logs otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            dead = self.dead_components()
            if dead:
                raise AssertionError(f"{dead} exited while waiting for {what}\n{self.logs()}")
            time.sleep(poll)  # polling a real scheduler: waiting is the point here, not a timing fix
        raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{self.logs()}")


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
