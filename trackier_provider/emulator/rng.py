"""Deterministic, stateless randomness: every synthetic value is a pure function of seed + position."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TypeVar

T = TypeVar("T")
MASK = (1 << 64) - 1


def mix(value: int) -> int:
    """SplitMix64 finaliser: a fast, well-spread 64-bit hash of an integer."""
    value = (value + 0x9E3779B97F4A7C15) & MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK
    return value ^ (value >> 31)


def stream(seed: int, name: str) -> int:
    """A per-purpose salt so that, e.g., campaign 3 and publisher 3 draw different values."""
    salt = seed & MASK
    for char in name:
        salt = mix(salt ^ ord(char))
    return salt


def draw(salt: int, index: int) -> int:
    """The 64-bit hash of ``index`` within a stream."""
    return mix(salt ^ mix(index))


def unit(h: int) -> float:
    """Map a hash to [0, 1)."""
    return (h >> 11) / float(1 << 53)


def pick(h: int, items: Sequence[T]) -> T:
    """Choose an item by hash."""
    return items[h % len(items)]


def hex_id(salt: int, index: int, stamp: int = 0x5F000000) -> str:
    """A 24-hex id shaped like a MongoDB ObjectId (Trackier's ``hashId``/``_id``), unique per index."""
    return f"{stamp & 0xFFFFFFFF:08x}{salt & 0xFFFFFF:06x}{index & 0xFFFFFFFFFF:010x}"


def iso(ts: float) -> str:
    """Format POSIX seconds as Trackier's ISO form ``2020-01-07T11:10:09.000Z``."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
