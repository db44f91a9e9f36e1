"""Fetch operators refuse an output target they cannot honour before any request reaches the emulator.

A static ``output_path`` with a format this provider does not write is refused while the DAG is parsed (the
operator's constructor), without touching storage. What needs storage to tell (an existing directory, a file
where a parent directory should be) and every templated path are checked when the task runs, before the
first request: the emulator's request log stays empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fsspec
import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.operators.advertisers import TrackierFetchAdvertiserCapsOperator
from trackier_provider.operators.campaigns import TrackierFetchCampaignsOperator
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator

#: One operator per way of reading: keyset pages, a windowed page-numbered list, single answers.
OPERATORS: dict[str, Any] = {
    "campaigns": lambda path: TrackierFetchCampaignsOperator(task_id="t", output_path=path),
    "conversions": lambda path: TrackierFetchConversionsOperator(task_id="t", output_path=path),
    "report": lambda path: TrackierFetchReportOperator(task_id="t", report="campaign", output_path=path),
    "caps": lambda path: TrackierFetchAdvertiserCapsOperator(task_id="t", advertiser_id=1, output_path=path),
}


def _refused(op: Any, context: dict[str, Any]) -> TrackierConfigError:
    with pytest.raises(TrackierConfigError) as info:
        op.execute(context)
    return info.value


@pytest.mark.parametrize("kind", sorted(OPERATORS))
def test_existing_local_directory_is_refused_before_any_request(trackier_conn, context, tmp_path: Path, kind) -> None:
    (tmp_path / "exports").mkdir()
    op = OPERATORS[kind](str(tmp_path / "exports"))  # parse time: no look at the filesystem
    error = _refused(op, context)
    assert error.field == "output_path" and "is an existing directory" in error.problem
    assert trackier_conn.requests == []
    assert list((tmp_path / "exports").iterdir()) == []  # nothing hidden inside it


def test_existing_fsspec_directory_is_refused_before_any_request(trackier_conn, context) -> None:
    fsspec.filesystem("memory").pipe("/trackier-op-tests/dir/exports/old.jsonl", b"{}\n")
    error = _refused(TrackierFetchCampaignsOperator(task_id="t", output_path="memory://trackier-op-tests/dir/exports"),
                     context)
    assert "is an existing directory" in error.problem
    assert trackier_conn.requests == []


def test_parent_that_is_a_file_is_refused_before_any_request(trackier_conn, context, tmp_path: Path) -> None:
    (tmp_path / "exports").write_text("not a directory\n")
    error = _refused(TrackierFetchCampaignsOperator(task_id="t", output_path=str(tmp_path / "exports" / "c.jsonl")),
                     context)
    assert "is a file, not a directory" in error.problem
    assert trackier_conn.requests == []


@pytest.mark.parametrize(
    ("path", "kwargs", "field"),
    [
        ("/data/campaigns.parquet", {}, "output_path"),
        ("s3://bucket/trackier/campaigns.xlsx", {}, "output_path"),
        ("/data/campaigns.json", {}, "output_path"),
        ("/data/exports/", {}, "output_path"),
        ("/data/campaigns.jsonl.zst", {}, "compression"),
        ("/data/campaigns.jsonl", {"output_format": "parquet"}, "output_format"),
    ],
)
def test_static_path_is_refused_at_parse_time(trackier_conn, path: str, kwargs: dict, field: str) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchCampaignsOperator(task_id="t", output_path=path, **kwargs)
    assert info.value.field == field
    assert trackier_conn.requests == []


@pytest.mark.parametrize(
    ("template", "params", "problem"),
    [
        ("{{ params.dir }}/campaigns_{{ ds }}.parquet", {}, "names a format that is not supported"),
        ("{{ params.dir }}/campaigns_{{ ds }}.jsonl.bz2", {}, "compression that is not supported"),
        ("{{ params.dir }}/{{ params.name }}", {"name": "exports"}, "is an existing directory"),
        ("{{ params.dir }}/{{ params.name }}/", {"name": "new"}, "names a directory"),
    ],
)
def test_templated_path_is_refused_at_run_time_before_any_request(
    trackier_conn, context, tmp_path: Path, template: str, params: dict, problem: str
) -> None:
    (tmp_path / "exports").mkdir()
    op = TrackierFetchCampaignsOperator(task_id="t", output_path=template)  # not checked before it is rendered
    op.render_template_fields({**context, "ds": "2026-11-20", "params": {"dir": str(tmp_path), **params}})
    error = _refused(op, context)
    assert problem in error.problem
    assert trackier_conn.requests == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_output_format_overrides_the_extension(trackier_conn, context, tmp_path: Path) -> None:
    out = tmp_path / "campaigns.json"
    result = TrackierFetchCampaignsOperator(task_id="t", output_path=str(out), output_format="jsonl").execute(context)
    lines = out.read_text().splitlines()
    assert result["rows"] == len(lines) == 50
    assert {"id", "title"} <= set(json.loads(lines[0]))
    assert api_calls(trackier_conn, "GET", "/v2/campaigns")


def test_temporary_file_left_by_a_killed_try_is_removed(trackier_conn, context, tmp_path: Path) -> None:
    stale = tmp_path / (".campaigns.csv.trackier-tmp-" + "ab" * 16)
    stale.write_text("id,title\n1,half an export")
    other = tmp_path / (".payouts.csv.trackier-tmp-" + "ab" * 16)  # another target's: a try may still be writing it
    other.write_text("id\n")
    TrackierFetchCampaignsOperator(task_id="t", output_path=str(tmp_path / "campaigns.csv")).execute(context)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["campaigns.csv", other.name])
    assert len((tmp_path / "campaigns.csv").read_text().splitlines()) == 51
