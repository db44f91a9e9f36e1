"""The one scrubber: credentials in answers never reach XCom, logs or exception text (canary values)."""

from __future__ import annotations

import json
import string
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CANARY_KEY, connection_json
from tests.operators.conftest import RecordingTI
from trackier_provider.exceptions import TrackierAPIError
from trackier_provider.operators.generic import TrackierOperator
from trackier_provider.scrubbing import REDACTED, is_secret_name, mask_credentials, redact_url, scrub, scrub_text

CANARY_TOKEN = "tok-canary-91b2c3d4e5f6"
CANARY_PASSWORD = "Pw-canary@2026"


def test_scrub_removes_every_credential_field() -> None:
    answer = {
        "data": {"key": CANARY_KEY, "user": {"id": 1, "email": "a@example.com", "password": CANARY_PASSWORD}},
        "advertiser": {"id": 7, "meta": {"security_token": CANARY_TOKEN, "currency": "USD"}},
        "items": [{"apiKey": CANARY_KEY, "API_KEY": CANARY_KEY, "Token": CANARY_TOKEN, "name": "kept"}],
        "key": "a-field-named-key-elsewhere-is-data",
    }
    clean = scrub(answer)
    blob = json.dumps(clean)
    assert CANARY_KEY not in blob and CANARY_TOKEN not in blob and CANARY_PASSWORD not in blob
    assert clean["data"]["user"] == {"id": 1, "email": "a@example.com"}
    assert clean["advertiser"]["meta"] == {"currency": "USD"}
    assert clean["items"] == [{"name": "kept"}]
    assert clean["key"] == "a-field-named-key-elsewhere-is-data"


@pytest.mark.parametrize(
    "text",
    [
        f"https://postback.example/acq?click_id=1&security_token={CANARY_TOKEN}&x=2",
        f"/pb?apiKey={CANARY_KEY}",
        f"/pb?api_key[]={CANARY_KEY}",
        f"/pb?filters%5Bpassword%5D=1&password={CANARY_PASSWORD}",
        f'{{"data": {{"key": "{CANARY_KEY}"}}}}',
        f'{{"password" : "{CANARY_PASSWORD}"}}',
    ],
)
def test_scrub_text_redacts_secret_parameters_and_fields(text) -> None:
    clean = scrub_text(text)
    assert CANARY_KEY not in clean and CANARY_TOKEN not in clean and CANARY_PASSWORD not in clean
    assert REDACTED in clean


def test_urls_inside_answers_are_scrubbed() -> None:
    clean = scrub({"logs": [{"url": f"/acquisition?click_id=9&security_token={CANARY_TOKEN}&sale_amount=5"}]})
    assert clean == {"logs": [{"url": "/acquisition?click_id=9&security_token=***&sale_amount=5"}]}


@pytest.fixture
def context() -> dict:
    return {"ti": RecordingTI()}


@pytest.fixture
def canary_conn(trackier_emulator, monkeypatch):
    """``trackier_default`` on the emulator with the canary key, one attempt per call."""
    trackier_emulator.reset()
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(trackier_emulator.base_url, trackier_emulator.api_key, max_retries=0),
    )
    return trackier_emulator


def test_generic_answer_with_credentials_reaches_xcom_without_them(canary_conn, context, task_output) -> None:
    body = json.dumps({"success": True, "data": {"key": CANARY_KEY, "user": {"id": 1}},
                       "advertisers": [{"id": 1, "meta": {"security_token": CANARY_TOKEN}}]})
    canary_conn.add_fault({"kind": "replace_body", "body": body, "path": "/v2/advertisers"})
    result = TrackierOperator(task_id="t", endpoint="/v2/advertisers").execute(context)
    task_output.assert_free_of([CANARY_KEY, CANARY_TOKEN], result, context["ti"].xcom)
    assert result["data"] == {"user": {"id": 1}}


def test_error_text_never_quotes_a_credential(canary_conn, context) -> None:
    body = json.dumps({"oops": {"key": CANARY_KEY}, "url": f"/x?security_token={CANARY_TOKEN}"})
    canary_conn.add_fault({"kind": "non_json", "status": 400, "body": body, "path": "/v2/advertisers"})
    with pytest.raises(TrackierAPIError) as info:
        TrackierOperator(task_id="t", endpoint="/v2/advertisers").execute(context)
    assert "unrecognised error body" in str(info.value)
    assert CANARY_KEY not in str(info.value) and CANARY_TOKEN not in str(info.value)


# ----------------------------------------------------------------------------- the rule, by property
#: The credential words of the rule, as a name may spell them.
SECRET_CORES = ["token", "secret", "password", "passwd", "api_key", "apikey", "auth", "credential", "signature",
                "credentials", "signatures", "tokens"]
