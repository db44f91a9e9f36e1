"""A faithful local emulator of the Trackier Admin API (what moto is to AWS), standard library only.

>>> from trackier_provider.emulator import TrackierEmulator, EmulatorConfig
>>> with TrackierEmulator(EmulatorConfig(api_key="k")) as emu:  # doctest: +SKIP
...     requests.get(emu.base_url + "/v2/campaigns", headers={"X-Api-Key": emu.api_key})
"""

from __future__ import annotations

from trackier_provider.emulator.config import EmulatorConfig
from trackier_provider.emulator.server import TrackierEmulator

__all__ = ["EmulatorConfig", "TrackierEmulator"]
