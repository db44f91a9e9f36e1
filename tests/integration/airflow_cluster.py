"""Start a real Airflow (scheduler, triggerer; on 3.x also API server and DAG processor) on loopback.

Everything runs in a throwaway AIRFLOW_HOME with SQLite; every process is started in its own process group
and stopped (then killed if need be) on exit, so nothing outlives the test.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow_major() -> int:
    from airflow import __version__

    return int(__version__.split(".")[0])


class AirflowCluster:
    """A small Airflow deployment for one test; use as a context manager."""

    def __init__(self, home: Path, dags_folder: Path, extra_env: Mapping[str, str]) -> None:
        self.home = home
        self.major = airflow_major()
        self.port = free_port()
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
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
        if self.major >= 3:
            self.env.update(
                {
                    "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                    "AIRFLOW__API__PORT": str(self.port),
                    "AIRFLOW__API__HOST": "127.0.0.1",
                    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                    "AIRFLOW__API_AUTH__JWT_SECRET": "integration-test-jwt-secret-not-a-real-one",
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                }
            )
        else:
            self.env["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"
        self.procs: list[tuple[str, subprocess.Popen, IO[Any]]] = []

    def components(self) -> list[list[str]]:
        if self.major >= 3:
            return [["api-server", "--port", str(self.port)], ["scheduler"], ["dag-processor"], ["triggerer"]]
        return [["scheduler"], ["triggerer"]]

    def cli(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def __enter__(self) -> AirflowCluster:
        self.home.mkdir(parents=True, exist_ok=True)
        self.cli("db", "migrate", timeout=300)
        for args in self.components():
            log = open(self.home / f"{args[0]}.log", "w")  # closed in __exit__
            proc = subprocess.Popen(
                [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            self.procs.append((args[0], proc, log))
        return self

    def __exit__(self, *exc: object) -> None:
        for _, proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for _, proc, log in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            log.close()

    def dead_components(self) -> list[str]:
        return [name for name, proc, _ in self.procs if proc.poll() is not None]

    def logs(self, tail: int = 3000) -> str:
        parts = []
        for name, _, _ in self.procs:
            text = (self.home / f"{name}.log").read_text(errors="replace")
            parts.append(f"----- {name} -----\n{text[-tail:]}")
        return "\n".join(parts)

    def query(self, sql: str, *params: Any) -> list[tuple]:
        with sqlite3.connect(self.home / "airflow.db", timeout=30) as db:
            return db.execute(sql, params).fetchall()

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
