"""``make demo``: start the emulator, run every example DAG against it with ``dag.test()``, print a summary.

``make airflow`` (``--standalone``): the same emulator and connection, then ``airflow standalone`` with the
example DAGs, so you can click through the UI. Everything lives under the current directory:
``.airflow-home/`` (Airflow's SQLite database and logs) and ``demo-output/`` (files the DAGs write).
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

#: Example DAGs in the order a new network would use them.
DAG_ORDER = ["campaign_setup", "publisher_onboarding", "bulk_conversions", "report_pull"]
DEMO_API_KEY = "demo-api-key"  # the emulator's key: not a secret, the emulator runs on loopback only


def _prepare_environment(
    home: Path, dags: Path, output: Path, base_url: str, verbose: bool = True, database_url: str | None = None
) -> None:
    """Point Airflow at a local home, its own database, the example DAGs and the emulator, before Airflow is imported.

    The database is set, not defaulted: a ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` left in the shell must not
    point the demo at a real deployment's metadata database.
    """
    if not verbose:
        os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    os.environ["AIRFLOW_HOME"] = str(home)
    # `airflow standalone` starts its components (and 2.x executors start tasks) as `airflow ...` from PATH:
    # make that this interpreter's Airflow even when the virtual environment is not activated (`make airflow`).
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    if "AIRFLOW__CORE__FERNET_KEY" not in os.environ:
        os.environ["AIRFLOW__CORE__FERNET_KEY"] = _fernet_key(home)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = database_url or f"sqlite:///{home / 'airflow.db'}"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")
    os.environ["AIRFLOW_CONN_TRACKIER_DEFAULT"] = json.dumps(
        {"conn_type": "trackier", "host": base_url, "password": DEMO_API_KEY, "extra": {"max_retries": 3}}
    )
    os.environ.setdefault("TRACKIER_EXAMPLES_BASE_PATH", str(output))
    # Short waits: the emulator's report windows settle in seconds, not hours.
    os.environ.setdefault("TRACKIER_EXAMPLES_POKE_SECONDS", "2")
    os.environ.setdefault("TRACKIER_EXAMPLES_SETTLE_SECONDS", "4")


def _fernet_key(home: Path) -> str:
    """The demo home's Fernet key, made once, so Airflow encrypts what it stores (trigger arguments included)."""
    from cryptography.fernet import Fernet

    path = home / "fernet.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        # Created owner-only from the start, not chmod-ed after the key is already in it.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_text().strip()


def _quiet_warnings() -> None:
    """Hide deprecation notices raised inside Airflow and its dependencies (pathspec, starlette): not the demo's news.

    Runs after ``airflow.configuration`` is imported, because that module puts its own "default" filters first.
    """
    import airflow.configuration  # noqa: F401

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=r".*deprecated", module=r"(airflow|fastapi|starlette)(\.|$)")


@contextmanager
def _emulator(port: int) -> Iterator[Any]:
    from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

    config = EmulatorConfig(api_key=DEMO_API_KEY, settle_seconds=8, job_seconds=4, conversions_per_day=2000)
    with TrackierEmulator(config, host="127.0.0.1", port=port) as emu:
        yield emu


def _airflow_command() -> str:
    """The ``airflow`` executable installed beside this interpreter (the venv need not be activated)."""
    return str(Path(sys.executable).with_name("airflow"))


def _run_airflow(*args: str, check: bool = True) -> None:
    """Run an ``airflow`` CLI command quietly; on failure show the end of its output and stop the demo."""
    result = subprocess.run([_airflow_command(), *args], capture_output=True, text=True, env=os.environ.copy())
    if check and result.returncode:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"airflow {args[0]} {args[1]} failed")


def _migrate(home: Path) -> None:
    print(f"Preparing Airflow's metadata database in {home} ...", flush=True)
    _run_airflow("db", "migrate")


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
    """Totals across a run's return values: rows pulled, files written, publishers created."""
    totals = {"rows pulled": 0, "files written": 0, "publishers created": 0}
    for items in values.values():
        for value in items:
            if not isinstance(value, Mapping):
                continue
            if "path" in value and "rows" in value:
                totals["rows pulled"] += int(value.get("rows") or 0)
                totals["files written"] += 1
            if "summary" in value and isinstance(value["summary"], Mapping):
                totals["publishers created"] += int(value["summary"].get("created") or 0)
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
    with _emulator(port) as emu:
        _prepare_environment(home, dags, output, emu.base_url, verbose, database_url)
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


def run_standalone(dags: Path, home: Path, output: Path, port: int, database_url: str | None = None) -> int:
    """Airflow standalone with the example DAGs and ``trackier_default`` pointed at the emulator."""
    with _emulator(port) as emu:
        _prepare_environment(home, dags, output, emu.base_url, database_url=database_url)
        output.mkdir(parents=True, exist_ok=True)
        _migrate(home)
        _store_connection()
        print(f"Trackier emulator at {emu.base_url}. Starting `airflow standalone` (Ctrl-C to stop) ...")
        print(f"The admin password is printed by Airflow and saved under {home}.")
        # Ctrl-C and SIGTERM both raise KeyboardInterrupt here, even when started with SIGINT ignored (a background
        # job); a caught signal is reset to its default in the child, so Airflow's own Ctrl-C handling works too.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        # Its own session: the terminal's Ctrl-C reaches only this process, which forwards exactly one SIGINT,
        # so Airflow's shutdown of its components is not itself interrupted.
        standalone = subprocess.Popen([_airflow_command(), "standalone"], env=os.environ.copy(), start_new_session=True)
        try:
            return standalone.wait()
        except KeyboardInterrupt:
            return _stop_standalone(standalone)


def _stop_standalone(standalone: subprocess.Popen[bytes]) -> int:
    """Ask ``airflow standalone`` to stop its components (it does so on SIGINT); kill them if it takes too long."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    standalone.send_signal(signal.SIGINT)
    try:
        return standalone.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(standalone.pid, signal.SIGKILL)
        return standalone.wait()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point of the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dags-folder", type=Path, default=Path("dags_examples"))
    parser.add_argument("--airflow-home", type=Path, default=Path(".airflow-home"))
    parser.add_argument("--output", type=Path, default=Path("demo-output"))
    parser.add_argument("--port", type=int, default=0, help="emulator port (0: any free port)")
    parser.add_argument("--dag", action="append", help="run only this DAG (repeatable)")
    parser.add_argument("--standalone", action="store_true", help="start Airflow standalone instead")
    parser.add_argument(
        "--database-url", help="Airflow metadata database (SQLAlchemy URL); default: SQLite in --airflow-home"
    )
    parser.add_argument("--verbose", action="store_true", help="show Airflow's task logs (INFO)")
    args = parser.parse_args(argv)
    dags, home, output = (p.resolve() for p in (args.dags_folder, args.airflow_home, args.output))
    if not dags.is_dir():
        raise SystemExit(f"--dags-folder {dags} does not exist: run from the repository root")
    if args.standalone:
        raise SystemExit(run_standalone(dags, home, output, args.port or 8099, args.database_url))
    raise SystemExit(1 if run_demo(dags, home, output, args.port, args.dag, args.verbose, args.database_url) else 0)


if __name__ == "__main__":
    main()
