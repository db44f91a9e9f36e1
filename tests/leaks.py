"""The one leak check: everything a task writes, read back and searched for canary values.

A task writes to more places than ``caplog``: Airflow 3 operators log through structlog to stdout (never to
``caplog``), Airflow 2.11 operators through the ``airflow.task`` logger, ``dag.test()`` runs and a real
worker to task log files under ``[logging] base_log_folder``, and a library may print to stderr. The
``task_output`` fixture (tests/conftest.py) gathers all of them: stdout and stderr at the file-descriptor
level (``capfd``), every log record (``caplog``; DEBUG for ``TASK_LOGGERS``) and every file under the log
folder written since the test began. Airflow's own scheduling messages stay at their usual level: at DEBUG,
Airflow 2.11's ``dag.test()`` prints the ``dag_run.conf`` a test passes in, which is the test's input, not
something a task wrote.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

#: Loggers read at DEBUG: the provider's, the tasks' (Airflow 2's ``airflow.task``) and the HTTP client's.
TASK_LOGGERS = ("trackier_provider", "airflow.task", "urllib3", "requests")


class TaskOutput:
    """What the tasks of one test wrote; ``text`` reads it (stdout and stderr are consumed as they are read)."""

    def __init__(self, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, log_folder: Path):
        self._capfd = capfd
        self._caplog = caplog
        self._log_folder = log_folder
        self._since = time.time() - 1
        self._streams: list[str] = []

    def log_files(self) -> dict[Path, str]:
        """Task log files written since the test began, with their text."""
        if not self._log_folder.is_dir():
            return {}
        return {
            path: path.read_text(errors="replace")
            for path in sorted(self._log_folder.rglob("*"))
            if path.is_file() and path.stat().st_mtime >= self._since
        }

    def text(self) -> str:
        """stdout, stderr, every log record and every task log file written so far, as one text."""
        out, err = self._capfd.readouterr()
        self._streams += [out, err]
        return "\n".join([*self._streams, self._caplog.text, *self.log_files().values()])

    def assert_free_of(self, canaries: tuple[str, ...] | list[str], *also: Any) -> str:
        """Fail when any canary is in what the tasks wrote or in ``also`` (return values, XCom, errors: each
        turned into text, JSON when it can be); returns the text searched, for further checks."""
        extra = [item if isinstance(item, str) else json.dumps(item, default=str) for item in also]
        text = "\n".join([self.text(), *extra])
        leaked = [canary for canary in canaries if canary in text]
        assert leaked == [], f"leaked {leaked}"
        return text


def log_folder() -> Path:
    """Airflow's ``[logging] base_log_folder`` of this test session."""
    from airflow.configuration import conf

    return Path(conf.get("logging", "base_log_folder"))
