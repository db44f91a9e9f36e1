"""``python -m trackier_provider.emulator``: same as the ``trackier-emulator`` command."""

from __future__ import annotations

from trackier_provider.emulator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
