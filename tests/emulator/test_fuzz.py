"""Fuzzing the HTTP layer over raw sockets: after every hostile input the emulator still answers correctly.

Hypothesis builds requests from hostile parts (request lines, header fields, framing, bodies, nesting
bombs, invalid UTF-8, line ends) and also mutates a good request byte by byte. Each input goes over its own
connection, which is then half-closed; the checks after each one: the server's output is a clean sequence
of complete responses, nothing is a 500, every error is in Trackier's envelope, the server ends the
connection, no handler failed, and a good authenticated request (on a connection kept open through the whole
run, and on a new one) gets the right answer. Derandomized and without a database: the same inputs every
run, no files written.
"""

from __future__ import annotations

import json
import logging
import socket
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.emulator.conftest import (
    CONFIG,
    GOOD_REQUEST,
    KEY,
    RawResponse,
    assert_good_answer,
    assert_serving,
    exchange,
    read_response,
)
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

EXAMPLES = 500
ALLOWED_5XX = {501, 505}  # not implemented (method, transfer coding), HTTP version not supported

METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "get", "BREW", "CONNECT", "TRACE", "", "G ET",
           "GET\x00", "ПОСТ", "GET" * 3000]
TARGETS = ["/v2/campaigns", "/v2/categories", "/v2/publishers?limit=1", "/v2/reports/campaign?start=x",
           "/v2/network/conversions", "/v2/login", "/_emulator/health", "/_emulator/nope", "*", "", "v2/campaigns",
           "http://t/v2/campaigns", "//", "/%ff%fe", "/v2/campaigns?limit=%c3%28", "/v2/campaigns?limit=-1",
           "/v2/campaigns?" + "filters[a]" * 500 + "=1", "/v2/campaigns?kpi[]=clicks&kpi[]=%00", "/" + "a" * 9000,
           "/v2/campaigns/99999999999999999999", "/v2/campaigns/%2e%2e%2f", "/v2/campaigns#frag", "http://[::1/v2",
           "https://u:p@h:99999/v2/campaigns?x=1"]
VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "HTTP/1.1 extra", "", "HTTP/x", "http/1.1", "HTTP/1.12"]
FIELDS = ["Host: t", f"X-Api-Key: {KEY}", "X-Api-Key: wrong", "Content-Length: 0", "Content-Length: 2",
          "Content-Length: 17", "Content-Length: -1", "Content-Length: +2", "Content-Length: 2, 3",
          "Content-Length: 0x2", "Content-Length: 99999999999999999999999", "Content-Length: 1_0", "Content-Length:",
          "Content-Length: 70000000", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
          "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: identity", "Host : t", " folded", "NoColon",
          "X-A: a\x00b", "X-A: a\rb", "Connection: close", "Connection: keep-alive", "Expect: 100-continue",
          "Expect: nonsense", "Content-Type: application/json", "X-Big: " + "b" * 70_000, ":no-name",
          "X-Latin: \xe9\xff", "Host: t, u"]
BODIES = [b"", b"{}", b'{"name": "Fuzzed"}', b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 3_000 + b"1" + b"}" * 3_000,
          b'{"name": "\xff"}', b'{"name": "\xc0\xaf"}', b"\x00" * 64, b"NaN", b'{"name": 1e999999}',
          b'{"name": ' + b"9" * 5_000 + b"}", b"0\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n"]
LINE_ENDS = ["\r\n", "\n", "\r", "\n\r"]


@st.composite
def built_requests(draw: st.DrawFn) -> bytes:
    """A request put together from hostile parts (and sometimes a good request pipelined behind it)."""
    odds = draw(st.randoms(use_true_random=False))  # even odds: Hypothesis' own choices favour the first option

    def part(good: list[str], hostile: list[str]) -> str:  # sound 4 times in 5, so most inputs reach the fields
        return odds.choice(good) if odds.random() < 0.8 else draw(st.sampled_from(hostile) | st.text(max_size=40))

    method = part(["GET", "POST"], METHODS)
    target = part(["/v2/campaigns", "/v2/categories"], TARGETS)
    version = part(["HTTP/1.1"], VERSIONS)
    eol = draw(st.sampled_from(LINE_ENDS)) if draw(st.integers(0, 4)) == 0 else "\r\n"
    fields = draw(st.lists(st.sampled_from(FIELDS), max_size=6))
    if draw(st.integers(0, 3)) == 0:
        fields.insert(draw(st.integers(0, len(fields))), draw(st.text(max_size=30)))
    if draw(st.integers(0, 3)) > 0:
        fields = ["Host: t", f"X-Api-Key: {KEY}", *fields]
    if draw(st.integers(0, 20)) == 0:
        fields += [f"X-N{i}: 1" for i in range(150)]
    body = draw(st.sampled_from(BODIES) | st.binary(max_size=200))
    if odds.random() < 0.5:  # a body the server reads, so that it reaches the JSON parser and the handlers
        fields.append(f"Content-Length: {len(body)}")
    head = eol.join([f"{method} {target} {version}", *fields]) + eol * 2
    tail = GOOD_REQUEST if draw(st.booleans()) else b""
    return head.encode("utf-8", "surrogatepass") + body + tail


