"""Test-wide setup: a throwaway AIRFLOW_HOME (set before Airflow is imported) and emulator-backed connections.

The ``trackier_emulator`` fixture comes from the package's own pytest plugin, opted into below with the same
one line users put in their ``conftest.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["trackier_provider.emulator.pytest_plugin"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CANARY_KEY = "canary-Key-7f3a91c2d4e5"

_HOME_MARKER = "TRACKIER_TESTS_AIRFLOW_HOME"
if _HOME_MARKER in os.environ:
    # Imported a second time (e.g. while a DAG parse walks the repo): keep the session's settings.
    _AIRFLOW_HOME = Path(os.environ[_HOME_MARKER])
else:
    _AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="trackier-tests-airflow-home-"))
    os.environ[_HOME_MARKER] = str(_AIRFLOW_HOME)
    os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    # dag.test() on Airflow 3 wants the DAG file inside the DAGs folder, and parses the whole folder:
    # the repo root holds example DAGs and test DAGs; .airflowignore (regexp syntax on both versions,
    # Airflow 3 defaults to glob) keeps the parse away from the package, the venvs and test modules.
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT)
    os.environ["AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX"] = "regexp"
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
    os.environ.pop("AIRFLOW_CONN_TRACKIER_DEFAULT", None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the throwaway AIRFLOW_HOME."""
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


def connection_json(base_url: str, api_key: str, **extra: object) -> str:
    """The JSON form of ``AIRFLOW_CONN_<ID>`` for a Trackier connection."""
    return json.dumps({"conn_type": "trackier", "host": base_url, "password": api_key, "extra": extra})


@pytest.fixture
def trackier_conn(trackier_emulator, monkeypatch: pytest.MonkeyPatch):
    """``trackier_default`` pointed at a clean emulator (with retries kept short); yields the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_emulator.base_url, trackier_emulator.api_key)
    )
    return trackier_emulator


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Airflow's metadata database on SQLite, migrated once per session (``dag.test()`` needs it)."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
    return _AIRFLOW_HOME


@pytest.fixture(autouse=True)
def _fresh_budgets():
    """Request budgets are per process (``hooks.throttle``): give each test its own, so a 429 pause or a
    throttle set by one test never slows another."""
    from trackier_provider.hooks import throttle

    throttle._BUDGETS.clear()
    yield
    throttle._BUDGETS.clear()


@pytest.fixture
def task_output(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture):
    """Everything the test's tasks write (stdout, stderr, log records, task log files), for leak checks:
    ``task_output.assert_free_of(canaries, result, xcom)`` (see tests/leaks.py)."""
    from tests.leaks import TASK_LOGGERS, TaskOutput, log_folder

    for name in TASK_LOGGERS:
        caplog.set_level("DEBUG", logger=name)
    return TaskOutput(capfd, caplog, log_folder())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spec: reads Trackier's OpenAPI spec; skipped without it, failed under TRACKIER_REQUIRE_SPEC=1"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A ``spec`` test needs the spec (tests/spec.py: skip without it, or fail where CI requires it)."""
    if item.get_closest_marker("spec") is not None:
        from tests.spec import require_spec

        require_spec()


@pytest.fixture
def real_masker():
    """Airflow's own secrets masker, emptied for the test and restored after it."""
    from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk._shared.secrets_masker import _secrets_masker as get_masker
    else:
        from airflow.utils.log.secrets_masker import _secrets_masker as get_masker
    masker = get_masker()
    saved = (set(masker.patterns), masker.replacer)
    masker.patterns, masker.replacer = set(), None
    yield masker
    masker.patterns, masker.replacer = saved
