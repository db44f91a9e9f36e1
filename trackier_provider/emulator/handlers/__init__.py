"""Endpoint handlers, one module per API area; :func:`register_all` wires them into the router."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trackier_provider.emulator.router import Router

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp


def register_all(router: Router, app: EmulatorApp) -> None:
    """Register every emulated operation (``routes`` serves the catalogue operations the others do not)."""
    from trackier_provider.emulator.handlers import (
        campaigns,
        catalog,
        jobs,
        logs,
        network,
        reports,
        routes,
        users,
    )

    for module in (campaigns, users, catalog, network, jobs, reports, logs, routes):
        module.register(router, app)
