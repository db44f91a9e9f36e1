"""Login: the key is masked and never returned; a wrong password is an authentication error."""

from __future__ import annotations

import pytest

from tests.conftest import connection_json
from trackier_provider.exceptions import TrackierAuthenticationError, TrackierConfigError
from trackier_provider.operators.login import TrackierLoginOperator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS


def _redact(value):
    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk._shared.secrets_masker import redact
    else:
        from airflow.utils.log.secrets_masker import redact
    return redact(value)


def _login(emu, **overrides):
    args = {"task_id": "login", "email": "admin@example.com", "password": "Emulator@123",
            "network_url": "https://demo.trackier.test"}
    return TrackierLoginOperator(**{**args, **overrides})


def test_login_returns_user_not_key(trackier_conn, context, monkeypatch, task_output) -> None:
    # A connection without a key: login is how one gets a key.
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(trackier_conn.base_url, ""))
    result = _login(trackier_conn).execute(context)
    assert result["user"]["email"] == "admin@example.com"
    assert result["api_key_variable"] is None
    task_output.assert_free_of([trackier_conn.api_key], result, context["ti"].xcom)
    assert _redact(f"key {trackier_conn.api_key}") != f"key {trackier_conn.api_key}"
    assert trackier_conn.requests[0]["key_present"] is False


def test_wrong_password(trackier_conn, context) -> None:
    with pytest.raises(TrackierAuthenticationError) as info:
        _login(trackier_conn, password="Wrong#Pass1").execute(context)
    assert info.value.code == "113" and info.value.status == 401
    assert "Wrong#Pass1" not in str(info.value)


def test_missing_fields_before_any_request(trackier_conn, context) -> None:
    with pytest.raises(TrackierConfigError, match="network_url"):
        _login(trackier_conn, network_url="").execute(context)
    assert trackier_conn.requests == []
