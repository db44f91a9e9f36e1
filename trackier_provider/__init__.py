"""Apache Airflow provider for the Trackier Admin API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "get_provider_info"]


def get_provider_info() -> dict:
    """Return the provider metadata Airflow reads through the ``apache_airflow_provider`` entry point."""
    from trackier_provider.provider_info import get_provider_info as _info

    return _info()
