"""The input cases of issue 21 (templated values, raw exceptions) and the output targets of issue 20, each over
real HTTP against the emulator: a value is either sent as the user meant it, or refused with
``TrackierConfigError`` before any request (the emulator's request log stays empty), and an answer the
provider cannot use is a ``TrackierResponseError``, never a raw Python exception."""

from __future__ import annotations

import gzip
import json
import os
import socket
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.operators.conftest import api_calls
from trackier_provider.exceptions import TrackierConfigError, TrackierResponseError
from trackier_provider.operators.categories import TrackierCreateCategoryOperator
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator, TrackierUploadConversionsOperator
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.operators.payouts import TrackierSetPublisherPayoutOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.sensors.job import TrackierJobSensor


def _refused(emu: Any, run: Any) -> TrackierConfigError:
    """``run()`` fails with TrackierConfigError and the emulator saw no request."""
    with pytest.raises(TrackierConfigError) as info:
        run()
    assert emu.requests == [], emu.requests
    return info.value


# ------------------------------------------------------------------------------ templated lists and ids
def test_a_list_rendered_as_text_is_sent_as_its_ids(trackier_conn, context) -> None:
    """``campaign_ids="{{ ti.xcom_pull(...) }}"`` renders to ``"[1, 2]"``: the ids 1 and 2, not "[1" and "2]"."""
    TrackierFetchConversionsOperator(task_id="c", campaign_ids="[1, 2]", publisher_ids='["7"]').execute(context)
    query = api_calls(trackier_conn, "GET", "/v2/network/conversions")[0]["query"]
    assert query["campaignIds[]"] == ["1", "2"] and query["publisherIds[]"] == ["7"]


@pytest.mark.parametrize("rendered", ["[1, 2", "['1', '2']", '{"a": 1}', "[1.5]", "[true]", '"1"'])
def test_a_list_rendered_as_anything_but_a_json_list_of_ids_is_refused(trackier_conn, context, rendered) -> None:
    op = TrackierFetchConversionsOperator(task_id="c", campaign_ids=rendered)
    assert _refused(trackier_conn, lambda: op.execute(context)).field.startswith("campaign_ids")


def test_the_generic_operator_reads_a_rendered_list_the_same_way(trackier_conn, context) -> None:
    window = {"start": "2026-11-20 00:00:00", "end": "2026-11-20 23:59:59"}
    TrackierOperator(task_id="g", operation="conversions.list", query={**window, "campaignIds": "[3, 4]"}
                     ).execute(context)
    assert api_calls(trackier_conn, "GET", "/v2/network/conversions")[0]["query"]["campaignIds[]"] == ["3", "4"]
    trackier_conn.clear_requests()
    with pytest.raises(TrackierConfigError):  # a static query is checked when the DAG is parsed
        TrackierOperator(task_id="g", operation="conversions.list", query={**window, "campaignIds": "[3, 4"})
    assert trackier_conn.requests == []


@pytest.mark.parametrize("hidden", ["\u200b", "\ufeff", "\u00a0", "\u2060", "\u200e"])
def test_ids_with_invisible_characters_are_refused(trackier_conn, context, hidden) -> None:
    op = TrackierFetchConversionsOperator(task_id="c", campaign_ids=[f"1{hidden}2"])
    error = _refused(trackier_conn, lambda: op.execute(context))
    assert f"U+{ord(hidden):04X}" in error.problem


# ------------------------------------------------------------------------------ dates and timezones
def test_a_day_written_yyyymmdd_is_the_same_day_as_yyyy_mm_dd(trackier_conn, context) -> None:
    for end in ("20261130", "2026-11-30"):
        TrackierFetchReportOperator(task_id="r", report="campaign", start="20261129", end=end).execute(context)
    sent = [(q["start"], q["end"]) for q in (r["query"] for r in api_calls(trackier_conn, "GET"))]
    assert sent == [(["2026-11-29"], ["2026-11-30"])] * 2  # Nov 30 is included both ways


