"""pytest fixtures: ``trackier_emulator_server`` (one per session) and ``trackier_emulator`` (reset per test).

Opt in from your top-level ``conftest.py`` (or run ``pytest -p trackier_provider.emulator.pytest_plugin``)::

    pytest_plugins = ["trackier_provider.emulator.pytest_plugin"]

It is not registered automatically, so installing the provider changes no other pytest session. Importing it
pulls in only the standard library.
"""

from __future__ import annotations

from collections.abc import Iterator

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
