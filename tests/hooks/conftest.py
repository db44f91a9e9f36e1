"""Hook fixtures: a hook on a clean emulator whose waits are recorded instead of slept."""

from __future__ import annotations

import pytest

from trackier_provider.hooks.trackier import TrackierHook


class SleepRecorder:
    """Stands in for ``time.sleep`` so retry waits are observed, not spent."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def hook(trackier_conn, sleeps: SleepRecorder):
    """A TrackierHook on ``trackier_default`` (the emulator), recording its waits."""
    h = TrackierHook()
    h.sleep = sleeps
    yield h
    h.close()