def test_the_generic_operator_reads_yyyymmdd_dates_too(trackier_conn, context) -> None:
    TrackierOperator(task_id="g", operation="campaigns.timelines.list", query={"start": "20261129", "end": "20261130"},
                     ).execute(context)
    query = api_calls(trackier_conn, "GET")[0]["query"]
    assert (query["start"], query["end"]) == (["2026-11-29"], ["2026-11-30"])


def test_an_aware_datetime_with_fold_1_is_the_second_of_the_two_wall_times(trackier_conn, context) -> None:
    """01:30 on 2026-11-01 happens twice in New York; fold=1 is the second (EST, 06:30 UTC)."""
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 11, 1, 1, 30, tzinfo=new_york, fold=1)
    result = TrackierFetchConversionsOperator(
        task_id="c", start=start, end=start + timedelta(hours=2), timezone="UTC", output_path=None,
    ).execute(context)
    assert result is not None
    query = api_calls(trackier_conn, "GET", "/v2/network/conversions")[0]["query"]
    assert query["start"] == ["2026-11-01 06:30:00"]  # fold=0 would be 05:30: an hour early


def test_a_naive_wall_time_that_happens_twice_is_refused(trackier_conn, context) -> None:
    op = TrackierFetchConversionsOperator(task_id="c", start=datetime(2026, 11, 1, 1, 30),
                                          end=datetime(2026, 11, 2), timezone="America/New_York")
    assert "happens twice" in _refused(trackier_conn, lambda: op.execute(context)).problem


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", "posix/UTC", "right/UTC"])
def test_timezone_aliases_that_are_not_iana_zones_are_refused(trackier_conn, name) -> None:
    with pytest.raises(TrackierConfigError) as info:  # a static timezone: refused when the DAG is parsed
        TrackierFetchConversionsOperator(task_id="c", timezone=name)
    assert info.value.field == "timezone"
    assert trackier_conn.requests == []


# ------------------------------------------------------------------------------ report windows are whole days
def test_a_static_window_off_midnight_is_refused_when_the_dag_is_parsed() -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchReportOperator(task_id="r", report="campaign", start="2026-11-20T02:00:00+00:00",
                                    end="2026-11-21T02:00:00+00:00")
    assert "does not start and end at midnight in UTC" in info.value.problem
    assert "align_days=True" in info.value.fix and "CronDataIntervalTimetable" in info.value.fix


def test_a_data_interval_off_midnight_is_refused_before_any_request(trackier_conn, context) -> None:
    interval = {"data_interval_start": datetime(2026, 11, 20, 2, tzinfo=timezone.utc),
                "data_interval_end": datetime(2026, 11, 21, 2, tzinfo=timezone.utc)}
    op = TrackierFetchReportOperator(task_id="r", report="campaign")
    error = _refused(trackier_conn, lambda: op.execute(context | interval))
    assert error.field == "start/end" and "align_days" in error.fix
    result = TrackierFetchReportOperator(task_id="r", report="campaign", align_days=True,
                                         output_path="memory://refused-inputs/r.jsonl").execute(context | interval)
    query = api_calls(trackier_conn, "GET")[0]["query"]
    assert (query["start"], query["end"]) == (["2026-11-20"], ["2026-11-20"])  # not Nov 21, unfinished
    assert (result["start"], result["end"]) == ("2026-11-20T00:00:00+00:00", "2026-11-21T00:00:00+00:00")


def test_a_window_in_one_unfinished_day_reads_nothing_even_aligned(trackier_conn, context) -> None:
    interval = {"data_interval_start": datetime(2026, 11, 20, 2, tzinfo=timezone.utc),
                "data_interval_end": datetime(2026, 11, 20, 20, tzinfo=timezone.utc)}
    op = TrackierFetchReportOperator(task_id="r", report="campaign", align_days=True)
    assert "no whole day" in _refused(trackier_conn, lambda: op.execute(context | interval)).problem


# ------------------------------------------------------------------------------ conversions_path contents
def _upload(path: Path) -> TrackierUploadConversionsOperator:
    return TrackierUploadConversionsOperator(task_id="u", conversions_path=str(path))


