"""The request log tests read: what was asked and answered, never the key, a secret parameter or any body."""

from __future__ import annotations

import re
import threading
from typing import Any

REDACTED = "***"
# A parameter is secret when any part of its name (``filters[password]`` has two), lower-cased and stripped
# of everything but letters and digits (``X-Api-Key`` -> ``xapikey``), is one of these or contains one of those.
SECRET_NAMES = frozenset({"key", "pass", "pwd", "auth", "sig", "signature"})
SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey",
                "authorization", "credential", "cookie", "session")
CURSOR_SUFFIX = "pagetoken"  # pageToken / nextPageToken: positions in a listing, not credentials
_NAME_PART = re.compile(r"[^\[\]]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def is_secret(name: str) -> bool:
    """True when a parameter (or header) name looks like it carries a credential, however it is spelled."""
    for part in _NAME_PART.findall(name):
        word = _NOT_ALNUM.sub("", part.lower())
        if word.endswith(CURSOR_SUFFIX):
            continue
        if word in SECRET_NAMES or any(secret in word for secret in SECRET_WORDS):
            return True
    return False


def redact(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """``query`` with the values of every secret parameter replaced by ``***``."""
    return {name: [REDACTED] * len(values) if is_secret(name) else values for name, values in query.items()}


class RequestLog:
    """Thread-safe list of ``{method, path, query, key_present, status, fault}`` entries (and ``headers``: the
    header parameters the spec documents, such as ``is_multiple``, when a request carried any)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._limit = limit

    def add(self, method: str, path: str, query: dict[str, list[str]], key_present: bool,
            status: int | None, fault: str | None, *, headers: dict[str, str] | None = None) -> None:
        """Record one request, secret query parameters redacted (the oldest entries go once ``limit`` is reached);
        ``headers``: the documented header parameters it carried (an entry has ``headers`` only when any)."""
        entry: dict[str, Any] = {"method": method, "path": path, "query": redact(query), "key_present": key_present,
                                 "status": status, "fault": fault}
        if headers:
            entry["headers"] = {name: REDACTED if is_secret(name) else value for name, value in headers.items()}
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > self._limit:
                del self._entries[: len(self._entries) - self._limit]

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Empty the log."""
        with self._lock:
            self._entries.clear()
