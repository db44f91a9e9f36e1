"""The request log tests read: what was asked and answered, never the key or any body."""

from __future__ import annotations

import threading
from typing import Any


class RequestLog:
    """Thread-safe list of ``{method, path, query, key_present, status, fault}`` entries."""

    def __init__(self, limit: int = 100_000) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._limit = limit

    def add(self, method: str, path: str, query: dict[str, list[str]], key_present: bool,
            status: int | None, fault: str | None) -> None:
        """Record one request (the oldest entries go once ``limit`` is reached)."""
        entry = {"method": method, "path": path, "query": query, "key_present": key_present,
                 "status": status, "fault": fault}
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
