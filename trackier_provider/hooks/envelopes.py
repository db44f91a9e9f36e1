"""The one parser for Trackier's answers: JSON decoding and every error envelope the API uses.

Shared by the synchronous hook and the async triggers so both raise the same typed errors.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import msgspec

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
    """Decode a JSON body, or raise ``TrackierResponseError`` quoting at most its first 200 characters.

    Text that is not Unicode (bytes that are not UTF-8, a lone UTF-16 surrogate escape such as ``"\\ud800"``)
    is an error naming where it sits (``conversions[17].sub1``), never replaced: see ``encoding_error``.
    """
    if not body.strip():
        raise TrackierResponseError(
            "the response body was empty where JSON was expected",
            status=status,
            method=method,
            endpoint=endpoint,
        )
    try:
        return _DECODE(body)
    except msgspec.DecodeError:
        raise _undecodable(body, status=status, method=method, endpoint=endpoint) from None


def _undecodable(body: bytes | str, *, status: int, method: str, endpoint: str) -> TrackierResponseError:
    """The error for a body msgspec refused: its text is not Unicode (``encoding_error``), or it is not JSON."""
    error = encoding_error(body, status=status, method=method, endpoint=endpoint)
    if error is not None:
        return error
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return TrackierResponseError(
        f"the response was not valid JSON (a proxy page or a cut-off body?): {_quote(text)}",
        status=status,
        method=method,
        endpoint=endpoint,
    )


#: One decoder each, built once (msgspec decoders are reusable and thread-safe).
_DECODE = msgspec.json.Decoder().decode
_FIELDS = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw]).decode
#: Bytes validated as UTF-8 at a time, when a body is not pure ASCII (bounds the text made only to be dropped).
_UTF8_CHUNK = 1 << 20


def _first_invalid_utf8(body: bytes) -> int | None:
    """The offset of the first byte of ``body`` that is not valid UTF-8, or None (pure ASCII: one C scan)."""
    if body.isascii():
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(body)
    for start in range(0, len(view), _UTF8_CHUNK):
        try:
            decoder.decode(view[start:start + _UTF8_CHUNK], final=start + _UTF8_CHUNK >= len(view))
        except UnicodeDecodeError as exc:
            return start + exc.start
    return None


def _not_unicode(value: Any, path: str) -> str | None:
    """The JSON path of the first string (or key) in a decoded value that cannot be encoded as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(answer)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _not_unicode(key, f"{path}.{key!r} (a key)".lstrip(".")) or _not_unicode(
                item, f"{path}.{key}" if path else str(key)
            )
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _not_unicode(item, f"{path}[{index}]")
            if found:
                return found
    return None


def encoding_error(body: bytes | str, *, status: int, method: str, endpoint: str) -> TrackierResponseError | None:
    """The error for a JSON body whose text is not Unicode, naming where (e.g. ``conversions[17].sub1``: the
    18th record of the page), or None when the body is not JSON at all (or its text is fine).

    Such text is never written: replaced (U+FFFD) it would change the record silently, and a lone surrogate
    cannot be encoded to any output. Only called for a body msgspec refused, so its cost does not matter."""
    raw = body.encode("utf-8", errors="surrogatepass") if isinstance(body, str) else body
    invalid = _first_invalid_utf8(raw)
    try:  # invalid bytes become lone surrogates (U+DC80..U+DCFF) here, as lone surrogate escapes do in json
        payload = json.loads(raw.decode("utf-8", errors="surrogateescape"))
    except ValueError:
        return None
    where = _not_unicode(payload, "")
    if where is None:
        return None
    what = (
        f"bytes that are not UTF-8 (the first at byte {invalid})" if invalid is not None
        else "a lone UTF-16 surrogate escape (half of a character)"
    )
    return TrackierResponseError(
        f"the answer holds text that is not Unicode at {where}: {what}. Nothing of it is written (it would "
        "have to be changed or would not encode); the server's data needs repair.",
        status=status,
        method=method,
        endpoint=endpoint,
    )


def _split(raw: Any, path: list[str]) -> dict[str, Any]:
    """The JSON object ``raw``, decoded, except the array at ``path`` (a key path into it): a list of
    ``msgspec.Raw``, each the bytes of one record as sent. ``msgspec.DecodeError`` when it is no such object."""
    out: dict[str, Any] = {}
    for key, value in _FIELDS(raw).items():
        if key != path[0]:
            out[key] = _DECODE(value)
        elif len(path) == 1:
            out[key] = _ITEMS(value)
        else:
            out[key] = _split(value, path[1:])
    return out


def _one_line(record: msgspec.Raw) -> msgspec.Raw:
    """A record whose JSON spans lines (pretty-printed), as one line: JSON Lines needs one record per line."""
    text = bytes(record)
    if b"\n" in text or b"\r" in text:
        return msgspec.Raw(msgspec.json.format(text, indent=0))
    return record


def decode_page(body: bytes, records_key: str, *, status: int, method: str, endpoint: str) -> Any:
    """Decode a list answer like ``decode_json``, but keep each record under ``records_key`` (dotted) as the
    bytes the server sent (a ``msgspec.Raw``: never decoded here, written to JSON Lines as it came). Anything
    that is not such an object (an error envelope, a malformed page) is decoded plainly, so the usual checks
    judge it.

    The whole body is still validated: its JSON syntax (by msgspec, while splitting it into records), lone
    surrogate escapes (msgspec refuses them) and its bytes as UTF-8 (a C scan when it is pure ASCII)."""
    try:
        payload = _split(body, records_key.split("."))
    except msgspec.DecodeError:
        return decode_json(body, status=status, method=method, endpoint=endpoint)
    if _first_invalid_utf8(body) is not None:
        raise _undecodable(body, status=status, method=method, endpoint=endpoint)
    if b"\n" in body or b"\r" in body:  # whitespace between tokens; inside a string it is escaped
        parent = payload
        *above, last = records_key.split(".")
        for part in above:
            parent = parent[part]
        parent[last] = [_one_line(record) for record in parent[last]]
    return payload


def record_value(record: Any) -> Any:
    """A record decoded: one kept as sent (``msgspec.Raw``) is decoded, any other is returned as it is."""
    return _DECODE(record) if type(record) is msgspec.Raw else record


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
