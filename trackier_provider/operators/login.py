"""``TrackierLoginOperator``: exchange a team member's email and password for the network's API key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.connection import ClientSettings, base_url_of
from trackier_provider.hooks.trackier import API_KEY_HEADER, TrackierHook
from trackier_provider.operators.base import TrackierBaseOperator
from trackier_provider.scrubbing import scrub
from trackier_provider.validation import check_email, check_text, check_url, require_text
from trackier_provider.version_compat import Context, Variable, mask_secret

#: The one operation whose answer is an API key.
LOGIN = "auth.login"


class _LoginHook(TrackierHook):
    """The hook, usable before there is a key: login is the call that obtains one."""

    def _configure(self, conn: Any) -> ClientSettings:
        if (conn.password or "").strip():
            return super()._configure(conn)
        return ClientSettings(base_url=base_url_of(conn), api_key="")

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if not headers.get(API_KEY_HEADER):
            headers.pop(API_KEY_HEADER, None)
        return headers


class TrackierLoginOperator(TrackierBaseOperator):
    """Log in to Trackier (``POST /v2/login``) and keep the API key it returns out of sight.

    The key is masked at once. XCom gets only ``{"user": {...}, "type": ..., "api_key_variable": ...}``,
    never the key. To use the key, name an Airflow Variable in ``api_key_variable``: the key is stored there
    (a name containing ``api_key`` or ``secret`` is also masked in the UI; a secrets backend is better still).
    The connection ``trackier_conn_id`` gives the API address; it may have no key yet.

    :param email: team member's login email (templated).
    :param password: the password (templated, e.g. ``"{{ var.value.trackier_password }}"``; masked).
    :param network_url: the network's panel address, e.g. ``https://yournetwork.trackier.com`` (templated).
    :param api_key_variable: Airflow Variable to store the key in; None to only check the login.
    """

    template_fields: Sequence[str] = ("login_email", "password", "network_url", "api_key_variable")
    secret_fields = ("password",)

    def __init__(
        self,
        *,
        email: str,
        password: str,
        network_url: str,
        api_key_variable: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Not ``self.login_email``: that is BaseOperator's failure-alert address.
        self.login_email = email
        self.password = password
        self.network_url = network_url
        self.api_key_variable = api_key_variable

    @cached_property
    def hook(self) -> TrackierHook:
        return _LoginHook(trackier_conn_id=self.trackier_conn_id)

    def run(self, context: Context) -> dict[str, Any]:
        self.mask_secrets()
        body = {
            "email": check_email(self.login_email),
            "password": require_text("password", self.password, secret=True, strip=False),
            "networkUrl": require_text("network_url", check_url("network_url", self.network_url)),
        }
        variable = check_text("api_key_variable", self.api_key_variable)
        answer = self.hook.call(LOGIN, body=body, idempotent=True)
        data = answer.get("data") if isinstance(answer, Mapping) else None
        if not isinstance(data, Mapping):
            data = {}
        key = data.get("key")
        if not isinstance(key, str) or not key:
            raise TrackierConfigError("login answer", "holds no API key", "Check the network_url and the account.")
        mask_secret(key)
        if variable:
            Variable.set(variable, key)
            self.log.info("Stored the API key of %s in Variable %s", body["email"], variable)
        user = scrub(data.get("user") or {})
        return {"user": user, "type": data.get("type"), "api_key_variable": variable}
