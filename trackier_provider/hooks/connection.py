"""Reading a Trackier connection: base URL, API key and client settings, the same for sync and async use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.provider_info import CONN_TYPE, DEFAULT_BASE_URL

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 5


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client needs to call Trackier. ``repr`` never shows the key."""

    base_url: str
    api_key: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    requests_per_second: float | None = None
    page_size: int | None = None
    panel_url: str | None = None


def _extras(conn: Any) -> dict[str, Any]:
    raw = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
    prefix = f"extra__{CONN_TYPE}__"
    return {(k[len(prefix) :] if k.startswith(prefix) else k): v for k, v in (raw or {}).items()}


def _number(extras: dict[str, Any], name: str, kind: type, override: Any) -> Any:
    value = override if override is not None else extras.get(name)
    if value in (None, ""):
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise TrackierConfigError(
            f"connection extra {name!r}", f"expected a number, got {value!r}", "Fix it in the connection."
        ) from None
    if number < 0 or (number == 0 and name != "max_retries"):
        raise TrackierConfigError(f"connection extra {name!r}", f"must be positive, got {value!r}")
    return number


def base_url_from(host: str | None, schema: str | None, port: int | None) -> str:
    """``https://api.trackier.com`` unless the connection names another host (with or without a scheme)."""
    host = (host or "").strip()
    if not host:
        return DEFAULT_BASE_URL
    if "://" not in host:
        scheme = (schema or "").strip() or "https"
        host = f"{scheme}://{host}"
        if port:
            host = f"{host}:{port}"
    url = host.rstrip("/")
    return url[: -len("/v2")] if url.endswith("/v2") else url


def settings_from_connection(conn: Any, **overrides: Any) -> ClientSettings:
    """Build ``ClientSettings`` from an Airflow connection; hook arguments override connection extras."""
    key = (conn.password or "").strip()
    if not key:
        raise TrackierConfigError(
            f"connection {conn.conn_id!r}",
            "has no API key",
            "Put your Trackier API key (Automation > API in the panel) in the connection's API Key "
            "(password) field.",
        )
    extras = _extras(conn)
    timeout = _number(extras, "timeout", float, overrides.get("timeout"))
    retries = _number(extras, "max_retries", int, overrides.get("max_retries"))
    return ClientSettings(
        base_url=base_url_from(conn.host, conn.schema, conn.port),
        api_key=key,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        max_retries=retries if retries is not None else DEFAULT_MAX_RETRIES,
        requests_per_second=_number(extras, "requests_per_second", float, overrides.get("requests_per_second")),
        page_size=_number(extras, "page_size", int, overrides.get("page_size")),
        panel_url=(extras.get("panel_url") or None),
    )
