"""Text that is not Unicode in an answer fails the task naming the endpoint and the record, in every output
format; it is never written replaced (U+FFFD) and never surfaces as a raw ``UnicodeError``.

The emulator always sends valid UTF-8 (it is a correct server), so a small hostile server on loopback sends the
broken bytes here: one page of three conversions whose second record carries the fault.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import connection_json
from trackier_provider.exceptions import TrackierResponseError
from trackier_provider.operators.conversions import TrackierFetchConversionsOperator

ENDPOINT = "/v2/network/conversions"


def _page(second: bytes) -> bytes:
    """A whole conversions page (total 3) whose second record's ``sub1`` is ``second`` (JSON string bytes)."""
    records = [b'{"id":"c1","sub1":"plain"}', b'{"id":"c2","sub1":"' + second + b'"}', b'{"id":"c3","sub1":"z"}']
    return (b'{"success":true,"conversions":[' + b",".join(records)
            + b'],"pagination":{"page":1,"perPage":100,"total":3}}')


class Hostile:
    """Answers every GET with ``body`` (HTTP 200, JSON content type) and counts the requests."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.requests = 0
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hostile.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(hostile.body)))
                self.end_headers()
                self.wfile.write(hostile.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hostile]:
    server = Hostile()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    # No retries: a broken answer is the same every time, and the test should not wait for backoffs.
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(server.base_url, "hostile-key", max_retries=0))
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def _context() -> dict[str, Any]:
    class TI:
        def xcom_push(self, key: str, value: Any) -> None:
            pass

    day = datetime(2026, 11, 20, tzinfo=timezone.utc)
    return {"ti": TI(), "data_interval_start": day, "data_interval_end": day.replace(day=21)}


BROKEN = {
    "invalid UTF-8 byte": b"caf\xe9",  # Latin-1, not UTF-8
    "UTF-8-encoded surrogate": b"\xed\xa0\x80",
    "lone high surrogate escape": b"\\ud800",
    "lone low surrogate escape": b"x\\udc00y",
    "reversed surrogate pair": b"\\ude00\\ud83d",
}
OUTPUTS = ["out.jsonl", "out.jsonl.gz", "out.csv", "out.csv.gz", None]


@pytest.mark.parametrize(
    ("output", "parallel"), [*((output, 4) for output in OUTPUTS), ("out.jsonl", 1), (None, 1)]
)
@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_text_that_is_not_unicode_fails_naming_endpoint_and_record(hostile, tmp_path, output, text, parallel):
    hostile.body = _page(text)
    target = tmp_path / output if output else None
    operator = TrackierFetchConversionsOperator(
        task_id="c", output_path=str(target) if target else None, max_parallel_pages=parallel
    )
    with pytest.raises(TrackierResponseError) as info:
        operator.execute(_context())
    message = str(info.value)
    assert ENDPOINT in message and "conversions[1].sub1" in message  # the second record of the page
    assert "not Unicode" in message
    # Failed at the first (and only) page; a page fetched ahead is fetched once more by the retry policy.
    assert hostile.requests == (1 if parallel == 1 else 2)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


GOOD = "Zürich \u00e9 \U0001f600"  # raw UTF-8, an escape of a BMP character, and a surrogate pair
GOOD_WIRE = b'Z\xc3\xbcrich \\u00e9 \\ud83d\\ude00'


@pytest.mark.parametrize("output", ["out.jsonl", "out.jsonl.gz", "out.csv", "out.csv.gz"])
def test_valid_unicode_is_kept_exactly(hostile, tmp_path, output):
    hostile.body = _page(GOOD_WIRE)
    target = tmp_path / output
    result = TrackierFetchConversionsOperator(task_id="c", output_path=str(target)).execute(_context())
    assert result["rows"] == 3
    data = target.read_bytes()
    data = gzip.decompress(data) if output.endswith(".gz") else data
    if ".jsonl" in output:
        lines = data.splitlines()
        assert lines[1] == b'{"id":"c2","sub1":"' + GOOD_WIRE + b'"}'  # the server's bytes, as sent
        assert json.loads(lines[1])["sub1"] == GOOD
    else:
        assert GOOD in data.decode("utf-8").splitlines()[2]
