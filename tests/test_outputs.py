"""The output writer: JSON Lines / CSV, gzip, fsspec URLs, atomic moves, and the Asset a static path declares."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from tests.conftest import REPO_ROOT
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.operators.campaigns import TrackierFetchCampaignsOperator
from trackier_provider.outputs import EXTRA_COLUMN, asset_uri, output_spec, read_records, write_records

RECORDS = [
    {"id": 1, "name": "a", "geo": ["IN", "US"]},
    {"id": 2, "name": "b", "geo": [], "late": "x"},
    {"id": 3, "name": None},
]


def test_jsonl_plain(tmp_path: Path) -> None:
    target = tmp_path / "out" / "rows.jsonl"
    rows = write_records(iter(RECORDS), output_spec(str(target)))
    assert rows == 3
    assert [json.loads(line) for line in target.read_text().splitlines()] == RECORDS


def test_gzip_inferred_from_extension(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl.gz"
    write_records(RECORDS, output_spec(str(target)))
    with gzip.open(target, "rt") as handle:
        assert [json.loads(line) for line in handle] == RECORDS


def test_gzip_explicit_without_extension(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    write_records(RECORDS, output_spec(str(target), compression="gzip"))
    assert target.read_bytes()[:2] == b"\x1f\x8b"


def test_csv_header_from_first_record_and_later_keys_in_extra(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    assert output_spec(str(target)).format == "csv"
    write_records(RECORDS, output_spec(str(target)))
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert rows[0] == ["id", "name", "geo", EXTRA_COLUMN]
    assert rows[1] == ["1", "a", '["IN","US"]', ""]
    assert rows[2] == ["2", "b", "[]", '{"late":"x"}']
    assert rows[3] == ["3", "", "", ""]
    assert [r["id"] for r in read_records(str(target))] == ["1", "2", "3"]
    assert list(read_records(str(target)))[1]["late"] == "x"


def test_csv_gzip_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv.gz"
    spec = output_spec(str(target))
    assert (spec.format, spec.gzip) == ("csv", True)
    write_records(RECORDS, spec)
    assert [r.get("name") for r in read_records(str(target))] == ["a", "b", None]


def test_memory_url() -> None:
    url = "memory://trackier-tests/outputs/rows.jsonl.gz"
    assert write_records(RECORDS, output_spec(url)) == 3
    fs = fsspec.filesystem("memory")
    assert fs.exists("/trackier-tests/outputs/rows.jsonl.gz")
    assert list(read_records(url)) == RECORDS
    assert fs.ls("/trackier-tests/outputs", detail=False) == ["/trackier-tests/outputs/rows.jsonl.gz"]


def test_file_url(tmp_path: Path) -> None:
    url = f"file://{tmp_path}/sub/rows.jsonl"
    write_records(RECORDS, output_spec(url))
    assert len((tmp_path / "sub" / "rows.jsonl").read_text().splitlines()) == 3


def _failing():
    yield RECORDS[0]
    raise RuntimeError("connection lost on page 2")


def test_failure_leaves_no_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    target.write_text("previous complete export\n")
    with pytest.raises(RuntimeError, match="page 2"):
        write_records(_failing(), output_spec(str(target)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]
    assert target.read_text() == "previous complete export\n"


def test_failure_on_memory_url_leaves_nothing() -> None:
    url = "memory://trackier-tests/failing/rows.jsonl"
    with pytest.raises(RuntimeError):
        write_records(_failing(), output_spec(url))
    fs = fsspec.filesystem("memory")
    assert not fs.exists("/trackier-tests/failing") or fs.ls("/trackier-tests/failing") == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"output_format": "parquet"}, "output_format"), ({"compression": "zstd"}, "compression")],
)
def test_bad_output_settings(kwargs: dict, field: str) -> None:
    with pytest.raises(TrackierConfigError) as info:
        output_spec("/tmp/x.jsonl", **kwargs)
    assert info.value.field == field


def test_static_output_path_is_an_outlet_asset(tmp_path: Path) -> None:
    path = str(tmp_path / "campaigns.jsonl")
    op = TrackierFetchCampaignsOperator(task_id="c", output_path=path)
    assert [getattr(o, "uri", None) for o in op.outlets] == [asset_uri(path)]
    assert asset_uri(path) == f"file://{path}"
    url = TrackierFetchCampaignsOperator(task_id="u", output_path="memory://bucket/campaigns.jsonl.gz")
    assert [o.uri for o in url.outlets] == ["memory://bucket/campaigns.jsonl.gz"]


def test_templated_output_path_declares_no_asset() -> None:
    op = TrackierFetchCampaignsOperator(task_id="c", output_path="/data/{{ ds }}/campaigns.jsonl")
    assert list(op.outlets) == []


def test_bad_output_format_fails_at_parse_time() -> None:
    with pytest.raises(TrackierConfigError, match="output_format"):
        TrackierFetchCampaignsOperator(task_id="c", output_path="/tmp/x.jsonl", output_format="xml")


# ---------------------------------------------------------------- targets refused before anything is written

STALE = ".trackier-tmp-" + "0123456789abcdef" * 2  # the suffix of a temporary file: the mark and 32 hex digits


def _untouched():
    """Records that fail the test if the writer ever takes one (it must refuse the target first)."""
    raise AssertionError("the writer took a record for a target it should have refused")
    yield  # pragma: no cover - makes this a generator


@pytest.mark.parametrize("name", ["x.parquet", "x.xlsx", "x.json", "x.tsv", "x.parquet.gz", "x.TXT"])
def test_extension_of_another_format_is_refused(name: str) -> None:
    for target in (f"/data/{name}", f"s3://bucket/trackier/{name}"):  # checked without touching storage
        with pytest.raises(TrackierConfigError) as info:
            output_spec(target)
        assert info.value.field == "output_path"
        assert f".{name.split('.')[1].lower()}" in info.value.problem
        assert ".jsonl" in info.value.fix and ".csv" in info.value.fix and ".gz" in info.value.fix
        assert "output_format=" in info.value.fix


@pytest.mark.parametrize("name", ["x.jsonl.zst", "x.csv.bz2", "x.zip", "x.jsonl.xz"])
def test_compression_other_than_gzip_is_refused(name: str) -> None:
    with pytest.raises(TrackierConfigError) as info:
        output_spec(f"/data/{name}", output_format="jsonl")  # a format override does not make it compressed
    assert info.value.field == "compression"
    assert "compression=None" in info.value.fix
    assert output_spec(f"/data/{name}", "jsonl", compression=None).gzip is False  # asked for: uncompressed


@pytest.mark.parametrize(
    ("target", "kwargs", "expected"),
    [
        ("/d/x.jsonl", {}, ("jsonl", False)),
        ("/d/x.ndjson.gz", {}, ("jsonl", True)),
        ("/d/X.CSV", {}, ("csv", False)),
        ("/d/x.csv.gz", {}, ("csv", True)),
        ("/d/campaigns", {}, ("jsonl", False)),
        ("/d/report.2026-11-22", {}, ("jsonl", False)),  # a date after the dot is not an extension
        ("/d/.hidden", {}, ("jsonl", False)),
        ("/d/x.parquet", {"output_format": "csv"}, ("csv", False)),  # output_format overrides the extension
        ("/d/x.json", {"output_format": "jsonl"}, ("jsonl", False)),
        ("/d/x.txt.gz", {"output_format": "jsonl"}, ("jsonl", True)),
    ],
)
def test_supported_names_and_overrides(target: str, kwargs: dict, expected: tuple[str, bool]) -> None:
    spec = output_spec(target, **kwargs)
    assert (spec.format, spec.gzip) == expected


@pytest.mark.parametrize("target", ["/data/exports/", "s3://bucket/trackier/", "memory://bucket/"])
def test_path_ending_in_a_slash_is_refused(target: str) -> None:
    with pytest.raises(TrackierConfigError, match="names a directory") as info:
        output_spec(target)
    assert info.value.field == "output_path"


def test_existing_local_directory_is_refused_and_left_untouched(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "old.jsonl").write_text("{}\n")
    with pytest.raises(TrackierConfigError, match="is an existing directory") as info:
        write_records(_untouched(), output_spec(str(tmp_path / "exports")))
    assert info.value.field == "output_path"
    assert [p.name for p in (tmp_path / "exports").iterdir()] == ["old.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_existing_fsspec_directory_is_refused() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/trackier-tests/dir-target/exports/old.jsonl", b"{}\n")
    with pytest.raises(TrackierConfigError, match="is an existing directory"):
        write_records(_untouched(), output_spec("memory://trackier-tests/dir-target/exports"))
    assert fs.find("/trackier-tests/dir-target") == ["/trackier-tests/dir-target/exports/old.jsonl"]


def test_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(TrackierConfigError, match="is a file, not a directory") as info:
        write_records(_untouched(), output_spec(str(tmp_path / "notes.txt" / "rows.jsonl")))
    assert info.value.field == "output_path"
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    fs = fsspec.filesystem("memory")
    fs.pipe("/trackier-tests/parent-file/notes.txt", b"mine\n")
    with pytest.raises(TrackierConfigError, match="is a file, not a directory"):
        write_records(_untouched(), output_spec("memory://trackier-tests/parent-file/notes.txt/rows.jsonl"))


def test_password_in_a_url_stays_out_of_errors_and_the_spec() -> None:
    with pytest.raises(TrackierConfigError) as info:
        output_spec("ftp://user:s3cr3t-pw@files.example/exports/")
    assert "s3cr3t-pw" not in str(info.value) and "user:***@files.example" in str(info.value)
    assert output_spec("ftp://user:s3cr3t-pw@files.example/rows.jsonl").uri == "ftp://user:***@files.example/rows.jsonl"


def test_reading_a_file_of_another_format_names_the_reading_field(tmp_path: Path) -> None:
    (tmp_path / "conversions.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(TrackierConfigError) as info:
        list(read_records(str(tmp_path / "conversions.xlsx")))
    assert info.value.field == "conversions_path"
    assert "output_format" not in info.value.fix  # reading has no format override to suggest


# ---------------------------------------------------------------- temporary files left by a killed try

NEIGHBOURS = [
    "rows.jsonl.old",                                   # a user's file
    ".other.jsonl" + STALE,                             # another target's temporary file
    ".rows.jsonl" + STALE + STALE,                      # the temporary file of the target "rows.jsonl" + STALE
    ".rows.jsonl.trackier-tmp-notes",                   # not 32 hex digits: not ours
    ".rows.jsonl" + STALE[:-1],                         # 31 hex digits: not ours
]


def test_stale_temporary_of_the_target_is_removed_and_only_it(tmp_path: Path) -> None:
    for name in [".rows.jsonl" + STALE, *NEIGHBOURS]:
        (tmp_path / name).write_text("partial\n")
    assert write_records(RECORDS, output_spec(str(tmp_path / "rows.jsonl"))) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*NEIGHBOURS, "rows.jsonl"])
    assert [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()] == RECORDS


def test_stale_temporary_of_the_target_is_removed_on_fsspec() -> None:
    fs = fsspec.filesystem("memory")
    base = "/trackier-tests/stale"
    for name in [".rows.jsonl.gz" + STALE, ".rows.jsonl" + STALE]:
        fs.pipe(f"{base}/{name}", b"partial\n")
    write_records(RECORDS, output_spec(f"memory:/{base}/rows.jsonl.gz"))
    assert sorted(fs.ls(base, detail=False)) == [f"{base}/.rows.jsonl" + STALE, f"{base}/rows.jsonl.gz"]


_KILLED_WRITER = """
import sys
from trackier_provider.outputs import output_spec, write_records

