"""``make demo``: start the emulator, run every example DAG against it with ``dag.test()``, print a summary.

``make airflow`` (``--standalone``): the same emulator and connection, then ``airflow standalone`` with the
example DAGs, so you can click through the UI; its API server / UI listens on 127.0.0.1 unless ``--host`` (or
``TRACKIER_DEMO_HOST``) says otherwise. Everything lives under the current directory: ``demo-output/`` (files
the DAGs write) and ``.airflow-home/airflow-<major version>/`` (Airflow's SQLite database, logs, Fernet key and
admin password), one home per Airflow major version so 2.11 and 3.x never share a database. The homes are
owner-only (0700) and the secrets in them (0600): Airflow commands are started with umask 077.

``make airflow`` enables ``[core] test_connection`` and stores ``trackier_default`` with its port, so the UI's
Test button works. ``make demo`` keeps its ``dag.test()`` runs in their own database (``demo-runs.db``), apart
from the one the UI shows (``airflow.db``). ``make airflow-cli ARGS="..."`` (``--airflow-cli``) runs any
``airflow`` command in ``make airflow``'s environment, e.g. from a second shell.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Example DAGs in the order a new network would use them.
DAG_ORDER = ["campaign_setup", "publisher_onboarding", "bulk_conversions", "report_pull"]
DEMO_API_KEY = "demo-api-key"  # the emulator's key: not a secret, the emulator runs on loopback only
#: The pool every Trackier task of the demo runs in (``[trackier] pool``), and its slots.
DEMO_POOL = "trackier"
DEMO_POOL_SLOTS = 8
#: Environment variable naming the address ``make airflow``'s API server / UI listens on (default: loopback).
HOST_VARIABLE = "TRACKIER_DEMO_HOST"
DEFAULT_HOST = "127.0.0.1"
#: Files in a demo home that hold secrets or what secrets protect (keys, admin passwords, connections).
SECRET_FILES = (
    "fernet.key",
    "airflow.cfg",  # Airflow writes its API / webserver secret keys here
    "airflow.db",
    "demo-runs.db",  # `make demo`'s dag.test() runs: not the database `make airflow` shows
    "simple_auth_manager_passwords.json.generated",  # the admin password on 3.x
    "standalone_admin_password.txt",  # the admin password on 2.11
)
OWNER_ONLY_UMASK = 0o077


def airflow_major() -> int:
    """The installed Airflow's major version, read without importing Airflow (its settings are not set yet)."""
    from importlib.metadata import version

    return int(version("apache-airflow").split(".")[0])


def demo_home(base: Path) -> Path:
    """The demo's Airflow home for the installed Airflow: ``<base>/airflow-<major>``, so versions never share one."""
    return base / f"airflow-{airflow_major()}"


def protect_home(home: Path) -> None:
    """Make ``home`` and its parent owner-only (0700) and the secret files already in it owner-only (0600).

    The chmod also fixes a home an earlier version of the demo left readable by others.
    """
    for directory in (home.parent, home):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)
    for name in SECRET_FILES:
        if (home / name).exists():
            (home / name).chmod(0o600)


def demo_connection(base_url: str) -> dict[str, Any]:
    """``trackier_default`` on the emulator, with every extra the connection form declares (``CONN_FIELDS``).

    All of them are stored so that editing the connection in the UI shows each field filled in.
    ``panel_url`` is the emulator too: it has no panel pages, but links then stay on this machine.
    The port of ``base_url`` is stored as well: Airflow 3.3.2's Test button sends ``port: 0`` for a connection
    stored without one and the API then refuses the test (apache/airflow#73298); with the port stored the
    button sends that port and the test runs.
    """
    extra = {"timeout": 30, "max_retries": 3, "requests_per_second": 20, "reports_per_minute": 200,
             "logs_per_minute": 600, "max_parallel_pages": 4, "max_bytes_ahead": 67108864, "page_size": 1000,
             "panel_url": base_url,
             "validate_responses": "warn", "allow_insecure_http": False,
             # Empty: no shared budget store (the demo runs on one machine without Redis; see the README's
             # "Budgets and pools" for when to set it).
             "budget_url": ""}
    port = urlsplit(base_url).port
    return {"conn_type": "trackier", "host": base_url, "port": port, "password": DEMO_API_KEY, "extra": extra}


