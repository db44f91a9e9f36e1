"""Apache Airflow provider for the Trackier Admin API."""

from __future__ import annotations

from trackier_provider.provider_info import __version__, get_provider_info

__all__ = ["__version__", "get_provider_info"]