#: Words around them (none starts with "or": "auth" + "or..." reads "author...").
AROUND = ["refresh", "client", "access", "user", "x", "my", "id", "value", "key", "2", "data", "security", "basic",
          "new", "o", "private", "bearer"]
#: Names that are data, by the rule's boundaries (not "api": "api" + "keyword" reads "apikeyword", secret by the rule).
HARMLESS = ["author", "authors", "authored", "authority", "co_author", "author_name", "AuthorId", "keyword",
            "passage", "pass_through", "monkey", "name", "email", "id", "status", "sign", "url",
            "click_id", "security", "api_count", "cred", "sec"]
VALUE = st.text(alphabet=string.ascii_letters + string.digits + "-_.~!*", min_size=6, max_size=24)


def _spell(words: list[str], style: str) -> str:
    parts = [p for word in words for p in word.split("_")]
    if style == "camel":
        return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
    if style == "pascal":
        return "".join(p.capitalize() for p in parts)
    if style == "upper":
        return "_".join(p.upper() for p in parts)
    if style == "together":
        return "".join(parts)
    return {"snake": "_", "kebab": "-", "dotted": ".", "space": " "}[style].join(parts)


@st.composite
def secret_names(draw: st.DrawFn) -> str:
    words = [draw(st.sampled_from(SECRET_CORES))]
    words = draw(st.lists(st.sampled_from(AROUND), max_size=2)) + words + draw(st.lists(st.sampled_from(AROUND),
                                                                                        max_size=2))
    return _spell(words, draw(st.sampled_from(["snake", "kebab", "dotted", "camel", "pascal", "upper", "together",
                                               "space"])))


#: How a name and its value may appear in text: query parameters (plain, indexed, nested, percent-encoded
#: once or twice, inside another URL), JSON, escaped JSON and Python reprs.
FORMS = {
    "query": lambda n, v: f"/pb?click_id=1&{quote(n)}={v}&x=2",
    "form_encoded": lambda n, v: f"a=1&{quote_plus(n)}={v}",
    "first_query": lambda n, v: f"https://pb.example/acq?{quote(n)}={v}",
    "indexed": lambda n, v: f"/pb?{quote(n)}[0]={v}&{quote(n)}[1]=other",
    "nested": lambda n, v: f"/pb?filters[{quote(n)}]={v}",
    "nested_encoded": lambda n, v: f"/pb?filters%5B{quote(n)}%5D={v}&limit=5",
    "url_in_url": lambda n, v: "redirect=" + quote(f"https://pb.example/?a=1&{quote(n)}={v}&b=2", safe="") + "&z=1",
    "url_in_url_twice": lambda n, v: "r=" + quote(quote(f"https://pb.example/?{quote(n)}={v}", safe=""), safe=""),
    "json": lambda n, v: json.dumps({"ok": True, n: v}),
    "json_spaced": lambda n, v: f'{{"{n}" :  "{v}"}}',
    "escaped_json": lambda n, v: json.dumps({"body": json.dumps({n: v})}),
    "escaped_twice": lambda n, v: json.dumps(json.dumps({"data": json.dumps({n: v})})),
    "repr": lambda n, v: repr({"user": "u", n: v}),
    "error": lambda n, v: f"HTTPSConnectionPool: Max retries exceeded with url: /v2/x?{quote(n)}={v} (Caused by)",
    "userinfo": lambda n, v: f"see https://{quote(n)}:{v}@panel.example/path",
}


@settings(max_examples=300, deadline=None)
@given(name=secret_names(), value=VALUE, form=st.sampled_from(sorted(FORMS)))
def test_a_secret_name_in_any_spelling_and_encoding_loses_its_value(name, value, form) -> None:
    canary = f"CANARY{value}"
    assert is_secret_name(name)
    text = FORMS[form](name, canary)
    clean = scrub_text(text)
    assert canary not in clean and quote(canary, safe="") not in clean
    assert REDACTED in clean
    assert scrub_text(clean) == clean  # nothing left to find


@settings(max_examples=200, deadline=None)
@given(name=secret_names(), value=VALUE, depth=st.integers(0, 3), in_list=st.booleans())
def test_a_secret_field_is_removed_at_any_depth(name, value, depth, in_list) -> None:
    canary = f"CANARY{value}"
    answer: Any = {"id": 1, name: canary}
    for level in range(depth):
        answer = {f"level{level}": [answer] if in_list else answer, "kept": level}
    clean = scrub(answer)
    assert canary not in json.dumps(clean)
    assert json.dumps(clean).count('"kept"') == depth and '"id": 1' in json.dumps(clean)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(HARMLESS), min_size=1, max_size=2),
       style=st.sampled_from(["snake", "kebab", "dotted", "camel", "pascal", "upper"]), value=VALUE)