def records():
    yield {"id": 1}
    print("writing", flush=True)
    sys.stdin.readline()  # blocks here until the test kills this process
    yield {"id": 2}

write_records(records(), output_spec(sys.argv[1]))
"""


def test_temporary_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv.gz"
    writer = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(target)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n", writer.stderr
    finally:
        writer.kill()  # SIGKILL: no exception handler runs, as when a worker is lost mid-export
        writer.communicate()
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and re.fullmatch(r"\.rows\.csv\.gz\.trackier-tmp-[0-9a-f]{32}", left[0])
    write_records(RECORDS, output_spec(str(target)))
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv.gz"]
    assert [r["id"] for r in read_records(str(target))] == ["1", "2", "3"]


# ---------------------------------------------------------------- what a refused or finished write says

def test_a_refused_target_says_exactly_what_and_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    with pytest.raises(TrackierConfigError) as info:
        write_records(_untouched(), output_spec(str(tmp_path / "exports")))
    assert str(info.value) == (
        f"output_path: {tmp_path / 'exports'} is an existing directory. Name a file inside it, e.g. .../data.jsonl.gz."
    )
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(TrackierConfigError) as info:
        write_records(_untouched(), output_spec(str(tmp_path / "notes.txt" / "rows.jsonl")))
    assert str(info.value) == (
        f"output_path: a parent of {tmp_path / 'notes.txt' / 'rows.jsonl'} is a file, not a directory. "
        "Pick another path."
    )


@pytest.mark.parametrize(("name", "shown"), [("rows.jsonl", "jsonl"), ("rows.csv.gz", "csv, gzip")])
def test_a_finished_write_is_logged_with_rows_format_and_target(tmp_path: Path, caplog, name, shown) -> None:
    caplog.set_level("INFO", logger="trackier_provider.outputs")
    write_records(RECORDS, output_spec(str(tmp_path / name)))
    assert f"Wrote 3 rows ({shown}) to {tmp_path / name}" in caplog.messages


def test_removing_a_stale_temporary_is_logged(tmp_path: Path, caplog) -> None:
    caplog.set_level("INFO", logger="trackier_provider.outputs")
    (tmp_path / (".rows.jsonl" + STALE)).write_text("partial\n")
    write_records(RECORDS, output_spec(str(tmp_path / "rows.jsonl")))
    assert f"Removing {tmp_path / ('.rows.jsonl' + STALE)}, left by an earlier try that was stopped while writing" in (
        caplog.messages
    )


class _NoDeleteFileSystem(MemoryFileSystem):
    """A storage that refuses deletes (a bucket whose policy allows writes only): no local or in-memory
    filesystem refuses a delete to root, so this one is a stand-in."""

    protocol = "trackier-nodelete"
    store: dict = {}  # its own files, not the memory filesystem's
    pseudo_dirs = [""]

    def rm(self, path, recursive=False, maxdepth=None):
        raise PermissionError(f"delete refused: {path}")


def test_a_temporary_that_cannot_be_removed_is_logged_and_the_first_error_kept(caplog) -> None:
    fsspec.register_implementation(_NoDeleteFileSystem.protocol, _NoDeleteFileSystem, clobber=True)
    _NoDeleteFileSystem.store.clear()  # a class attribute: empty also when the test runs twice in one process
    caplog.set_level("WARNING", logger="trackier_provider.outputs")
    with pytest.raises(RuntimeError, match="connection lost"):  # the export's own failure, not the failed cleanup
        write_records(_failing(), output_spec("trackier-nodelete://exports/rows.jsonl"))
    left = list(_NoDeleteFileSystem.store)
    assert len(left) == 1 and ".rows.jsonl.trackier-tmp-" in left[0]
    assert caplog.messages == [f"Could not remove the temporary file {left[0]}"]
    assert caplog.records[0].exc_info[0] is PermissionError  # why, in the log
