"""Edges of the output writer and reader that mutation testing found unguarded (each test kills surviving
mutants of ``trackier_provider/outputs.py``): row counts over several pages, records written as the server
sent them, reproducible gzip, compact JSON cells, CSV cells holding line breaks, and the messages (line, fix)
of files that cannot be read."""

from __future__ import annotations

import csv
import gzip
import os
from datetime import date
from pathlib import Path

import msgspec
import pytest

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.outputs import batches, output_spec, output_uri, read_records, write_pages, write_records
from trackier_provider.validation import is_templated

FIX = "Check the file: JSON Lines (.jsonl, .ndjson) and CSV (.csv), each optionally gzip-compressed (.gz), UTF-8 text."


def test_rows_are_counted_over_every_page(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    assert write_pages([[{"id": 1}, {"id": 2}], [{"id": 3}]], output_spec(str(target))) == 3
    assert len(target.read_text().splitlines()) == 3


def test_records_kept_as_sent_are_written_byte_for_byte(tmp_path: Path) -> None:
    """``msgspec.Raw`` records are the server's bytes (spacing, key order and all), one line each, in pages of
    one record and of several."""
    target = tmp_path / "raw.jsonl"
    pages = [[msgspec.Raw(b'{"id": 1,  "b":2}')], [msgspec.Raw(b'{"id":2}'), msgspec.Raw(b'{ "id" : 3 }')]]
    assert write_pages(pages, output_spec(str(target))) == 3
    assert target.read_bytes() == b'{"id": 1,  "b":2}\n{"id":2}\n{ "id" : 3 }\n'


def test_gzip_output_carries_no_timestamp(tmp_path: Path) -> None:
    """The gzip header's modification time is 0, so the same rows give the same bytes on every run."""
    target = tmp_path / "rows.jsonl.gz"
    write_records([{"id": 1}], output_spec(str(target)))
    assert target.read_bytes()[4:8] == b"\x00\x00\x00\x00"
    assert gzip.decompress(target.read_bytes()) == b'{"id":1}\n'


def test_csv_cells_and_extra_are_compact_json_and_any_value_is_written(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    write_records([{"id": 1, "tags": {"a": [1, 2]}, "day": [date(2026, 11, 30)]},
                   {"id": 2, "late": {"b": 1}, "when": [date(2026, 12, 1)]}], output_spec(str(target)))
    rows = list(csv.reader(target.read_text().splitlines()))
    assert rows == [["id", "tags", "day", "_extra"],
                    ["1", '{"a":[1,2]}', '["2026-11-30"]', ""],
                    ["2", "", "", '{"late":{"b":1},"when":["2026-12-01"]}']]


def test_a_csv_cell_holding_a_line_break_is_read_back_as_written(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    write_records([{"id": 1, "note": "first\r\nsecond"}, {"id": 2, "note": "plain"}], output_spec(str(target)))
    assert list(read_records(str(target))) == [{"id": "1", "note": "first\r\nsecond"}, {"id": "2", "note": "plain"}]


def test_batches_hold_a_thousand_records_by_default() -> None:
    assert [len(batch) for batch in batches(range(2500))] == [1000, 1000, 500]


def test_jinja_statements_count_as_templated() -> None:
    assert is_templated("{% if params.day %}a.jsonl{% endif %}")
    assert not is_templated("plain {percent} path.jsonl")


def _refusal(target: Path) -> TrackierConfigError:
    with pytest.raises(TrackierConfigError) as info:
        list(read_records(str(target)))
    assert info.value.field == "conversions_path"
    return info.value


def test_a_bad_line_is_named_by_its_number(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    target.write_text('{"id": 1}\n\n{"id": 2}\n{"id": \n')
    error = _refusal(target)
    assert error.problem.startswith(f"line 4 of {target} is not valid JSONL: ")
    assert error.fix == FIX


def test_text_that_is_not_utf8_is_refused_with_the_fix(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    target.write_bytes('{"id": 1}\n{"name": "caf\u00e9"}\n'.encode("latin-1"))
    error = _refusal(target)
    assert error.problem.startswith(f"{target} is not UTF-8 text (after line ")  # lines decoded: by the chunk
    assert error.fix == FIX


def test_a_file_that_is_not_gzip_is_refused_naming_the_error(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl.gz"
    target.write_bytes(b'{"id": 1}\n')
    error = _refusal(target)
    assert error.problem.startswith(f"{target} cannot be read: BadGzipFile: Not a gzipped file")
    assert error.fix == FIX


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    target = tmp_path / "nosuch.jsonl"
    assert _refusal(target).problem == f"{target} does not exist"


def test_an_extra_column_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    target.write_text('id,_extra\n1,"[1, 2]"\n')
    error = _refusal(target)
    assert error.problem == f"line 2 of {target} is not valid CSV: the _extra column holds list, not a JSON object"
    assert error.fix == FIX


FSSPEC_FIX = "Use a local path or a URL of an installed fsspec filesystem (file://, memory://, s3://, gs://, ...)."


@pytest.mark.parametrize(("url", "shown"), [
    ("nosuch://user:pw@bucket/out.jsonl", "nosuch://user:***@bucket/out.jsonl"),
    ("memory::nosuch://bucket/out.jsonl", "memory::nosuch://bucket/out.jsonl"),
], ids=["password-hidden", "second-of-a-chain"])
def test_an_unknown_protocol_is_refused_naming_the_target(url, shown) -> None:
    with pytest.raises(TrackierConfigError) as info:
        output_spec(url)
    assert (info.value.problem, info.value.fix) == (
        f"{shown!r} uses the protocol nosuch://, which fsspec does not know", FSSPEC_FIX)


def test_a_missing_file_to_read_says_what_to_check(tmp_path: Path) -> None:
    error = _refusal(tmp_path / "nosuch.jsonl")
    assert error.fix == "Check the path (and the worker's access)."


@pytest.mark.parametrize("link", [False, True], ids=["fifo", "link-to-fifo"])
def test_a_fifo_is_refused_as_a_target_and_as_a_source(tmp_path: Path, link: bool) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    target = fifo
    if link:
        target = tmp_path / "link.jsonl"
        target.symlink_to(fifo)
    through = " (through a symbolic link)" if link else ""
    fix = "Name a regular file (or a path that does not exist yet)."
    with pytest.raises(TrackierConfigError) as info:
        write_records([{"id": 1}], output_spec(str(target)))
    assert (info.value.field, info.value.problem, info.value.fix) == (
        "output_path", f"{target} is a FIFO (named pipe){through}, which is not replaced or written to", fix)
    error = _refusal(target)
    assert (error.problem, error.fix) == (f"{target} is a FIFO (named pipe){through}, which is not read from", fix)


def test_csv_of_records_that_are_not_objects_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    with pytest.raises(TrackierConfigError) as info:
        write_records([[1, 2]], output_spec(str(target)))
    assert (info.value.field, info.value.problem, info.value.fix) == (
        "output_format", "csv needs object records", "Use output_format='jsonl'.")
    assert not target.exists()


def test_a_protocol_whose_package_is_missing_is_refused_with_fsspecs_hint() -> None:
    with pytest.raises(TrackierConfigError) as info:
        output_spec("oci://user:pw@bucket/out.jsonl")
    assert (info.value.field, info.value.problem, info.value.fix) == (
        "output_path", "'oci://user:***@bucket/out.jsonl' needs the ocifs package, which is not installed",
        "Install ocifs to access OCI Object Storage (on every worker), or use another target.")


@pytest.mark.parametrize(("target", "problem", "fix"), [
    (5, "must be a path, a URL or an ObjectStoragePath, got int",
     "Pass e.g. '/data/trackier/conversions.jsonl.gz' or 's3://bucket/trackier/conversions.jsonl.gz'."),
    ("  ", "is empty", "Pass a path or URL, or leave it unset to use XCom."),
    ("/data/Exports/Rows.Parquet", "the extension .parquet of 'rows.parquet' names a format that is not supported",
     "Supported: JSON Lines (.jsonl, .ndjson) and CSV (.csv), each optionally gzip-compressed (.gz). Rename the "
     "file or pass output_format='jsonl' or 'csv' to write that format under this name."),
], ids=["not-a-path", "blank", "file-name-only"])
def test_a_target_refused_is_named_with_its_fix(target, problem, fix) -> None:
    with pytest.raises(TrackierConfigError) as info:
        output_spec(target, field="output_path")
    assert (info.value.field, info.value.problem, info.value.fix) == ("output_path", problem, fix)


def test_an_object_storage_path_is_a_target(tmp_path: Path) -> None:
    from trackier_provider.version_compat import ObjectStoragePath

    target = ObjectStoragePath(f"file://{tmp_path}/rows.jsonl.gz")
    spec = output_spec(target)
    assert (spec.format, spec.gzip) == ("jsonl", True)
    # Its URL as given, on Airflow 3 and 2.11 alike (2.11's is PathLike: once read as a relative local path).
    assert output_uri(target) == f"file://{tmp_path}/rows.jsonl.gz"
    assert output_uri(ObjectStoragePath("s3://bucket/day/rows.jsonl")) == "s3://bucket/day/rows.jsonl"
    assert write_records([{"id": 1}], spec) == 1
    assert gzip.decompress((tmp_path / "rows.jsonl.gz").read_bytes()) == b'{"id":1}\n'


def test_a_name_longer_than_255_bytes_is_refused_and_255_is_not(tmp_path: Path) -> None:
    stem = "é" * 124  # 248 bytes in UTF-8
    assert output_spec(str(tmp_path / f"{stem}a.jsonl")).format == "jsonl"  # 255 bytes
    with pytest.raises(TrackierConfigError) as info:
        output_spec(str(tmp_path / f"{stem}ab.jsonl"))  # 256 bytes
    assert (info.value.field, info.value.fix) == ("output_path", "Use a shorter name.")
    assert info.value.problem == f"the name {(stem + 'ab.jsonl')[:40]!r}... is longer than 255 bytes"


def test_a_path_object_is_a_target(tmp_path: Path) -> None:
    spec = output_spec(tmp_path / "rows.csv")
    assert (spec.target, spec.format) == (str(tmp_path / "rows.csv"), "csv")


def test_a_password_after_an_at_sign_in_the_user_is_hidden() -> None:
    from trackier_provider.outputs import display_uri

    assert display_uri("ftp://me@corp:s3cret@host/x.jsonl") == "ftp://me@corp:***@host/x.jsonl"


@pytest.mark.parametrize(("kwargs", "field", "problem", "fix"), [
    ({"compression": "bz2"}, "compression", "'bz2' is not supported", "Use 'gzip', 'infer' or None."),
    ({"output_format": "parquet"}, "output_format", "'parquet' is not supported", "Use 'jsonl' or 'csv'."),
], ids=["compression", "format"])
def test_a_format_or_compression_refused_says_what_to_use(kwargs, field, problem, fix) -> None:
    from trackier_provider.outputs import check_format

    with pytest.raises(TrackierConfigError) as info:
        check_format(kwargs.get("output_format"), kwargs.get("compression"))
    assert (info.value.field, info.value.problem, info.value.fix) == (field, problem, fix)