def bind_environment(host: str, major: int) -> dict[str, str]:
    """The settings that make ``airflow standalone``'s API server (3.x) or webserver (2.11) listen on ``host``.

    On 3.x the task runners reach the API server at ``[core] execution_api_server_url``, by default
    ``http://localhost:8080/execution/``; it is pointed at the bound address (loopback for a wildcard).
    """
    if major < 3:
        return {"AIRFLOW__WEBSERVER__WEB_SERVER_HOST": host}
    reach = DEFAULT_HOST if host in ("0.0.0.0", "::", "localhost") else host
    reach = f"[{reach}]" if ":" in reach else reach
    port = os.environ.get("AIRFLOW__API__PORT", "8080")
    return {"AIRFLOW__API__HOST": host, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{reach}:{port}/execution/"}


#: The database of ``make demo``'s ``dag.test()`` runs, beside (not in) the one ``make airflow``'s UI shows:
#: ``dag.test()`` runs carry a start date equal to their logical date, which would distort the UI's run durations.
DEMO_RUNS_DB = "demo-runs.db"
#: The database ``make airflow`` (and ``make airflow-cli``) use: Airflow's default file name in the home.
UI_DB = "airflow.db"


def _prepare_environment(
    home: Path, dags: Path, output: Path, verbose: bool = True, database_url: str | None = None,
    database_file: str = UI_DB,
) -> None:
    """Point Airflow at a local home, its own database and the example DAGs, before Airflow is imported.

    So before the emulator starts: its handlers share the provider's catalogue, which imports Airflow, whose
    settings are read once, at that first import. The connection to the emulator is set once it listens
    (``_use_emulator``).

    The database is set, not defaulted: a ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` left in the shell must not
    point the demo at a real deployment's metadata database.
    """
    if not verbose:
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    protect_home(home)
    os.environ["AIRFLOW_HOME"] = str(home)
    # `airflow standalone` starts its components (and 2.x executors start tasks) as `airflow ...` from PATH:
    # make that this interpreter's Airflow even when the virtual environment is not activated (`make airflow`).
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    if "AIRFLOW__CORE__FERNET_KEY" not in os.environ:
        os.environ["AIRFLOW__CORE__FERNET_KEY"] = _fernet_key(home)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = database_url or f"sqlite:///{home / database_file}"
    # The connection Test button (UI), `airflow connections test` and the REST API's test need this.
    os.environ.setdefault("AIRFLOW__CORE__TEST_CONNECTION", "Enabled")
    # Airflow 3 hands every connection extra to its secret masker, which warns ("Skipping masking for a secret
    # as it's too short (<5 chars)") about the demo's `validate_responses: "warn"`. With 4 that value passes
    # the length check and is still not masked (masking needs a sensitive key name such as `password`).
    os.environ.setdefault("AIRFLOW__LOGGING__MIN_LENGTH_MASKED_SECRET", "4")
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")
    # Every Trackier task runs in the Trackier pool (made by _migrate), as the README advises a network to do.
    os.environ["AIRFLOW__TRACKIER__POOL"] = DEMO_POOL
    os.environ.setdefault("TRACKIER_EXAMPLES_BASE_PATH", str(output))
    # Short waits: the emulator's report windows settle in seconds, not hours.
    os.environ.setdefault("TRACKIER_EXAMPLES_POKE_SECONDS", "2")
    os.environ.setdefault("TRACKIER_EXAMPLES_SETTLE_SECONDS", "4")


def _use_emulator(base_url: str) -> None:
    """``trackier_default`` on the emulator at ``base_url`` (read when a task looks the connection up)."""
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(demo_connection(base_url))


def _fernet_key(home: Path) -> str:
    """The demo home's Fernet key, made once, so Airflow encrypts what it stores (trigger arguments included)."""
    from cryptography.fernet import Fernet

    path = home / "fernet.key"
    if not path.exists():
        # Created owner-only from the start, not chmod-ed after the key is already in it.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_text().strip()


def _quiet_warnings() -> None:
    """Hide the deprecation notices Airflow, FastAPI and Starlette raise about their own code: not the demo's news.

    Only warnings attributed to those packages are hidden. Deprecations attributed to this provider or the example
    DAGs (Airflow imports a DAG file as ``unusual_prefix_<hash>_<name>``) are shown, although Python hides
    DeprecationWarning outside ``__main__`` by default: an Airflow API this project calls is going away.
    Runs after ``airflow.configuration`` is imported, because that module puts its own "default" filters first.
    """
    import airflow.configuration  # noqa: F401

    warnings.filterwarnings("ignore", message=r".*deprecated", module=r"(airflow|fastapi|starlette)(\.|$)")
    warnings.filterwarnings("default", category=DeprecationWarning, module=r"(trackier_provider|unusual_prefix_)")


@contextmanager
def _emulator(port: int) -> Iterator[Any]:
    from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

    config = EmulatorConfig(api_key=DEMO_API_KEY, settle_seconds=8, job_seconds=4, conversions_per_day=2000)
    with TrackierEmulator(config, host="127.0.0.1", port=port) as emu:
        yield emu


def _airflow_command() -> str:
    """The ``airflow`` executable installed beside this interpreter (the venv need not be activated)."""
    return str(Path(sys.executable).with_name("airflow"))


def _airflow(*args: str, **popen: Any) -> subprocess.Popen[Any]:
    """Start an ``airflow`` CLI command; what it creates (admin password, database, ``airflow.cfg``) is owner-only."""
    return subprocess.Popen([_airflow_command(), *args], env=os.environ.copy(), umask=OWNER_ONLY_UMASK, **popen)


def _run_airflow(*args: str, check: bool = True) -> None:
    """Run an ``airflow`` CLI command quietly; on failure show the end of its output and stop the demo."""
    process = _airflow(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = process.communicate()
    if check and process.returncode:
        sys.stderr.write(stdout[-3000:] + stderr[-3000:])
        raise SystemExit(f"airflow {args[0]} {args[1]} failed")


def _migrate(home: Path) -> None:
    print(f"Preparing Airflow's metadata database in {home} ...", flush=True)
    _run_airflow("db", "migrate")
    _run_airflow("pools", "set", DEMO_POOL, str(DEMO_POOL_SLOTS), "Trackier API: tasks using the key at once")
    protect_home(home)  # also the airflow.cfg this process wrote when it imported Airflow


def _store_connection() -> None:
    """Move ``trackier_default`` from the environment into the metadata database, so the UI lists it.

    Connections from ``AIRFLOW_CONN_*`` variables work but never show under Admin > Connections.
    """
    conn_json = os.environ.pop("AIRFLOW_CONN_TRACKIER_DEFAULT")
    _run_airflow("connections", "delete", "trackier_default", check=False)  # absent on the first run
    _run_airflow("connections", "add", "trackier_default", "--conn-json", conn_json)


def _date_kwarg() -> str:
    """``dag.test()`` takes ``logical_date`` on Airflow 3 and ``execution_date`` on 2.11."""
    from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

    return "logical_date" if AIRFLOW_V_3_0_PLUS else "execution_date"


def _load_dags(dags: Path) -> dict[str, Any]:
    from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

    if AIRFLOW_V_3_0_PLUS:
        from airflow.dag_processing.dagbag import DagBag
    else:
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    bag = DagBag(dag_folder=str(dags))
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"IMPORT ERROR {path}:\n{error}", file=sys.stderr)
        raise SystemExit("example DAGs failed to import")
    return dict(bag.dags)


def _return_values(dag_run: Any) -> dict[str, list[Any]]:
    """Each task's pushed return values (several for mapped tasks), read from the metadata database."""
    from airflow.models import xcom
    from airflow.utils.session import create_session

    # Airflow 3: XComModel is the table behind the SDK's XCom; 2.11 has only XCom.
    model: Any = getattr(xcom, "XComModel", None) or xcom.XCom

    values: dict[str, list[Any]] = {}
    with create_session() as session:
        rows = (
            session.query(model)
            .filter(model.dag_id == dag_run.dag_id, model.run_id == dag_run.run_id, model.key == "return_value")
            .all()
        )
        for row in rows:
            value = row.value
            if isinstance(value, (str, bytes)):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            values.setdefault(row.task_id, []).append(value)
    return values


def _summarise(values: Mapping[str, list[Any]]) -> dict[str, int]:
    """Totals across a run's return values: rows pulled, files written, publishers created, campaign accesses
    granted and tracking links listed."""
    totals = {"rows pulled": 0, "files written": 0, "publishers created": 0, "access granted": 0, "tracking links": 0}
    for items in values.values():
        for value in items:
            if not isinstance(value, Mapping):
                continue
            if "path" in value and "rows" in value:
                totals["rows pulled"] += int(value.get("rows") or 0)
                totals["files written"] += 1
            if "summary" in value and isinstance(value["summary"], Mapping):
                totals["publishers created"] += int(value["summary"].get("created") or 0)
                totals["access granted"] += int(value.get("access_granted") or 0)
                totals["tracking links"] += int(value.get("tracking_links") or 0)
    return totals


def run_demo(
    dags: Path,
    home: Path,
    output: Path,
    port: int,
    only: list[str] | None,
    verbose: bool,
    database_url: str | None = None,
) -> int:
    """Run the example DAGs once each against the emulator; return the number that failed."""
    _prepare_environment(home, dags, output, verbose, database_url, database_file=DEMO_RUNS_DB)
    with _emulator(port) as emu:
        _use_emulator(emu.base_url)
        if not verbose:
            _quiet_warnings()
        output.mkdir(parents=True, exist_ok=True)
        _migrate(home)
        print(f"Trackier emulator at {emu.base_url}; DAGs from {dags}; output in {output}\n", flush=True)
        all_dags = _load_dags(dags)
        date_kwarg = _date_kwarg()
        order = [d for d in DAG_ORDER if d in all_dags] + sorted(set(all_dags) - set(DAG_ORDER))
        if only:
            unknown = sorted(set(only) - set(all_dags))
            if unknown:
                raise SystemExit(f"--dag {', '.join(unknown)}: no such DAG in {dags}; choose from {', '.join(order)}")
            order = [d for d in order if d in only]
        logical_date = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
        lines, failed = [], 0
        for dag_id in order:
            print(f"Running {dag_id} with dag.test() ...", flush=True)
            if date_kwarg == "execution_date":
                # Airflow 2's dag.test() does not register the DAG's datasets (the DAG processor would): without
                # them every dataset event of the run is dropped with a warning.
                all_dags[dag_id].sync_to_db()
            started = time.monotonic()
            dag_run = all_dags[dag_id].test(**{date_kwarg: logical_date})
            seconds = time.monotonic() - started
            state = str(getattr(dag_run, "state", "unknown"))
            tis = dag_run.get_task_instances() if dag_run is not None else []
            counts: dict[str, int] = {}
            for ti in tis:
                counts[str(ti.state)] = counts.get(str(ti.state), 0) + 1
            totals = _summarise(_return_values(dag_run)) if dag_run is not None else {}
            failed += state != "success"
            detail = ", ".join(f"{k} {v}" for k, v in totals.items() if v)
            states = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            lines.append(f"  {dag_id:<22} {state:<8} {len(tis):>2} tasks ({states}){'; ' + detail if detail else ''}"
                         f"  [{seconds:.0f}s]")
        print("\nDemo summary")
        print("\n".join(lines))
        written = sorted(p for p in output.rglob("*") if p.is_file())
        if written:
            print(f"\nFiles in {output}:")
            for path in written:
                print(f"  {path.relative_to(output)}  ({path.stat().st_size:,} bytes)")
        return failed


def run_standalone(
    dags: Path, home: Path, output: Path, port: int, host: str = DEFAULT_HOST, database_url: str | None = None
) -> int:
    """Airflow standalone with the example DAGs and ``trackier_default`` pointed at the emulator.

    ``host`` is the address its API server / UI listens on.
    """
    _prepare_environment(home, dags, output, database_url=database_url)
    with _emulator(port) as emu:
        _use_emulator(emu.base_url)
        os.environ.update(bind_environment(host, airflow_major()))
        output.mkdir(parents=True, exist_ok=True)
        _migrate(home)
        _store_connection()
        print(f"Trackier emulator at {emu.base_url}. Starting `airflow standalone` (Ctrl-C to stop) ...")
        print(f"Its API server / UI listens on {host} (--host or {HOST_VARIABLE} to change).")
        print(f"The admin password is printed by Airflow and saved (owner-only) under {home}.")
        # Ctrl-C and SIGTERM both raise KeyboardInterrupt here, even when started with SIGINT ignored (a background
        # job); a caught signal is reset to its default in the child, so Airflow's own Ctrl-C handling works too.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        # Its own session: the terminal's Ctrl-C reaches only this process, which forwards exactly one SIGINT,
        # so Airflow's shutdown of its components is not itself interrupted.
        standalone = _airflow("standalone", start_new_session=True)
        try:
            return standalone.wait()
        except KeyboardInterrupt:
            return _stop_standalone(standalone)


def run_airflow_cli(dags: Path, home: Path, output: Path, args: list[str], database_url: str | None = None) -> int:
    """Run ``airflow <args>`` in ``make airflow``'s environment: its home, database, Fernet key and settings.

    From a second shell while ``make airflow`` runs, e.g. ``make airflow-cli ARGS="connections test
    trackier_default"``: a plain ``airflow`` command there would not know the demo's Fernet key (kept in
    ``<home>/fernet.key``) and could not decrypt the stored connection.
    """
    if not args:
        raise SystemExit("--airflow-cli needs the airflow command to run, e.g. connections test trackier_default")
    _prepare_environment(home, dags, output, database_url=database_url)
    return _airflow(*args).wait()


def _stop_standalone(standalone: subprocess.Popen[Any]) -> int:
    """Ask ``airflow standalone`` to stop its components (it does so on SIGINT); kill them if it takes too long."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    standalone.send_signal(signal.SIGINT)
    try:
        return standalone.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(standalone.pid, signal.SIGKILL)
        return standalone.wait()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dags-folder", type=Path, default=Path("dags_examples"))
    parser.add_argument(
        "--airflow-home", type=Path, default=Path(".airflow-home"),
        help="base of the demo homes: Airflow runs in <this>/airflow-<major version> (default: .airflow-home)",
    )
    parser.add_argument("--output", type=Path, default=Path("demo-output"))
    parser.add_argument("--port", type=int, default=0, help="emulator port (0: any free port)")
    parser.add_argument("--dag", action="append", help="run only this DAG (repeatable)")
    parser.add_argument("--standalone", action="store_true", help="start Airflow standalone instead")
    parser.add_argument(
        "--host", default=os.environ.get(HOST_VARIABLE) or DEFAULT_HOST,
        help=f"with --standalone: address the API server / UI listens on (default: ${HOST_VARIABLE} or {DEFAULT_HOST})",
    )
    parser.add_argument(
        "--database-url", help="Airflow metadata database (SQLAlchemy URL); default: SQLite in the demo home"
    )
    parser.add_argument("--verbose", action="store_true", help="show Airflow's task logs (INFO)")
    parser.add_argument(
        "--airflow-cli", nargs=argparse.REMAINDER, metavar="ARGS",
        help="run `airflow ARGS` in the environment of --standalone (its home, database and Fernet key); last option",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point of the demo."""
    args = _parser().parse_args(argv)
    dags, base, output = (p.resolve() for p in (args.dags_folder, args.airflow_home, args.output))
    home = demo_home(base)
    if not dags.is_dir():
        raise SystemExit(f"--dags-folder {dags} does not exist: run from the repository root")
    if args.airflow_cli is not None:
        raise SystemExit(run_airflow_cli(dags, home, output, args.airflow_cli, args.database_url))
    if args.standalone:
        raise SystemExit(run_standalone(dags, home, output, args.port or 8099, args.host, args.database_url))
    raise SystemExit(1 if run_demo(dags, home, output, args.port, args.dag, args.verbose, args.database_url) else 0)


if __name__ == "__main__":
    main()
