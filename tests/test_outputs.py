"""The output writer: JSON Lines / CSV, gzip, fsspec URLs, atomic moves, and the Asset a static path declares."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import fsspec
import pytest

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
    url = TrackierFetchCampaignsOperator(task_id="u", output_path="s3://bucket/campaigns.jsonl.gz")
    assert [o.uri for o in url.outlets] == ["s3://bucket/campaigns.jsonl.gz"]


def test_templated_output_path_declares_no_asset() -> None:
    op = TrackierFetchCampaignsOperator(task_id="c", output_path="/data/{{ ds }}/campaigns.jsonl")
    assert list(op.outlets) == []


def test_bad_output_format_fails_at_parse_time() -> None:
    with pytest.raises(TrackierConfigError, match="output_format"):
        TrackierFetchCampaignsOperator(task_id="c", output_path="/tmp/x.jsonl", output_format="xml")
