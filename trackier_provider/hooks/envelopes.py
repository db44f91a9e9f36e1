"""The one parser for Trackier's answers: JSON decoding and every error envelope the API uses.

Shared by the synchronous hook and the async triggers so both raise the same typed errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierAuthenticationError,
    TrackierIPNotWhitelistedError,
    TrackierNotFoundError,
    TrackierRateLimitError,
    TrackierResponseError,
    TrackierServerError,
    TrackierValidationError,
)
from trackier_provider.hooks.retry_policy import parse_retry_after

BODY_QUOTE_LIMIT = 200
AUTH_CODES = frozenset({"101", "102", "113"})
IP_HINT = (
    "Whitelist the egress IP address of your Airflow workers (and triggerer) in the Trackier panel "
    "under Automation > API, then retry."
)


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text[:BODY_QUOTE_LIMIT]) + (" ..." if len(text) > BODY_QUOTE_LIMIT else "")


def decode_json(body: bytes | str, *, status: int, method: str, endpoint: str) -> Any:
    """Decode a JSON body, or raise ``TrackierResponseError`` quoting at most its first 200 characters."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not text.strip():
        raise TrackierResponseError(
            "the response body was empty where JSON was expected",
            status=status,
            method=method,
            endpoint=endpoint,
        )
    try:
        return json.loads(text)
    except ValueError:
        raise TrackierResponseError(
            f"the response was not valid JSON (a proxy page or a cut-off body?): {_quote(text)}",
            status=status,
            method=method,
            endpoint=endpoint,
        ) from None


def _first_error(payload: Any) -> dict[str, Any]:
    """Pull ``{code, codeMsg, message, statusCode}`` out of whichever envelope the endpoint used."""
    if not isinstance(payload, Mapping):
        return {}
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return dict(errors[0])
    if isinstance(errors, Mapping):  # some report endpoints send a single object
        return dict(errors)
    error = payload.get("error")
    if isinstance(error, Mapping):
        return dict(error)
    if isinstance(error, str):
        return {"message": error}
    if payload.get("success") is False and "message" in payload:
        return {"message": payload.get("message")}
    return {}


def is_error_payload(payload: Any) -> bool:
    """True for a 2xx body that is nevertheless an error envelope (``success: false`` or ``errors``)."""
    if not isinstance(payload, Mapping):
        return False
    return payload.get("success") is False or bool(payload.get("errors"))


def _error_class(status: int, code: str) -> type[TrackierAPIError]:
    if code == "105":
        return TrackierIPNotWhitelistedError
    if code in AUTH_CODES or status == 401:
        return TrackierAuthenticationError
    if code == "107":
        return TrackierValidationError
    if code == "109" or status == 404:
        return TrackierNotFoundError
    if status == 429:
        return TrackierRateLimitError
    if code == "112" or status >= 500:
        return TrackierServerError
    return TrackierAPIError


def error_from_response(
    status: int,
    body: bytes | str,
    *,
    method: str,
    endpoint: str,
    headers: Mapping[str, str] | None = None,
) -> TrackierAPIError:
    """Build the typed error for an error answer (any envelope, or a body that is not JSON at all)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        payload: Any = json.loads(text) if text.strip() else None
    except ValueError:
        payload = None
    first = _first_error(payload)
    code = str(first.get("code")) if first.get("code") not in (None, "") else None
    code_msg = first.get("codeMsg")
    if first.get("message"):
        message = str(first["message"])
    elif payload is None:
        message = f"non-JSON error body: {_quote(text)}" if text.strip() else "empty error body"
    else:
        message = f"unrecognised error body: {_quote(text)}"
    cls = _error_class(status, code or "")
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "code_msg": str(code_msg) if code_msg else None,
        "method": method,
        "endpoint": endpoint,
        "errors": errors if isinstance(errors, list) else None,
        "retry_after": parse_retry_after((headers or {}).get("Retry-After")),
    }
    if cls is TrackierIPNotWhitelistedError:
        kwargs["hint"] = IP_HINT
    return cls(message, **kwargs)
