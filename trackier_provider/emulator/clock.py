"""The emulator's clock: real time plus an adjustable offset, so tests can jump ahead without sleeping."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class Clock:
    """Real UTC time shifted by an offset that ``advance`` moves forward (or back)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def timestamp(self) -> float:
        """Return the emulated time as POSIX seconds."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """Return the emulated time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        """Move the emulated clock by ``seconds`` (negative values move it back)."""
        with self._lock:
            self._offset += float(seconds)

    @property
    def offset(self) -> float:
        """The current offset from real time, in seconds."""
        return self._offset

    def reset(self) -> None:
        """Drop the offset: the clock follows real time again."""
        with self._lock:
            self._offset = 0.0
