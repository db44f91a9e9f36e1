"""The one parser for Trackier's answers: JSON decoding and every error envelope the API uses.

Shared by the synchronous hook and the async triggers so both raise the same typed errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierAuthenticationError,
    TrackierIPNotWhitelistedError,
    TrackierNotFoundError,
    TrackierRateLimitError,
    TrackierRedirectError,
    TrackierResponseError,
    TrackierServerError,
    TrackierValidationError,
)
from trackier_provider.hooks.retry_policy import parse_retry_after
from trackier_provider.scrubbing import scrub_text

BODY_QUOTE_LIMIT = 200
AUTH_CODES = frozenset({"101", "102", "113"})
IP_HINT = (
    "Whitelist the egress IP address of your Airflow workers (and triggerer) in the Trackier panel "
    "under Automation > API, then retry."
)


def _quote(text: str) -> str:
    """The start of a body for an error message, credentials (a login key, a token in a URL) replaced."""
    text = scrub_text(text.strip())
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


class RawJson(str):
    """One record of a page, kept as the JSON text the server sent (one line, no surrounding whitespace):
    a JSON Lines export writes it as it came instead of decoding and encoding it again. The text was
    scanned as valid JSON when the page was read."""

    __slots__ = ()


_WHITESPACE = " \t\n\r"
#: json's C scanner: decodes one value starting at an index and returns it with the index after it.
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _expect(text: str, index: int, char: str) -> int:
    index = _skip(text, index)
    if index >= len(text) or text[index] != char:
        raise ValueError(f"expected {char!r} at {index}")
    return index + 1


def _records(text: str, index: int) -> tuple[list[RawJson], int]:
    """The elements of the JSON array starting at ``index`` as ``RawJson`` slices, and the index after it."""
    index = _expect(text, index, "[")
    out: list[RawJson] = []
    index = _skip(text, index)
    if index < len(text) and text[index] == "]":
        return out, index + 1
    while True:
        value, end = _SCAN(text, index)
        piece = text[index:end]
        if "\n" in piece or "\r" in piece:  # pretty-printed: one line per record is what JSON Lines needs
            piece = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        out.append(RawJson(piece))
        index = _skip(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
            continue
        return out, _expect(text, index, "]")


def _object(text: str, index: int, path: list[str]) -> tuple[dict[str, Any], int]:
    """The JSON object at ``index``, decoded, except the array at ``path`` (a key path into it): kept raw."""
    index = _expect(text, index, "{")
    out: dict[str, Any] = {}
    index = _skip(text, index)
    if index < len(text) and text[index] == "}":
        return out, index + 1
    while True:
        index = _expect(text, index, '"')
        key, index = scanstring(text, index)
        index = _skip(text, _expect(text, index, ":"))
        if path and key == path[0] and len(path) == 1 and index < len(text) and text[index] == "[":
            out[key], index = _records(text, index)
        elif path and key == path[0] and len(path) > 1 and index < len(text) and text[index] == "{":
            out[key], index = _object(text, index, path[1:])
        else:
            out[key], index = _SCAN(text, index)
        index = _skip(text, index)
        if index < len(text) and text[index] == ",":
            index += 1
            continue
        return out, _expect(text, index, "}")


def decode_page(body: bytes, records_key: str, *, status: int, method: str, endpoint: str) -> Any:
    """Decode a list answer like ``decode_json``, but keep each record under ``records_key`` (dotted) as the
    ``RawJson`` text the server sent. Anything that is not such an object (an error envelope, a malformed
    page) is decoded plainly, so the usual checks judge it."""
    text = body.decode("utf-8", errors="replace")
    try:
        payload, end = _object(text, _skip(text, 0), records_key.split("."))
        if _skip(text, end) != len(text):
            raise ValueError("extra data")
    except (ValueError, StopIteration):
        return decode_json(text, status=status, method=method, endpoint=endpoint)
    return payload


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
        message = scrub_text(str(first["message"]))
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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def redirect_error(
    status: int, headers: Mapping[str, str], *, base_url: str, method: str, endpoint: str
) -> TrackierRedirectError:
    """The error for a 3xx answer: the provider never follows redirects, so the key and any body stay with
    the connection's origin. The message names where the redirect pointed (without its query string)."""
    location = (headers or {}).get("Location") or ""
    target = urljoin(f"{base_url}/{endpoint.lstrip('/')}", location.strip()) if location else ""
    shown = urlunsplit(urlsplit(target)._replace(query="", fragment="")) if target else "nowhere"
    same = bool(target) and _origin(target) == _origin(base_url)
    fix = (
        "The API answered from another address: if it moved, set the connection's host to the new base URL."
        if not same
        else "Check the endpoint path (a trailing slash or an old path can redirect)."
    )
    return TrackierRedirectError(
        f"the API redirected to {shown}; redirects are never followed, so the API key stays with "
        f"{_origin(base_url)}. {fix}",
        status=status,
        method=method,
        endpoint=endpoint,
    )
