"""Reading the connection: base URL, key and extras from the JSON and URI forms."""

from __future__ import annotations

import pytest

from tests.conftest import CANARY_KEY, connection_json
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.connection import base_url_from
from trackier_provider.hooks.trackier import TrackierHook


@pytest.mark.parametrize(
    ("host", "schema", "port", "expected"),
    [
        (None, None, None, "https://api.trackier.com"),
        ("", "", None, "https://api.trackier.com"),
        ("api.trackier.com", None, None, "https://api.trackier.com"),
        ("127.0.0.1", "http", 8099, "http://127.0.0.1:8099"),
        ("http://127.0.0.1:8099/", None, None, "http://127.0.0.1:8099"),
        ("https://api.trackier.com/v2", None, None, "https://api.trackier.com"),
    ],
)
def test_base_url(host, schema, port, expected):
    assert base_url_from(host, schema, port) == expected


def test_json_form(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(
            "http://127.0.0.1:8099",
            CANARY_KEY,
            timeout="12",
            max_retries=2,
            requests_per_second=5,
            page_size=500,
            panel_url="https://demo.trackier.com",
        ),
    )
    s = TrackierHook().settings
    assert (s.base_url, s.api_key, s.timeout, s.max_retries) == ("http://127.0.0.1:8099", CANARY_KEY, 12.0, 2)
    assert (s.requests_per_second, s.page_size, s.panel_url) == (5.0, 500, "https://demo.trackier.com")
    assert CANARY_KEY not in repr(s)


def test_uri_form(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", "trackier://:k%2Fe%40y@127.0.0.1:8099/http?page_size=250")
    s = TrackierHook().settings
    assert s.base_url == "http://127.0.0.1:8099"
    assert s.api_key == "k/e@y"
    assert s.page_size == 250


def test_uri_form_default_host(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", "trackier://:abc@")
    assert TrackierHook().settings.base_url == "https://api.trackier.com"


def test_hook_arguments_override_extras(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", "trackier://:abc@?timeout=30&max_retries=4")
    s = TrackierHook(timeout=5, max_retries=0).settings
    assert (s.timeout, s.max_retries) == (5.0, 0)


def test_bad_extra_names_the_field(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", "trackier://:abc@?timeout=soon")
    with pytest.raises(TrackierConfigError, match=r"extra 'timeout'.*must be a number, got 'soon'"):
        TrackierHook().settings  # noqa: B018


def test_ui_field_behaviour():
    behaviour = TrackierHook.get_ui_field_behaviour()
    assert behaviour["relabeling"] == {"host": "API base URL", "password": "API Key"}
    # The port is shown: Airflow 3.3.2's Test button needs it stored (apache/airflow#73298).
    assert set(behaviour["hidden_fields"]) == {"login", "schema"}
    assert behaviour["placeholders"]["host"] == "https://api.trackier.com"


@pytest.mark.parametrize(
    ("host", "schema", "port", "problem"),
    [
        ("ftp://x.example", None, None, "does not start with http:// or https://"),
        ("file:///etc/passwd", None, None, "does not start with http:// or https://"),
        ("x.example", "gopher", None, "does not start with http:// or https://"),
        ("http://", None, None, "has no valid host"),
        ("http://[::1", None, None, "is not a valid URL"),
        ("http://h:99999", None, None, "is not a valid URL"),
        ("https://user:pw@x.example", None, None, "credentials"),
        ("api.example.com\nx", None, None, "control character"),
        ("http://127.0.0.1:8099", None, 9000, "differs from the port in the host"),
    ],
)
def test_hosts_requests_cannot_call_are_refused(host, schema, port, problem):
    with pytest.raises(TrackierConfigError, match=problem):
        base_url_from(host, schema, port)


def test_port_of_a_host_with_a_scheme_is_kept():
    assert base_url_from("http://127.0.0.1", None, 8099) == "http://127.0.0.1:8099"


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"timeout": True}, "must be a number, got True"),
        ({"timeout": "nan"}, "must be a finite number"),
        ({"timeout": 1e300}, "<= 3600"),
        ({"page_size": 2.5}, "must be a whole number, got 2.5"),
        ({"max_retries": float("inf")}, "must be a finite number"),
        ({"max_retries": 2.7}, "must be a whole number"),
        ({"requests_per_second": 1e-300}, ">= 0.001"),
        ({"panel_url": "javascript:alert(1)"}, "does not start with http"),
        ({"panel_url": 5}, "must be text"),
    ],
)
def test_bad_extras_are_refused(monkeypatch, extra, problem):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json("http://127.0.0.1:8099", CANARY_KEY, **extra))
    with pytest.raises(TrackierConfigError, match=problem) as info:
        TrackierHook().settings  # noqa: B018
    assert info.value.field.startswith("connection extra")


def test_key_with_a_control_character_is_refused_without_showing_it(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json("http://127.0.0.1:8099", "abc\ndef-Canary"))
    with pytest.raises(TrackierConfigError, match="control character") as info:
        TrackierHook().settings  # noqa: B018
    assert "Canary" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"timeout": True}, "timeout"), ({"max_retries": float("inf")}, "max_retries"),
     ({"page_size": 2.5}, "page_size"), ({"retry_deadline": float("nan")}, "retry_deadline"),
     ({"requests_per_second": 0}, "requests_per_second"), ({"trackier_conn_id": 5}, "trackier_conn_id")],
)
def test_hook_arguments_are_checked_at_construction(kwargs, field):
    with pytest.raises(TrackierConfigError) as info:
        TrackierHook(**kwargs)
    assert info.value.field == field