GOOD_ROW = {"campaign_id": "1", "publisher_id": "1", "payout": 1.5}


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("missing.jsonl", None, "does not exist"),
        ("bad.jsonl", b'{"campaign_id": "1", "publisher_id": "1"}\n{"campaign_id": \n', "line 2"),
        ("bad.jsonl.gz", b"this is not gzip", "cannot be read"),
        ("cut.jsonl.gz", gzip.compress(json.dumps(GOOD_ROW).encode() * 50, mtime=0)[:40], "cannot be read"),
        ("bad.csv", b'campaign_id,publisher_id,_extra\n1,1,{"a":\n', "line 2"),
        ("list.csv", b"campaign_id,publisher_id,_extra\n1,1,[1]\n", "not a JSON object"),
        ("wide.csv", b"campaign_id,publisher_id\n1,1,3\n", None),
        ("latin.jsonl", '{"campaign_id": "1", "publisher_id": "1", "note": "caf\u00e9"}\n'.encode("latin-1"),
         "not UTF-8"),
        ("deep.jsonl", b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 1"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.count(".") == 1 + value.endswith(".gz") else "",
)
def test_bad_conversion_files_are_refused_before_any_request(trackier_conn, context, tmp_path: Path, name, content,
                                                              problem) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    error = _refused(trackier_conn, lambda: _upload(path).execute(context))
    if problem is None:  # a row the file holds but the upload cannot use: named by its number
        assert error.field == "conversions row 1", error
    else:
        assert error.field == "conversions_path" and problem in error.problem, error


def test_a_directory_as_conversions_path_is_refused(trackier_conn, context, tmp_path: Path) -> None:
    (tmp_path / "rows.jsonl").mkdir()
    assert "directory" in _refused(trackier_conn, lambda: _upload(tmp_path / "rows.jsonl").execute(context)).problem


def test_a_fifo_as_conversions_path_is_refused_rather_than_read_forever(trackier_conn, context, tmp_path) -> None:
    os.mkfifo(tmp_path / "rows.jsonl")
    assert "FIFO" in _refused(trackier_conn, lambda: _upload(tmp_path / "rows.jsonl").execute(context)).problem


