"""The ``trackier-check`` command, run as a user runs it (a subprocess) against the emulator.

A fresh emulator: every read-only operation of the catalogue is checked (74), exit 0, GET requests only; a read
whose list is empty is reported as having nothing to read. A drift: exit 1, the field named. Could not check:
exit 2 after one line on the standard error that names the cause and what to do, for an unknown connection, an
unreadable one, a refused key, a blocked IP address (code 105) and a closed port; the key is never printed.
``--only``/``--skip`` take operation names and resource prefixes.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import connection_json
from trackier_provider.api import OPERATIONS
from trackier_provider.check import read_names, reads, select
from trackier_provider.emulator import TrackierEmulator
from trackier_provider.exceptions import TrackierConfigError

DAY = "2026-11-20"
#: The command reads connections as Airflow does: environment variables, then the metadata database (which a
#: user's Airflow has; without it Airflow 2.11 logs the database error at every lookup).
pytestmark = pytest.mark.usefixtures("airflow_db")
ENV = "AIRFLOW_CONN_TRACKIER_DEFAULT"


def trackier_check(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script, as a user runs it (on Airflow 2.11 it keeps Airflow's own metrics notice out)."""
    return subprocess.run([str(Path(sys.executable).with_name("trackier-check")), *args], capture_output=True,
                          text=True, timeout=300, check=False)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line a check that could not run prints (nothing on the standard output, no traceback)."""
    assert done.returncode == 2, (done.stdout[-1000:], done.stderr[-2000:])
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trackier-check: "), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return lines[0]


def rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows by operation: status, records, then the drift column's words."""
    lines = stdout.splitlines()
    start = lines.index(next(line for line in lines if line.split()[:1] == ["operation"])) + 1
    end = lines.index("", start)
    return {line.split()[0]: line.split()[1:] for line in lines[start:end]}


def test_the_reads_are_every_get_of_the_catalogue_each_after_the_lists_it_needs() -> None:
    names = read_names()
    assert set(names) == {n for n, op in OPERATIONS.items() if op.method == "GET"} and len(names) == 74
    order = {name: index for index, name in enumerate(names)}
    for read in reads():
        assert all(order[source] < order[read.operation] for source in read.sources), read
        assert len(read.sources) >= len(OPERATIONS[read.operation].path_params)
    assert reads()[names.index("campaigns.targetings.get")].sources == ("campaigns.list", "campaigns.targetings.list")


def test_names_and_prefixes_choose_reads() -> None:
    assert select(["campaigns"]) == [n for n in read_names() if n.startswith("campaigns.")]
    assert select(["reports"], ["reports.fraud"]) == [n for n in read_names()
                                                      if n.startswith("reports.") and n != "reports.fraud"]
    assert select(["coupons.get"]) == ["coupons.get"]
    for bad in (["campaign"], ["campaigns.create"], ["reports.daily.x"]):
        with pytest.raises(TrackierConfigError, match="neither a read-only operation nor a resource prefix"):
            select(bad)


def test_a_fresh_emulator_checks_every_read_and_exits_0(trackier_conn: TrackierEmulator) -> None:
    done = trackier_check("--date", DAY)
    assert done.returncode == 0, done.stderr[-2000:]
    table = rows(done.stdout)
    assert sorted(table) == sorted(read_names())
    nothing = {name for name, row in table.items() if row[2:5] == ["nothing", "to", "read:"]}
    assert all(row[0] == "200" and row[-1] == "none" for name, row in table.items() if name not in nothing)
    assert nothing and all(name.endswith(".get") for name in nothing)  # reads of lists the emulator leaves empty
    assert done.stdout.splitlines()[-1] == (f"74 operations: {74 - len(nothing)} without drift, 0 with drift, "
                                            f"0 not checked (error), {len(nothing)} with nothing to read")
    assert {r["method"] for r in trackier_conn.requests} == {"GET"}
    assert trackier_conn.api_key not in done.stdout + done.stderr


def test_a_drift_exits_1_naming_the_field(trackier_conn: TrackierEmulator) -> None:
    trackier_conn.add_fault({"kind": "drift", "path": "/v2/campaigns", "method": "GET", "change": "rename",
                             "field": "title", "records": "campaigns"})
    done = trackier_check("--date", DAY, "--only", "campaigns.list")
    assert done.returncode == 1, done.stderr[-2000:]
    assert rows(done.stdout) == {"campaigns.list": ["200", "5", "1", "field"]}
    assert "    campaigns[].title: expected string, required, got absent in 5 of 5 records" in done.stdout
    as_json = trackier_check("--date", DAY, "--json", "--only", "campaigns.list")
    assert as_json.returncode == 1
    [result] = json.loads(as_json.stdout)["operations"]
    assert [d["path"] for d in result["drift"]] == ["campaigns[].title"]


def test_only_a_resource_prefix_checks_only_its_reads(trackier_conn: TrackierEmulator) -> None:
    done = trackier_check("--date", DAY, "--only", "campaigns", "--skip", "campaigns.timelines.list", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)["operations"]
    checked = [r["operation"] for r in results]
    assert checked == [n for n in sorted(read_names()) if n.startswith("campaigns.") and "timelines" not in n]
    # one request per read answered, nothing else (the ids come from campaigns.list and the campaign's lists)
    assert sorted(r["path"] for r in trackier_conn.requests) == sorted(r["path"] for r in results if r["status"])
    assert {r["method"] for r in trackier_conn.requests} == {"GET"}


def test_an_unknown_connection_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_NO_SUCH_PANEL", raising=False)
    line = one_line(trackier_check("--conn-id", "no_such_panel"))
    assert "no connection 'no_such_panel'" in line and "AIRFLOW_CONN_NO_SUCH_PANEL" in line


def test_an_unreadable_connection_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, '{"conn_type": "trackier", "host": ')
    line = one_line(trackier_check())
    assert "cannot read a connection 'trackier_default'" in line and ENV in line


def test_a_refused_key_stops_with_one_line(trackier_conn: TrackierEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, connection_json(trackier_conn.base_url, "wrong-key-0001"))
    done = trackier_check()
    line = one_line(done)
    assert "refused the API key of connection 'trackier_default' (102 INVALID_API_KEY)" in line
    assert "wrong-key-0001" not in done.stderr
    assert len(trackier_conn.requests) == 1  # stopped at the first answer


def test_a_blocked_ip_address_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with TrackierEmulator(ip_whitelist=["203.0.113.7"]) as panel:
        monkeypatch.setenv(ENV, connection_json(panel.base_url, panel.api_key))
        done = trackier_check()
        line = one_line(done)
        assert "code 105 IP_NOT_WHITELISTED" in line and "whitelist" in line
        assert panel.api_key not in done.stderr and len(panel.requests) == 1


def test_a_closed_port_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, then released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(ENV, connection_json(f"http://127.0.0.1:{port}", "key-not-printed-42", max_retries=3))
    done = trackier_check()
    line = one_line(done)
    assert f"The Trackier API at http://127.0.0.1:{port} cannot be reached (Connection refused)" in line
    assert "key-not-printed-42" not in done.stderr


def test_an_unknown_name_stops_with_one_line(trackier_conn: TrackierEmulator) -> None:
    line = one_line(trackier_check("--only", "campaign"))
    assert "only[0]" in line and "campaigns" in line
    assert trackier_conn.requests == []


def test_the_console_script_is_declared() -> None:
    from importlib.metadata import entry_points

    [script] = entry_points(group="console_scripts", name="trackier-check")
    assert script.value == "trackier_provider.commands:trackier_check"
    assert Path(sys.executable).with_name("trackier-check").exists()
