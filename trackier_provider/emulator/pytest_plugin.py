"""pytest fixtures: ``trackier_emulator_server`` (one per session) and ``trackier_emulator`` (reset per test).

Opt in from your top-level ``conftest.py`` (or run ``pytest -p trackier_provider.emulator.pytest_plugin``)::

    pytest_plugins = ["trackier_provider.emulator.pytest_plugin"]

It is not registered automatically, so installing the provider changes no other pytest session. Importing it
pulls in only the standard library.

``trackier_example`` makes the emulator answer an operation with Trackier's own documented example answer
(``trackier_provider.emulator.examples``), read from the spec at ``$TRACKIER_API_SPEC_DIR`` (the folder holding
``admin-openapi-*.yaml``, or the file); override the ``trackier_api_spec`` fixture to point elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from trackier_provider.emulator import EmulatorConfig, TrackierEmulator


@pytest.fixture(scope="session")
def trackier_emulator_config() -> EmulatorConfig:
    """The config of the session's emulator; override this fixture to change knobs."""
    return EmulatorConfig()


@pytest.fixture(scope="session")
def trackier_emulator_server(trackier_emulator_config: EmulatorConfig) -> Iterator[TrackierEmulator]:
    """One emulator on a free loopback port for the whole test session."""
    with TrackierEmulator(trackier_emulator_config, host="127.0.0.1", port=0) as emulator:
        yield emulator


@pytest.fixture
def trackier_emulator(trackier_emulator_server: TrackierEmulator) -> TrackierEmulator:
    """The session emulator after ``reset()``: seeded data, no faults, empty log, clock at real time."""
    trackier_emulator_server.reset()
    return trackier_emulator_server


@pytest.fixture(scope="session")
def trackier_api_spec() -> str:
    """Where Trackier's OpenAPI spec is (``$TRACKIER_API_SPEC_DIR``); override this fixture to set it."""
    where = os.environ.get("TRACKIER_API_SPEC_DIR")
    if not where:
        pytest.fail("trackier_example needs Trackier's OpenAPI spec: set TRACKIER_API_SPEC_DIR to the folder holding "
                    "admin-openapi-*.yaml, or override the trackier_api_spec fixture", pytrace=False)
    return where


@pytest.fixture
def trackier_example(trackier_emulator: TrackierEmulator, trackier_api_spec: str) -> Callable[..., None]:
    """``trackier_example("incent_offers.list", records=250, gap=None, example=None, times=None)``: the clean
    emulator answers that operation with Trackier's documented example (docs/emulator.md)."""

    def replay(operation: str, **options: Any) -> None:
        trackier_emulator.add_fault({"kind": "example", "operation": operation, "spec": str(trackier_api_spec),
                                     **{k: v for k, v in options.items() if v is not None}})

    return replay