JSON_TARGETS = ["/v2/categories", "/v2/campaigns", "/v2/campaigns/3", "/v2/publishers", "/v2/publishers/3",
                "/v2/advertisers", "/v2/coupons", "/v2/login", "/v2/conversions/bulkUpload", "/_emulator/clock"]
OPENERS = [(b"[", b"]"), (b'{"a":', b"}"), (b'[{"name":', b"}]"), (b'{"data":[', b"]}")]
any_text = st.text(st.characters(exclude_categories=()), max_size=20)  # lone surrogates included
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(any_text, inner, max_size=5),
    max_leaves=30)
json_objects = st.dictionaries(
    st.sampled_from(["name", "title", "email", "password", "data", "advertiserId", "status", "url", "payout",
                     "networkUrl", "advance", "code", "firePostback"]) | any_text,
    json_values, max_size=6)


@st.composite
def body_requests(draw: st.DrawFn) -> bytes:
    """A well-framed, authenticated POST to an endpoint that reads JSON, with a hostile body."""
    kind = draw(st.sampled_from(["nesting", "object", "value", "bytes", "corpus"]))
    if kind == "nesting":
        opener, closer = draw(st.sampled_from(OPENERS))
        depth = draw(st.integers(1, 5_000))
        body = opener * depth + b"1" + closer * draw(st.integers(0, depth))
    elif kind in ("object", "value"):
        value = draw(json_objects if kind == "object" else json_values)
        body = json.dumps(value, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    else:
        body = draw(st.binary(max_size=300) if kind == "bytes" else st.sampled_from(BODIES))
    target = draw(st.sampled_from(JSON_TARGETS))
    return (f"POST {target} HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


# A body each endpoint accepts; edited_bodies() swaps one value in it for a hostile one.
VALID_BODIES: dict[str, dict[str, object]] = {
    "/v2/categories": {"name": "Fuzz"},
    "/v2/campaigns": {"advertiserId": 1, "title": "T", "url": "https://x.test/c", "currency": "USD",
                      "convTracking": "postback", "payouts": [{"payout": 1, "revenue": 2, "geo": ["US"]}]},
    "/v2/campaigns/3": {"title": "T2", "status": "paused", "payouts": [{"payout": 1, "revenue": 2, "geo": ["US"]}]},
    "/v2/publishers": {"name": "P", "email": "p@x.test", "password": "Secret@123"},
    "/v2/advertisers": {"name": "A", "email": "a@x.test", "password": "Secret@123"},
    "/v2/publishers/3": {"name": "P2", "email": "p2@x.test"},
    "/v2/coupons": {"code": "C1", "campaignId": 1},
    "/v2/advertisers/1/caps": {"type": "conversions", "daily": 5},
    "/v2/login": {"email": "admin@example.com", "password": "Emulator@123", "networkUrl": "https://demo.trackier.test"},
    "/v2/conversions/bulkUpload": {"data": [{"click_id": "a", "publisher_id": 1}]},
    "/_emulator/clock": {"advance": 1},
}
odd_values = st.sampled_from([None, True, -1, 0, 2**63, -(2**63), 10**400, 1e308, -1e308, float("inf"), float("nan"),
                              "", " ", "\x00", "\ud800", "9" * 5000, [], {}, [[]], [{}], [None]])


def _places(value: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    """Every key or index path inside a JSON value."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key)
            yield from _places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*path, index)
            yield from _places(child, (*path, index))


@st.composite
def edited_bodies(draw: st.DrawFn) -> bytes:
    """A POST whose body is valid for its endpoint but for one value, swapped for an odd or random one."""
    target = draw(st.sampled_from(sorted(VALID_BODIES)))
    body = json.loads(json.dumps(VALID_BODIES[target]))
    *parents, last = draw(st.sampled_from(list(_places(body))))
    holder = body
    for step in parents:
        holder = holder[step]
    holder[last] = draw(odd_values | json_values)
    text = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    return (f"POST {target} HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\nContent-Length: {len(text)}\r\n\r\n"
            ).encode() + text


QUERY_PATHS = ["/v2/campaigns", "/v2/campaigns/3", "/v2/campaigns/3/payouts", "/v2/campaigns/timelines",
               "/v2/publishers", "/v2/advertisers", "/v2/advertisers/1/caps", "/v2/categories", "/v2/coupons",
               "/v2/offers/incent", "/v2/network/conversions", "/v2/reports/clicks", "/v2/reports/campaign",
               "/v2/reports/custom", "/v2/reports/subid", "/v2/reports/daily", "/v2/jobs"]
QUERY_NAMES = ["limit", "lastId", "page", "pageToken", "start", "end", "zone", "kpi[]", "group[]", "filters[ids][]",
               "filters[status]", "filters[campaignIds][]", "filters[publisherIds][]", "filters[geo][]",
               "filters[code]", "status", "advertiser", "pubId", "source", "fields", "order", "orderBy", "sortBy",
               "direction", "click_id", "filters", "kpi", "filters[ids][x][]", "limit[]", "start[]", "filters[]"]
QUERY_VALUES = ["", "0", "-1", "1", "100", "99999999999999999999", "9" * 5000, "\u00b2", "1.5", "1e9", "abc", "null",
                "2026-11-01", "2026-11-01 00:00:00", "2026-11-02 00:00:00", "2026-02-30", "9999-12-31",
                "9999-12-31 23:59:59", "Europe/Nowhere", "America", "../../etc/passwd", "UTC", "Pacific/Kiritimati",
                "\x00", "clicks", "campaign_id", "active", "desc", "5f000000cca5870000000003", "z" * 24]


@st.composite
def query_requests(draw: st.DrawFn) -> bytes:
    """An authenticated GET whose query mixes real parameter names with odd values."""
    path = draw(st.sampled_from(QUERY_PATHS))
    pairs = draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | any_text,
                                    st.sampled_from(QUERY_VALUES) | any_text), max_size=6))
    if draw(st.booleans()):  # reports and logs need a window: give one, so the other parameters are reached
        pairs += [("start", "2026-11-01"), ("end", "2026-11-02")]
    query = "&".join(f"{quote(name.encode('utf-8', 'surrogatepass'))}={quote(value.encode('utf-8', 'surrogatepass'))}"
                     for name, value in pairs)
    return f"GET {path}?{query} HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\n\r\n".encode()


@st.composite
def mutated_requests(draw: st.DrawFn) -> bytes:
    """A good request with a few bytes replaced, inserted or cut."""
    data = bytearray(_good_post())
    spot = draw(st.randoms(use_true_random=False))  # uniform positions: Hypothesis' integers favour the start
    for _ in range(draw(st.integers(1, 4))):
        at = spot.randint(0, len(data))
        action = draw(st.sampled_from(["replace", "insert", "cut"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if action == "replace":
            data[at:at + len(chunk)] = chunk
        elif action == "insert":
            data[at:at] = chunk
        else:
            del data[at:at + len(chunk)]
    return bytes(data)


def _good_post() -> bytes:
    body = b'{"name": "Mutant"}'
    return (f"POST /v2/categories HTTP/1.1\r\nHost: t\r\nX-Api-Key: {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@pytest.fixture(scope="module")
def target() -> Iterator[TrackierEmulator]:
    """The fuzzed emulator: its own, so whatever the inputs create stays out of other tests, and with little
    traffic, so that the reports and logs fuzzed windows ask for are quick to compute."""
    config = {**CONFIG, "conversions_per_day": 30, "clicks_per_day": 60}
    with TrackierEmulator(EmulatorConfig(**config), port=0) as emulator:  # type: ignore[arg-type]
        yield emulator


def _check(response: RawResponse) -> None:
    assert response.status < 500 or response.status in ALLOWED_5XX, response
    if response.status >= 400:
        error = json.loads(response.body)["errors"]
        item = error[0] if isinstance(error, list) else error
        assert item["statusCode"] == response.status
        assert item["code"] and item["codeMsg"] and item["message"]


def test_hostile_requests_never_stop_the_emulator(target: TrackierEmulator,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # the emulator's handler failures and asyncio's protocol failures
    tried: list[int] = []
    statuses: Counter[int] = Counter()
    with socket.create_connection(("127.0.0.1", target.port), timeout=10) as keeper:

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(data=built_requests() | body_requests() | edited_bodies() | query_requests() | mutated_requests())
        @example(data=GOOD_REQUEST.replace(b"\r\n\r\n", b"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))  # 411
        @example(data=GOOD_REQUEST.replace(b"\r\n\r\n", b"\r\nContent-Length: 70000000\r\n\r\n"))  # 413
        @example(data=GOOD_REQUEST.replace(b"\r\n\r\n", b"\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n"))  # 431
        @example(data=GOOD_REQUEST.replace(b"GET", b"BREW"))  # 501
        @example(data=GOOD_REQUEST.replace(b"HTTP/1.1", b"HTTP/2.0"))  # 505
        def run(data: bytes) -> None:
            caplog.clear()
            tried.append(len(data))
            for response in exchange(target.port, data):
                _check(response)
                statuses[response.status] += 1
            assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # nothing failed
            keeper.sendall(GOOD_REQUEST)
            assert_good_answer(read_response(keeper)[0])
            assert_serving(target.port)

        run()
    print(f"\nfuzz: {len(tried)} hostile inputs ({sum(tried):,} bytes), statuses seen {sorted(statuses.items())}")
    assert len(tried) >= EXAMPLES
    assert {400, 411, 413, 431, 501, 505} <= set(statuses)  # every kind of refusal came up
