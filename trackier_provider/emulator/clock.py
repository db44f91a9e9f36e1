"""The emulator's clock: real time plus an adjustable offset, so tests can jump ahead without sleeping."""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timezone

MAX_OFFSET = 100 * 365.25 * 86400


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
        """Move the emulated clock by ``seconds`` (negative values move it back).

        Raises ValueError, leaving the clock as it was, when the offset would not be a finite number of
        seconds within :data:`MAX_OFFSET` (100 years) of real time.
        """
        with self._lock:
            try:
                offset = self._offset + float(seconds)
            except OverflowError:
                offset = math.inf
            if not abs(offset) <= MAX_OFFSET:  # NaN fails this too
                raise ValueError(f"the clock must stay within {MAX_OFFSET:.0f} seconds (100 years) of real time")
            self._offset = offset

    @property
    def offset(self) -> float:
        """The current offset from real time, in seconds."""
        return self._offset

    def reset(self) -> None:
        """Drop the offset: the clock follows real time again."""
        with self._lock:
            self._offset = 0.0
