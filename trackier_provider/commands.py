"""The package's console scripts, kept apart from what they run so that nothing of Airflow is imported before
they start (``trackier-emulator`` is the emulator's own, ``trackier_provider.emulator.cli``)."""

from __future__ import annotations

import os


def trackier_check() -> int:
    """``trackier-check``: see :mod:`trackier_provider.check`.

    Airflow 2.11 warns in every process that imports it, whatever the command, that its metrics timer unit
    changes in Airflow 3, unless ``[metrics] timer_unit_consistency`` is set. This command publishes no
    metrics, so the setting is turned on for its own process when it is not set at all: the check's output
    stays its own (a stop is one line) and nothing else changes.
    """
    os.environ.setdefault("AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY", "True")
    from trackier_provider.check import main

    return main()


__all__ = ["trackier_check"]
