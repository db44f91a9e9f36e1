"""Typed errors for everything that can go wrong between a DAG and Trackier.

``TrackierAPIError`` carries what Trackier said (HTTP status, its error code, codeMsg, message) and where
(method, endpoint), so a task log tells the user which call failed and why. Subclasses let DAG authors
catch the cases they can act on: a bad key, an IP that is not whitelisted, invalid input, a missing object,
or rate limiting. No error text ever contains the API key: it travels only in a request header.
"""

from __future__ import annotations

from typing import Any

from airflow.exceptions import AirflowException

from trackier_provider.version_compat import AirflowFailException


class TrackierError(AirflowException):
    """Base class of every error this provider raises."""


class TrackierConfigError(TrackierError, ValueError):
    """Invalid input or settings: names the field, what is wrong and what to do. Raised before any request
    wherever the input alone shows the problem; a setting only the answers can show to be wrong (``max_xcom_rows``
    too small for the records, an ambiguous earlier upload job) is reported the same way, after reading."""

    def __init__(self, field: str, problem: str, fix: str = "") -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        text = f"{field}: {problem}"
        super().__init__(f"{text}. {fix}" if fix else text)


class TrackierPaginationError(TrackierError):
    """The server answered a page it had already sent: stop rather than loop forever."""


class TrackierAPIError(TrackierError):
    """An error answer from the Trackier API, parsed from whichever envelope the endpoint uses."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        code_msg: str | None = None,
        method: str = "",
        endpoint: str = "",
        errors: list[dict[str, Any]] | None = None,
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        #: Seconds the server asked the client to wait (``Retry-After``), on 429 and 5xx answers.
        self.retry_after = retry_after
        self.status = status
        self.code = code
        self.code_msg = code_msg
        self.method = method
        self.endpoint = endpoint
        self.errors = errors or []
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.method} {self.endpoint}".strip()
        parts = [f"Trackier API error on {where}" if where else "Trackier API error"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code or self.code_msg:
            parts.append(" ".join(p for p in (self.code, self.code_msg) if p))
        text = ", ".join(parts) + f": {self.message}"
        return f"{text} {self.hint}" if self.hint else text


class TrackierAuthenticationError(TrackierAPIError):
    """The API key is missing or invalid (codes 101, 102), or a login failed (113, HTTP 401)."""


class TrackierIPNotWhitelistedError(TrackierAPIError):
    """Trackier refused the caller's IP address (code 105)."""


class TrackierValidationError(TrackierAPIError):
    """Trackier rejected the request's input (code 107)."""


class TrackierNotFoundError(TrackierAPIError):
    """The object does not exist (code 109 or HTTP 404)."""


class TrackierRateLimitError(TrackierAPIError):
    """Too many requests (HTTP 429); ``retry_after`` is the wait the server asked for, in seconds."""


class TrackierServerError(TrackierAPIError):
    """Trackier or a proxy in front of it failed (HTTP 5xx, code 112)."""


class TrackierResponseError(TrackierAPIError):
    """The answer was not the JSON Trackier sends: an HTML page from a proxy, an empty or cut-off body."""


class TrackierRedirectError(TrackierAPIError):
    """The API answered with a redirect (HTTP 3xx). The provider never follows one: a redirect to another
    origin would carry the ``X-Api-Key`` header (and a create body) to a host that is not the API."""


class TrackierJobFailedError(TrackierError, AirflowFailException):
    """A bulk-upload job ended ``failed``; retrying the sensor cannot change that."""


class TrackierSchemaDriftError(TrackierError, AirflowFailException):
    """An answer does not match the provider's schema and ``validate_responses`` is ``fail``; retrying the task
    would get the same answer."""


class TrackierObjectExistsError(TrackierError):
    """``if_exists="fail"`` and an object with the same natural key is already in Trackier."""


class TrackierConnectionError(TrackierError):
    """The request never got an answer: connection refused or dropped, or a timeout.

    ``before_send`` is True when the failure happened before the server could have acted on the request
    (refused connection, connect timeout), so even a create is safe to send again.
    """

    def __init__(self, message: str, *, method: str, endpoint: str, before_send: bool) -> None:
        self.method = method
        self.endpoint = endpoint
        self.before_send = before_send
        super().__init__(f"Trackier API call {method} {endpoint} failed without an answer: {message}")
