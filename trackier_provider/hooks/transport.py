"""The one mapping from transport failures (``requests`` for tasks, ``httpx`` for triggers) to
``TrackierConnectionError``.

What matters for retries is whether the server could have acted on the request: a refused connection, a
failed name lookup or a connect timeout happened before anything was sent, so even a create may be sent
again; a dropped connection or a read timeout may have come after the server acted.
"""

from __future__ import annotations

import sys
from typing import Any

from trackier_provider.exceptions import TrackierConnectionError
from trackier_provider.scrubbing import scrub_text

REASON_LIMIT = 300


def _before_send(exc: BaseException) -> bool:
    """True when the request never left this machine (judged from the exception types, not their text)."""
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return True
    requests = sys.modules.get("requests")
    if requests is None:
        return False
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        from urllib3.exceptions import NewConnectionError

        # requests wraps urllib3's MaxRetryError, whose ``reason`` is the NewConnectionError (refused,
        # unresolvable host) when no connection was ever established.
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False


def _kind(exc: BaseException) -> str | None:
    """``"timeout"``, ``"transport"`` or None (not an exception of the HTTP stacks)."""
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.TransportError):
        return "timeout" if isinstance(exc, httpx.TimeoutException) else "transport"
    requests = sys.modules.get("requests")
    if requests is not None and isinstance(exc, requests.exceptions.RequestException):
        return "timeout" if isinstance(exc, requests.exceptions.Timeout) else "transport"
    return None


def transport_error(
    exc: BaseException, *, method: str, endpoint: str, timeout: float
) -> TrackierConnectionError | None:
    """The typed error for an exception raised while sending a request, or None when ``exc`` is not a
    transport failure (a programming error must surface as itself). The text names the failure's type and
    reason, with secret query parameters of the URL it may quote scrubbed; the key is never in it (it travels
    only in a header)."""
    kind = _kind(exc)
    if kind is None:
        return None
    reason = f"after {timeout}s" if kind == "timeout" else scrub_text(str(exc.args[0] if exc.args else exc))
    reason = reason[:REASON_LIMIT]
    return TrackierConnectionError(
        f"{type(exc).__name__}: {reason}", method=method, endpoint=endpoint, before_send=_before_send(exc)
    )


def build_async_client(timeout: float, max_connections: int | None = None) -> Any:
    """The ``httpx.AsyncClient`` of async calls: this timeout, redirects never followed (``arequest`` also
    refuses them per request), and at most ``max_connections`` pooled connections when given.

    Blocking (it loads the CA bundle): call it in a worker thread from async code.
    """
    import httpx

    limits = (
        httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if max_connections
        else httpx.Limits()
    )
    return httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False)