def test_harmless_names_keep_their_values(words, style, value) -> None:
    name = _spell(words, style)
    assert not is_secret_name(name), name
    assert scrub({name: value}) == {name: value}
    for form in ("query", "nested", "repr"):
        assert scrub_text(FORMS[form](name, value)) == FORMS[form](name, value)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_token", True), ("authToken", True), ("secretKey", True), ("apiSecret", True), ("refresh_token", True),
        ("X-Api-Key", True), ("x.api.key", True), ("API_KEY", True), ("api_key[0]", True), ("filters[password]", True),
        ("security_token", True), ("clientCredentials", True), ("requestSignature", True), ("passwd", True),
        ("auth", True), ("Authorization", True), ("authorised", True), ("oauth2", True), ("basicAuth", True),
        ("authn", True), ("unauthenticated", True), ("api_keyword", True), ("tokens_used", True),
        ("author", False), ("authors", False), ("co_author", False), ("authored", False), ("authority", False),
        ("key", False), ("keyword", False), ("passage", False), ("pass_through", False), ("monkey", False),
        ("signed", False), ("tok", False), (None, False), (7, False),
    ],
)
def test_the_rule_at_its_boundaries(name, secret) -> None:
    assert is_secret_name(name) is secret


def test_data_key_is_removed_by_path_and_key_in_text() -> None:
    assert scrub({"data": {"key": CANARY_KEY, "user": {"key": "kept"}}}) == {"data": {"user": {"key": "kept"}}}
    assert CANARY_KEY not in scrub_text(f'{{"key": "{CANARY_KEY}"}}')


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@h.example/x", "https://***@h.example/x"),
        ("user:pw@h.example", "***@h.example"),
        ("https://h.example/p?apiKey=k&x=1", "https://h.example/p?***"),
        ("https://h.example/p#frag", "https://h.example/p#***"),
        ("https://u:p@h.example/?a=1#f", "https://***@h.example/?***#***"),
        ("https://h.example/p", "https://h.example/p"),
    ],
)
def test_redact_url(url, shown) -> None:
    assert redact_url(url) == shown


def test_every_value_found_is_registered_with_the_masker(real_masker) -> None:
    """What the scrubber removes or replaces is masked wherever else it turns up (a log line of a library)."""
    found = ["field-canary-01", "nested-canary-02", "listed-canary-03", "param-canary/04", "json-canary-05",
             "url-canary-06"]
    scrub({"password": found[0], "credentials": {"user": {"pin": found[1]}, "codes": [found[2]]}, "n": 1})
    scrub_text(f"/pb?token={quote(found[3], safe='')}")  # the value as sent and decoded
    scrub_text(f'{{"secret": "{found[4]}"}} https://u:{found[5]}@panel.example/')
    line = " ".join([*found, quote(found[3], safe="")])
    assert real_masker.redact(line).split() == ["***"] * (len(found) + 1)


def test_nothing_is_registered_for_harmless_values(real_masker) -> None:
    scrub({"name": "harmless-value-1", "url": "/pb?click_id=harmless-value-2"})
    assert real_masker.redact("harmless-value-1 harmless-value-2") == "harmless-value-1 harmless-value-2"


HARMLESS_IN_URL = "r=https%3A%2F%2Fsecret.example%2Ftokens%2F%3Fpage%3D2&y=1"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("/pb?token=abc==&x=1", "/pb?token=***&x=1"),  # base64 padding is part of the value
        ("password=a=b c", "password=*** c"),
        # a harmless parameter of a URL whose host or path holds a credential word keeps its value
        (HARMLESS_IN_URL, HARMLESS_IN_URL),
    ],
)
def test_a_value_ends_where_its_parameter_ends(text, clean) -> None:
    assert scrub_text(text) == clean


def test_credentials_that_are_not_text_are_removed_too() -> None:
    assert scrub({"token": 123456789, "pin_secret": True, "auth": None, "id": 1}) == {"id": 1}


def test_a_request_body_is_registered_with_the_masker(real_masker) -> None:
    """``mask_credentials``: what a task sends (the generic operator's data and query) is masked in logs."""
    mask_credentials({"name": "kept-name-01", "password": "body-canary-01", "nested": {"api_key": "body-canary-02"}})
    assert real_masker.redact("body-canary-01 body-canary-02 kept-name-01") == "*** *** kept-name-01"
