from __future__ import annotations

from tests.triggers.emulated import emu, readiness_emulator_server  # noqa: F401
