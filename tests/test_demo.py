"""``make demo``: the command itself, run as a user runs it, in its own Airflow home and against its own emulator."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from trackier_provider import demo
from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import check_limit
from trackier_provider.demo import _summarise
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.provider_info import CONN_FIELDS
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

MAJOR = 3 if AIRFLOW_V_3_0_PLUS else 2


def _run_demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: the test session's AIRFLOW_* settings must not leak into the demo, except one
    # database URL left in the shell, which the demo has to ignore (it must never touch a real deployment's DB).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TRACKIER"))}
    env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{tmp_path / 'someone-elses.db'}"
    command = [
        sys.executable, "-m", "trackier_provider.demo",
        "--airflow-home", str(tmp_path / "home"), "--output", str(tmp_path / "out"), *args,
    ]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_demo_runs_the_chosen_dags_and_prints_a_summary(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, "--dag", "publisher_onboarding", "--dag", "campaign_setup")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout + result.stderr
    summary = out[out.index("Demo summary"):]
    assert "publisher_onboarding   success" in summary and "publishers created 4" in summary
    assert "campaign_setup         success" in summary and "files written 1" in summary
    assert "report_pull" not in summary
    # Quiet by default: the bad sample rows are reported, Airflow's dependency deprecations are not.
    assert "Row 6 rejected: password: Password criteria not met!" in out
    assert "Deprecat" not in out and "empty cryptography key" not in out
    home = tmp_path / "home" / f"airflow-{MAJOR}"  # this Airflow's own home under --airflow-home
    # The dag.test() runs go to their own database, not the one `make airflow`'s UI shows (airflow.db).
    assert (home / demo.DEMO_RUNS_DB).is_file() and not (home / demo.UI_DB).exists()
    assert not (tmp_path / "someone-elses.db").exists()
    assert {p.name for p in (tmp_path / "home").iterdir()} == {home.name}
    assert _mode(tmp_path / "home") == _mode(home) == 0o700
    assert {name: _mode(home / name) for name in ("fernet.key", "airflow.cfg", demo.DEMO_RUNS_DB)} == dict.fromkeys(
        ("fernet.key", "airflow.cfg", demo.DEMO_RUNS_DB), 0o600
    )
    assert list((tmp_path / "out" / "publisher_onboarding").glob("summary_*.json"))


#: A level marker of Airflow 3's console log (structlog) or of the standard logging format Airflow 2 uses.
LOUD = re.compile(r"\[(warning|error|critical|exception)\s*\]|\b(WARNING|ERROR|CRITICAL)\b|Traceback", re.IGNORECASE)
#: The warnings the demo means to print: the sample data's bad rows, reported while the good ones go through.
DELIBERATE = (
    re.compile(r"\[warning\s*\] Row \d+ rejected: |\bWARNING\b.* Row \d+ rejected: "),
    re.compile(r"Trackier job \w+ finished with row errors:$"),
    re.compile(r"Trackier job \w+: 1 of 5 rows rejected \(see wait_for_job's log for each row\)"),
)


def test_the_whole_demo_prints_no_warning_but_the_rejected_sample_rows(tmp_path: Path) -> None:
    """A user must not mistake anything `make demo` prints for an error: every line at warning level or above
    is one of the sample data's deliberately bad rows. And the README's first screen shows what it prints."""
    result = _run_demo(tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    loud = [line for line in out.splitlines() if LOUD.search(line)]
    unexpected = [line for line in loud if not any(p.search(line) for p in DELIBERATE)]
    assert unexpected == [], "\n".join(unexpected)
    assert sum("rejected" in line for line in loud) == 5  # 4 publisher rows, 1 conversion of the bulk job
    for text in ("Skipping masking", "XCom not found", "met!.", "(connection trackier_warehouse)"):
        assert text not in out
    # The README's demo block: its lines (paths, ports, ids, timings and sizes aside) are what the demo printed.
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme[readme.index("```\nPreparing Airflow's metadata database"):]
    block = block[4:block.index("```", 4)]
    printed = [_shape(line) for line in out.splitlines()]
    for line in block.splitlines():
        if line.strip() and not line.startswith("  ") and "..." not in line[:4]:
            # A trailing " ..." abridges the rest of the printed line (a log line's logger and location).
            shown = _shape(line.removesuffix(" ..."))
            assert any(p.startswith(shown) for p in printed), line
    for dag_id in [*demo.DAG_ORDER, "schema_canary"]:
        assert re.search(rf"^  {dag_id} +success ", out, re.MULTILINE), dag_id


def _shape(line: str) -> str:
    """A printed line without what changes from run to run (paths, ports, job ids, numbers)."""
    line = re.sub(r"(/[^ ]*)+", "/PATH", line.replace(".../", "/"))
    line = re.sub(r"127\.0\.0\.1:\d+", "HOST", line)
    return re.sub(r"\b[0-9a-f]{24}\b|\d+", "N", line)


def test_unknown_dag_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, "--dag", "report_pul")
    assert result.returncode != 0
    assert "--dag report_pul: no such DAG" in result.stderr and "report_pull" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_dags_folder_is_refused(tmp_path: Path) -> None:
    result = _run_demo(tmp_path, "--dags-folder", str(tmp_path / "nowhere"))
    assert result.returncode != 0 and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"pull": [{"path": "a.jsonl", "rows": 7}], "load": [{"path": "b.csv", "rows": 0}]}, (7, 2, 0)),
        ({"summarise": [{"summary": {"created": 3, "existing": 2}}], "create": [None, "x"]}, (0, 0, 3)),
        ({}, (0, 0, 0)),
    ],
)
def test_summary_totals(values: dict, expected: tuple[int, int, int]) -> None:
    totals = _summarise(values)
    assert (totals["rows pulled"], totals["files written"], totals["publishers created"]) == expected


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_airflow_major_version_has_its_own_home(tmp_path: Path) -> None:
    assert demo.demo_home(tmp_path) == tmp_path / f"airflow-{MAJOR}"


def test_protect_home_fixes_a_home_left_readable(tmp_path: Path) -> None:
    base, home = tmp_path / "base", tmp_path / "base" / f"airflow-{MAJOR}"
    home.mkdir(parents=True)
    base.chmod(0o755)
    home.chmod(0o755)
    for name in demo.SECRET_FILES:
        (home / name).write_text("secret")
        (home / name).chmod(0o644)
    demo.protect_home(home)
    assert _mode(base) == _mode(home) == 0o700
    assert {name: _mode(home / name) for name in demo.SECRET_FILES} == dict.fromkeys(demo.SECRET_FILES, 0o600)
    # Both admin password files are covered: 3.x's simple auth manager and 2.11's standalone.
    assert {"simple_auth_manager_passwords.json.generated", "standalone_admin_password.txt"} <= set(demo.SECRET_FILES)


def test_airflow_commands_create_owner_only_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `airflow standalone` creates (its admin password file) comes from the same helper and umask.
    home = tmp_path / "home"
    monkeypatch.setenv("AIRFLOW_HOME", str(home))
    demo._run_airflow("version")
    assert (home / "logs").is_dir()
    assert _mode(home / "logs") == 0o700  # created under umask 077, not the shell's


def test_host_defaults_to_loopback_and_follows_the_option_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(demo.HOST_VARIABLE, raising=False)
    assert demo._parser().parse_args([]).host == "127.0.0.1"
    assert demo._parser().parse_args(["--host", "0.0.0.0"]).host == "0.0.0.0"
    monkeypatch.setenv(demo.HOST_VARIABLE, "192.0.2.10")
    assert demo._parser().parse_args([]).host == "192.0.2.10"


@pytest.mark.parametrize(
    ("host", "major", "expected"),
    [
        ("127.0.0.1", 3, {"AIRFLOW__API__HOST": "127.0.0.1",
                          "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://127.0.0.1:8080/execution/"}),
        ("0.0.0.0", 3, {"AIRFLOW__API__HOST": "0.0.0.0",
                        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://127.0.0.1:8080/execution/"}),
        ("192.0.2.10", 3, {"AIRFLOW__API__HOST": "192.0.2.10",
                           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://192.0.2.10:8080/execution/"}),
        ("::1", 3, {"AIRFLOW__API__HOST": "::1", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://[::1]:8080/execution/"}),
        ("127.0.0.1", 2, {"AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1"}),
    ],
)
def test_bind_environment(host: str, major: int, expected: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW__API__PORT", raising=False)
    assert demo.bind_environment(host, major) == expected


#: The options `airflow standalone`'s components read for the listening address, per Airflow major version.
BIND_OPTIONS = {
    3: {("api", "host"): "192.0.2.10", ("core", "execution_api_server_url"): "http://192.0.2.10:8080/execution/"},
    2: {("webserver", "web_server_host"): "192.0.2.10"},
}


def test_installed_airflow_reads_the_bind_settings(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), **demo.bind_environment("192.0.2.10", MAJOR)}
    for (section, key), value in BIND_OPTIONS[MAJOR].items():
        result = subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "config", "get-value", section, key],
            env=env, capture_output=True, text=True, timeout=120,
        )
        assert result.stdout.strip().splitlines()[-1:] == [value], result.stderr[-2000:]
        # Set under this Airflow version's own name, not an old one it still reads ("... has been moved to ...").
        assert "has been moved" not in result.stdout + result.stderr


def test_demo_connection_sets_every_form_field_to_a_working_value(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = demo.demo_connection("http://127.0.0.1:8099")
    assert set(conn["extra"]) == set(CONN_FIELDS)
    types = {"number": (int, float), "integer": int, "string": str, "boolean": bool}
    for name, field in CONN_FIELDS.items():
        declared = next(t for t in field["schema"]["type"] if t != "null")
        assert isinstance(conn["extra"][name], types[declared]), name
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", json.dumps(conn))
    settings = TrackierHook().settings
    assert (settings.timeout, settings.max_retries, settings.requests_per_second) == (30, 3, 20)
    assert settings.panel_url == settings.base_url == "http://127.0.0.1:8099"
    for name in ("campaigns.list", "publishers.list", "advertisers.list", "conversions.list", "coupons.list",
                 "campaigns.timelines.list", "incent_offers.list", "clicks.list"):  # a page size they all accept
        pages = OPERATIONS[name].pages
        assert pages is not None
        assert check_limit(pages, settings.page_size, name) == settings.page_size == 1000


def test_stored_connection_keeps_every_extra(airflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = demo.demo_connection("http://127.0.0.1:8099")
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", json.dumps(conn))
    demo._store_connection()  # what `make airflow` does: into the metadata database, which the UI lists
    assert "AIRFLOW_CONN_TRACKIER_DEFAULT" not in os.environ
    airflow = str(Path(sys.executable).with_name("airflow"))
    try:
        exported = subprocess.run(
            [airflow, "connections", "export", "-", "--file-format", "json"],
            capture_output=True, text=True, env=os.environ.copy(), timeout=120,
        ).stdout
    finally:  # the session's database is shared by the other tests
        subprocess.run([airflow, "connections", "delete", "trackier_default"], capture_output=True, timeout=120)
    stored = json.loads(exported[exported.index("{"):])["trackier_default"]
    assert (stored["conn_type"], stored["host"], stored["password"]) == ("trackier", conn["host"], conn["password"])
    assert json.loads(stored["extra"]) == conn["extra"]


def test_quiet_demo_hides_airflows_deprecations_but_shows_the_projects() -> None:
    with warnings.catch_warnings(record=True) as caught:
        demo._quiet_warnings()
        for module in ("airflow.models.dag", "starlette.routing", "trackier_provider.hooks.trackier",
                       "unusual_prefix_0123abcd_report_pull"):
            warnings.warn_explicit(f"{module} API is deprecated", DeprecationWarning, "x.py", 1, module=module)
    assert [str(w.message) for w in caught] == [
        "trackier_provider.hooks.trackier API is deprecated", "unusual_prefix_0123abcd_report_pull API is deprecated"
    ]
