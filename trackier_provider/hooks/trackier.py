"""TrackierHook: the connection, the key, retries, throttling, pagination and error envelopes in one place."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import tenacity

from trackier_provider import __version__
from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierConnectionError,
    TrackierError,
    TrackierRateLimitError,
    TrackierResponseError,
    TrackierServerError,
)
from trackier_provider.hooks.connection import ClientSettings, settings_from_connection
from trackier_provider.hooks.envelopes import decode_json, error_from_response, is_error_payload
from trackier_provider.hooks.pagination import Paging, iter_pages
from trackier_provider.hooks.params import encode_params
from trackier_provider.hooks.retry_policy import IDEMPOTENT_METHODS, RetryPolicy
from trackier_provider.hooks.throttle import Throttle
from trackier_provider.provider_info import CONN_FIELDS, CONN_TYPE, UI_FIELD_BEHAVIOUR
from trackier_provider.version_compat import BaseHook, aget_connection, mask_secret

if TYPE_CHECKING:
    import requests

USER_AGENT = f"airflow-provider-trackier/{__version__}"
API_KEY_HEADER = "X-Api-Key"
DEFAULT_RETRY_DEADLINE = 300.0

log = logging.getLogger(__name__)


def _is_retryable(exc: BaseException, idempotent: bool) -> bool:
    """Retry what may succeed later without risking a second side effect."""
    if isinstance(exc, TrackierRateLimitError):
        return True  # the server refused before acting on the request
    if isinstance(exc, TrackierConnectionError):
        return idempotent or exc.before_send
    if isinstance(exc, (TrackierServerError, TrackierResponseError)):
        return idempotent
    return False


class TrackierHook(BaseHook):
    """Calls the Trackier Admin API with the connection's API key.

    The key is read from the connection's password and sent only as the ``X-Api-Key`` header. Nothing is
    looked up or sent until the first call, so building the hook (and parsing a DAG) does no I/O.

    :param trackier_conn_id: Airflow connection of type ``trackier``.
    :param timeout: seconds per request; overrides the connection extra ``timeout``.
    :param max_retries: retries on 429, 5xx, timeouts and connection errors; overrides ``max_retries``.
    :param requests_per_second: client-side throttle shared by all calls of this hook.
    :param page_size: default records per page for paginated endpoints.
    :param retry_deadline: total seconds one call may spend retrying.
    """

    conn_name_attr = "trackier_conn_id"
    default_conn_name = "trackier_default"
    conn_type = CONN_TYPE
    hook_name = "Trackier"

    def __init__(
        self,
        trackier_conn_id: str = default_conn_name,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        requests_per_second: float | None = None,
        page_size: int | None = None,
        retry_deadline: float = DEFAULT_RETRY_DEADLINE,
    ) -> None:
        super().__init__()
        self.trackier_conn_id = trackier_conn_id
        self._overrides = {
            "timeout": timeout,
            "max_retries": max_retries,
            "requests_per_second": requests_per_second,
            "page_size": page_size,
        }
        self.retry_deadline = retry_deadline
        #: How the hook waits between retries and for the throttle; tests may swap in a recorder.
        self.sleep: Callable[[float], None] = time.sleep
        self._settings: ClientSettings | None = None
        self._session: requests.Session | None = None
        self._throttle: Throttle | None = None

    # ----------------------------------------------------------------- connection form
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and hide the standard connection fields (read by Airflow 2.x's UI)."""
        return {
            "hidden_fields": list(UI_FIELD_BEHAVIOUR["hidden_fields"]),
            "relabeling": dict(UI_FIELD_BEHAVIOUR["relabeling"]),
            "placeholders": dict(UI_FIELD_BEHAVIOUR["placeholders"]),
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Form fields for the connection extras (Airflow 2.x; 3.x reads ``conn-fields`` instead)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import StringField

        return {
            name: StringField(lazy_gettext(spec["label"]), widget=BS3TextFieldWidget())
            for name, spec in CONN_FIELDS.items()
        }

    # ----------------------------------------------------------------- settings
    @property
    def settings(self) -> ClientSettings:
        """The connection's settings, looked up on first use (never at construction)."""
        if self._settings is None:
            self._settings = self._configure(self.get_connection(self.trackier_conn_id))
        return self._settings

    async def aget_settings(self) -> ClientSettings:
        """The settings, looked up without blocking the event loop (for triggers)."""
        if self._settings is None:
            self._settings = self._configure(await aget_connection(self.trackier_conn_id))
        return self._settings

    def _configure(self, conn: Any) -> ClientSettings:
        settings = settings_from_connection(conn, **self._overrides)
        mask_secret(settings.api_key)  # "x-api-key" is not a name Airflow masks by itself
        return settings

    @property
    def policy(self) -> RetryPolicy:
        """Retry bounds for this hook's calls."""
        return RetryPolicy(max_retries=self.settings.max_retries, deadline=self.retry_deadline)

    @property
    def throttle(self) -> Throttle:
        """The request-rate limit shared by every call of this hook."""
        if self._throttle is None:
            self._throttle = Throttle(self.settings.requests_per_second)
        return self._throttle

    def headers(self) -> dict[str, str]:
        """Headers sent on every call: the key, a User-Agent naming this provider, JSON accepted."""
        return {API_KEY_HEADER: self.settings.api_key, "User-Agent": USER_AGENT, "Accept": "application/json"}

    def get_conn(self) -> requests.Session:
        """One ``requests.Session`` per hook, reused across calls (keep-alive)."""
        if self._session is None:
            import requests  # imported on first use: it is a third of this provider's import cost

            session = requests.Session()
            session.headers.update(self.headers())
            self._session = session
        return self._session

    def close(self) -> None:
        """Release the pooled HTTP connections."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def url(self, endpoint: str) -> str:
        """Absolute URL of an API path such as ``/v2/campaigns``."""
        return f"{self.settings.base_url}/{endpoint.lstrip('/')}"

    # ----------------------------------------------------------------- retries
    def _retry_kwargs(
        self, method: str, endpoint: str, idempotent: bool, max_retries: int | None = None
    ) -> dict[str, Any]:
        policy = self.policy
        if max_retries is not None:
            policy = RetryPolicy(max_retries=max_retries, deadline=policy.deadline)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            retry_after = exc.retry_after if isinstance(exc, TrackierAPIError) else None
            return policy.wait_for(state.attempt_number, retry_after)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "Trackier %s %s failed (%s); retry %d of %d in %.2fs",
                method,
                endpoint,
                exc,
                state.attempt_number,
                policy.max_retries,
                state.upcoming_sleep,
            )

        return {
            "retry": tenacity.retry_if_exception(lambda exc: _is_retryable(exc, idempotent)),
            "stop": tenacity.stop_after_attempt(policy.max_retries + 1)
            | tenacity.stop_before_delay(policy.deadline),
            "wait": wait,
            "before_sleep": before_sleep,
            "reraise": True,
        }

    # ----------------------------------------------------------------- sync calls
    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        max_retries: int | None = None,
    ) -> Any:
        """Send one API call (retried per policy) and return its decoded JSON, or raise a typed error.

        ``idempotent`` defaults to True for GET/PUT/DELETE; a POST is only retried when the server cannot
        have acted on it, unless the caller vouches that repeating it is harmless. ``max_retries`` overrides
        the connection's bound for this call (``0`` for a single attempt).
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        pairs = encode_params(params)
        kwargs = self._retry_kwargs(method, endpoint, safe, max_retries)
        retrying = tenacity.Retrying(sleep=self.sleep, **kwargs)
        return retrying(self._send, method, endpoint, pairs, json)

    def _send(self, method: str, endpoint: str, pairs: list[tuple[str, str]], body: Any) -> Any:
        import requests

        self.throttle.wait(self.sleep)
        try:
            response = self.get_conn().request(
                method, self.url(endpoint), params=pairs, json=body, timeout=self.settings.timeout
            )
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ConnectionError) as exc:
            before_send = isinstance(exc, requests.exceptions.ConnectTimeout) or _refused(exc)
            raise TrackierConnectionError(
                _describe(exc), method=method, endpoint=endpoint, before_send=before_send
            ) from None
        except requests.exceptions.Timeout as exc:
            raise TrackierConnectionError(
                f"{type(exc).__name__} after {self.settings.timeout}s",
                method=method,
                endpoint=endpoint,
                before_send=False,
            ) from None
        return self._decode(response.status_code, response.content, response.headers, method, endpoint)

    @staticmethod
    def _decode(status: int, content: bytes, headers: Mapping[str, str], method: str, endpoint: str) -> Any:
        if status >= 400:
            raise error_from_response(status, content, method=method, endpoint=endpoint, headers=headers)
        payload = decode_json(content, status=status, method=method, endpoint=endpoint)
        if is_error_payload(payload):
            raise error_from_response(status, content, method=method, endpoint=endpoint, headers=headers)
        return payload

    def get(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET an endpoint and return its decoded JSON."""
        return self.request("GET", endpoint, params=params)

    def post(
        self,
        endpoint: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = False,
    ) -> Any:
        """POST (create, edit or upload); not repeated after an ambiguous failure unless ``idempotent``."""
        return self.request("POST", endpoint, params=params, json=json, idempotent=idempotent)

    def delete(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Any:
        """DELETE an object."""
        return self.request("DELETE", endpoint, params=params)

    def iter_pages(
        self, paging: Paging, params: Mapping[str, Any] | None = None, *, page_size: int | None = None
    ) -> Iterator[list[Any]]:
        """Yield a list endpoint's records one page at a time (see ``hooks.pagination``)."""
        size = page_size if page_size is not None else self.settings.page_size
        return iter_pages(lambda p: self.get(paging.path, p), paging, params, limit=size)

    def paginate(
        self, paging: Paging, params: Mapping[str, Any] | None = None, *, page_size: int | None = None
    ) -> Iterator[Any]:
        """Yield a list endpoint's records one at a time, holding at most one page in memory."""
        for page in self.iter_pages(paging, params, page_size=page_size):
            yield from page

    if TYPE_CHECKING:
        from trackier_provider.api.generated import TrackierApi

    @property
    def api(self) -> TrackierApi:
        """Every Admin API operation as a typed call, e.g. ``hook.api.campaigns.caps.list(campaign_id=3)``
        (see ``trackier_provider.api``)."""
        from trackier_provider.api.generated import TrackierApi

        return TrackierApi(self)

    def test_connection(self) -> tuple[bool, str]:
        """One cheap authenticated GET; ``(False, reason)`` names a bad key or a non-whitelisted IP."""
        try:
            self.request("GET", "/v2/advertisers", params={"limit": 1}, max_retries=0)
        except TrackierError as exc:
            return False, str(exc)
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to the Trackier API at {self.settings.base_url}"

    # ----------------------------------------------------------------- async calls (triggers)
    async def arequest(
        self,
        client: Any,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        max_retries: int | None = None,
    ) -> Any:
        """The async twin of ``request`` over an ``httpx.AsyncClient``, for triggers (GETs only in practice).

        The client is the caller's, so many polls share one connection pool; build it with
        ``async_client()``.
        """
        import httpx

        method = method.upper()
        settings = await self.aget_settings()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        pairs = encode_params(params)

        async def send() -> Any:
            delay = self.throttle.reserve()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                response = await client.request(
                    method, f"{settings.base_url}/{endpoint.lstrip('/')}", params=pairs,
                    headers=self.headers(),
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise TrackierConnectionError(
                    type(exc).__name__, method=method, endpoint=endpoint, before_send=True
                ) from None
            except httpx.TransportError as exc:
                raise TrackierConnectionError(
                    type(exc).__name__, method=method, endpoint=endpoint, before_send=False
                ) from None
            return self._decode(response.status_code, response.content, response.headers, method, endpoint)

        retrying = tenacity.AsyncRetrying(**self._retry_kwargs(method, endpoint, safe, max_retries))
        return await retrying(send)

    async def async_client(self) -> Any:
        """An ``httpx.AsyncClient`` with this connection's timeout; the caller closes it.

        Built in a worker thread: creating a client loads the CA bundle, which would block the event loop.
        """
        import httpx

        settings = await self.aget_settings()
        return await asyncio.to_thread(httpx.AsyncClient, timeout=settings.timeout)


def _describe(exc: Exception) -> str:
    """A short reason for a transport failure (the URL carries no secret: the key is only in a header)."""
    reason = str(exc.args[0] if exc.args else exc)
    return f"{type(exc).__name__}: {reason[:300]}"


def _refused(exc: Exception) -> bool:
    """True when the connection was never established, so the server saw nothing."""
    text = repr(exc.args[0]) if exc.args else ""
    return "NewConnectionError" in text or "Connection refused" in text or "Failed to resolve" in text


__all__ = ["API_KEY_HEADER", "USER_AGENT", "TrackierAPIError", "TrackierHook"]
