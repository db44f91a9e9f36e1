"""Fixtures for the emulator's own tests: one small emulator per session, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

KEY = "emulator-test-key"
CONFIG = dict(api_key=KEY, seed=7, campaigns=12, publishers=9, advertisers=4, coupons=6,
              conversions_per_day=2000, clicks_per_day=6000, settle_seconds=3600, job_seconds=60)


class Api:
    """A keep-alive ``requests`` session bound to an emulator, sending the key by default."""

    def __init__(self, emulator: TrackierEmulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.session.headers["X-Api-Key"] = emulator.api_key

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request to the emulator (10 s timeout)."""
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.emulator.base_url + path, **kwargs)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        """GET with query params (lists become repeated ``name[]`` keys when the name says so)."""
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body."""
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE."""
        return self.request("DELETE", path, **kwargs)


def error_of(response: requests.Response) -> dict[str, Any]:
    """The first error item of any envelope variant."""
    body = response.json()
    errors = body["errors"]
    return errors[0] if isinstance(errors, list) else errors


@pytest.fixture(scope="session")
def emu_server() -> Iterator[TrackierEmulator]:
    """The session's emulator (small catalogue, 1 h settle, 60 s jobs)."""
    with TrackierEmulator(EmulatorConfig(**CONFIG), port=0) as emulator:  # type: ignore[arg-type]
        yield emulator


@pytest.fixture
def emu(emu_server: TrackierEmulator) -> TrackierEmulator:
    """The session emulator, reset to its seeded state."""
    emu_server.reset()
    return emu_server


@pytest.fixture
def api(emu: TrackierEmulator) -> Api:
    """A client for the reset emulator."""
    return Api(emu)