def test_a_good_gzip_csv_file_is_uploaded(trackier_conn, context, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv.gz"
    path.write_bytes(gzip.compress(b'campaign_id,publisher_id,payout,_extra\n1,1,1.5,{"txn_id":"t-1"}\n'))
    job = _upload(path).execute(context)
    assert [r["txn_id"] for r in trackier_conn.store.uploaded_conversions if r["job_id"] == job] == ["t-1"]


# ------------------------------------------------------------------------------ output_path protocols
@pytest.mark.parametrize(("url", "problem"), [
    ("nosuch://bucket/out.jsonl", "fsspec does not know"),
    ("s3://bucket/out.jsonl", "needs the s3fs package"),
    ("gs://bucket/out.jsonl", "needs the gcsfs package"),
    ("simplecache::s3://bucket/out.jsonl", "needs the s3fs package"),
])
def test_an_output_url_without_a_filesystem_is_refused_when_the_dag_is_parsed(url, problem) -> None:
    pytest.importorskip("fsspec")
    with pytest.raises(TrackierConfigError) as info:
        TrackierFetchConversionsOperator(task_id="c", output_path=url)
    assert info.value.field == "output_path" and problem in info.value.problem


def test_a_templated_output_url_without_a_filesystem_is_refused_before_any_request(trackier_conn, context) -> None:
    op = TrackierFetchConversionsOperator(task_id="c", output_path="{{ 'nosuch' }}://x/out.jsonl")
    op.output_path = "nosuch://x/out.jsonl"  # as Airflow renders it
    _refused(trackier_conn, lambda: op.execute(context))


# ------------------------------------------------------------------------------ output targets that are not files
def _special_files(tmp_path: Path) -> dict[str, Path]:
    """A FIFO, a socket, a character device (root only, made with mknod in the tmp dir: never /dev/*) and
    symbolic links to them."""
    made = {"fifo": tmp_path / "fifo.jsonl"}
    os.mkfifo(made["fifo"])
    sock = socket.socket(socket.AF_UNIX)
    made["socket"] = tmp_path / "s.jsonl"
    sock.bind(str(made["socket"]))
    sock.close()
    if os.geteuid() == 0:
        made["char device"] = tmp_path / "null.jsonl"
        os.mknod(made["char device"], 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # the null device's numbers
    for kind, path in list(made.items()):
        link = tmp_path / f"link-to-{path.name}"
        link.symlink_to(path)
        made[f"link to {kind}"] = link
    return made


def test_an_output_target_that_is_not_a_regular_file_is_refused_and_left_alone(trackier_conn, context,
                                                                             tmp_path: Path) -> None:
    targets = _special_files(tmp_path)
    before = {name: os.lstat(path) for name, path in targets.items()}
    for name, path in targets.items():
        op = TrackierFetchConversionsOperator(task_id="c", output_path=str(path))
        error = _refused(trackier_conn, lambda op=op: op.execute(context))
        assert error.field == "output_path"
        kind = name.removeprefix("link to ")
        assert kind.split()[0].lower() in error.problem.lower(), (name, error)
        assert ("symbolic link" in error.problem) == name.startswith("link to"), (name, error)
    after = {name: os.lstat(path) for name, path in targets.items()}
    assert {n: (s.st_mode, s.st_ino, s.st_rdev) for n, s in after.items()} == {
        n: (s.st_mode, s.st_ino, s.st_rdev) for n, s in before.items()}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in targets.values())  # no temp files


# ------------------------------------------------------------------------------ answers the provider cannot use
def _answer(emu: Any, method: str, path: str, body: Any) -> None:
    emu.add_fault({"kind": "replace_body", "method": method, "path": path, "body": json.dumps(body)})


@pytest.mark.parametrize("listed", [
    {"_id": "p1", "payout": "abc", "revenue": 2, "geo": ["ALL"], "pubIds": ["1"]},
    {"payout": 1, "revenue": 2, "geo": ["ALL"], "pubIds": ["1"]},
])
def test_a_listed_payout_without_a_number_or_an_id_is_a_response_error(trackier_conn, context, listed) -> None:
    _answer(trackier_conn, "GET", "/v2/campaigns/1/payouts", {"success": True, "payouts": [listed]})
    op = TrackierSetPublisherPayoutOperator(task_id="p", campaign_id=1, publisher_id=1, payout=1.5, revenue=2)
    with pytest.raises(TrackierResponseError):
        op.execute(context)
    assert api_calls(trackier_conn, "PUT") == [] and api_calls(trackier_conn, "POST") == []


def test_a_payout_figure_that_is_not_a_number_is_refused_before_any_request(trackier_conn, context) -> None:
    _refused(trackier_conn, lambda: TrackierSetPublisherPayoutOperator(  # when the DAG is parsed, if not then
        task_id="p", campaign_id=1, publisher_id=1, payout="abc", revenue=2).execute(context))


@pytest.mark.parametrize("status", [5, "", None, "weird", ["completed"]])
def test_a_job_status_the_provider_does_not_know_fails_the_sensor(trackier_conn, context, status) -> None:
    _answer(trackier_conn, "GET", "/v2/jobs/", {"success": True, "job": {"_id": "j1", "status": status}, "log": []})
    sensor = TrackierJobSensor(task_id="s", job_id="j1", poke_interval=1)
    with pytest.raises(TrackierResponseError, match="status"):
        sensor.poke(context)


@pytest.mark.parametrize("answer", [{"category": [1]}, "created", {"success": True}])
def test_a_create_answer_without_the_object_is_a_response_error(trackier_conn, context, answer) -> None:
    _answer(trackier_conn, "POST", "/v2/categories", answer)
    with pytest.raises(TrackierResponseError):
        TrackierCreateCategoryOperator(task_id="c", name="Answerless", if_exists="create").execute(context)
