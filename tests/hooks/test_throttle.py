"""The client-side throttle hands out evenly spaced slots, shared across threads."""

from __future__ import annotations

import threading

import pytest

from trackier_provider.hooks.throttle import Throttle


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_unthrottled_never_waits():
    assert [Throttle(None).reserve() for _ in range(5)] == [0.0] * 5


def test_slots_are_spaced_by_the_rate():
    clock = FakeClock()
    throttle = Throttle(4, clock=clock)
    assert [throttle.reserve() for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]
    clock.now += 10  # idle time is not banked as a burst
    assert throttle.reserve() == 0.0
    assert throttle.reserve() == 0.25


def test_shared_by_threads_without_double_booking():
    clock = FakeClock()
    throttle = Throttle(10, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(50):
            w = throttle.reserve()
            with lock:
                waits.append(round(w, 6))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [round(i * 0.1, 6) for i in range(200)]


def test_rejects_non_positive_rate():
    with pytest.raises(ValueError, match="positive"):
        Throttle(0)
