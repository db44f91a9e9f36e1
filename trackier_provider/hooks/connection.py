"""Reading a Trackier connection: base URL, API key and client settings, the same for sync and async use."""

from __future__ import annotations

import ipaddress
import json
import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.hooks.budget_store import check_budget_url
from trackier_provider.provider_info import CONN_TYPE, DEFAULT_BASE_URL
from trackier_provider.validation import check_choice, check_number, check_text, check_url

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 5
#: Trackier documents 200 report requests a minute per key (Publisher API); the Admin API publishes none.
DEFAULT_REPORTS_PER_MINUTE = 200.0
DEFAULT_MAX_PARALLEL_PAGES = 4
MAX_PARALLEL_PAGES = 16
#: Bytes of answers a paged read holds ahead of the page being consumed (``TrackierHook.iter_pages``).
DEFAULT_MAX_BYTES_AHEAD = 64 * 2**20
#: ``validate_responses``: check answers against the provider's schemas (``trackier_provider.schemas.validation``).
VALIDATE_MODES = ("off", "warn", "fail")
#: The connection extra that lets the key travel over plain ``http://`` to a host that is not loopback.
ALLOW_HTTP_EXTRA = "allow_insecure_http"

log = logging.getLogger(__name__)


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
    reports_per_minute: float | None = DEFAULT_REPORTS_PER_MINUTE
    logs_per_minute: float | None = None
    max_parallel_pages: int = DEFAULT_MAX_PARALLEL_PAGES
    max_bytes_ahead: int = DEFAULT_MAX_BYTES_AHEAD
    validate_responses: str = "off"
    #: ``budget_url``: the Redis store every process shares its budgets through (may hold a password).
    budget_url: str | None = field(default=None, repr=False)

    def rate(self, group: str) -> float | None:
        """Requests per second allowed for an endpoint group (``hooks.throttle.GROUPS``); None for no limit.

        ``reports`` and ``logs`` have their own per-minute budgets; ``requests_per_second`` limits the
        ``default`` group, and the others where their own budget is not set.
        """
        per_minute = {"reports": self.reports_per_minute, "logs": self.logs_per_minute}.get(group)
        return per_minute / 60 if per_minute else self.requests_per_second


#: Bounds of each client setting, shared by the hook's arguments and the connection extras. Beyond them a
#: value is a mistake (a one-day timeout, a millionth of a request per second) or breaks the client
#: (socket timeouts and sleeps overflow).
SETTING_BOUNDS: dict[str, dict[str, Any]] = {
    "timeout": {"above": 0, "at_most": 3600},
    "max_retries": {"whole": True, "at_least": 0, "at_most": 100},
    "requests_per_second": {"at_least": 0.001, "at_most": 10_000},
    "page_size": {"whole": True, "above": 0, "at_most": 100_000},
    "reports_per_minute": {"at_least": 0.01, "at_most": 600_000},
    "logs_per_minute": {"at_least": 0.01, "at_most": 600_000},
    "max_parallel_pages": {"whole": True, "at_least": 1, "at_most": MAX_PARALLEL_PAGES},
    "max_bytes_ahead": {"whole": True, "above": 0, "at_most": 2**40},
}


def check_settings(values: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Each client setting in ``values`` (the keys of ``SETTING_BOUNDS``) checked against its bounds
    (numbers written as text are read, booleans and NaN refused); None when unset.

    ``where`` prefixes the field in messages, e.g. ``"connection extra "``.
    """
    return {
        name: check_number(f"{where}{name!r}" if where else name, values.get(name), from_text=bool(where), **bounds)
        for name, bounds in SETTING_BOUNDS.items()
    }


def _extras(conn: Any) -> dict[str, Any]:
    raw = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
    if not isinstance(raw or {}, Mapping):
        raise TrackierConfigError(
            f"connection {conn.conn_id!r} extra", f"must be a JSON object, got {type(raw).__name__}",
            'Use e.g. {"timeout": 30, "panel_url": "https://yournetwork.trackier.com"}.',
        )
    prefix = f"extra__{CONN_TYPE}__"
    return {(k[len(prefix) :] if k.startswith(prefix) else k): v for k, v in (raw or {}).items()}


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_from(host: str | None, schema: str | None, port: int | None, *, allow_http: bool = False) -> str:
    """``https://api.trackier.com`` unless the connection names another host (with or without a scheme).

    The result is an ``http(s)://host[:port][/path]`` URL, or ``TrackierConfigError`` for anything requests
    could not call (another scheme, no host, a bad port, control characters), for a host with credentials, a
    query or a fragment (never quoted in the message), and for plain ``http://`` to a host that is not
    loopback unless ``allow_http`` (the key would travel in clear text; a warning is logged when allowed).
    """
    host = check_text("connection host", host)
    if host is None:
        return DEFAULT_BASE_URL
    if "://" not in host:
        scheme = check_text("connection schema", schema) or "https"
        host = f"{scheme}://{host}"
    url = cast(str, check_url("connection host", host))  # not None: host is not blank
    if port is not None:
        port = check_number("connection port", port, whole=True, above=0, at_most=65535, from_text=True)
        parts = urlsplit(url)
        if parts.port is None:
            url = urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))
        elif parts.port != port:
            raise TrackierConfigError(
                "connection port", f"{port} differs from the port in the host {url!r}", "Keep one of them."
            )
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and not _is_loopback(parts.hostname or ""):
        if not allow_http:
            raise TrackierConfigError(
                "connection host",
                f"{url!r} is plain http:// to a host that is not loopback: the API key would travel in clear text",
                f"Use https://, or set the connection extra {ALLOW_HTTP_EXTRA!r} to true for a trusted network.",
            )
        log.warning(
            "Connection host %s is plain http:// (connection extra %s): the API key travels in clear text",
            url, ALLOW_HTTP_EXTRA,
        )
    url = url.rstrip("/")
    return url[: -len("/v2")] if url.endswith("/v2") else url


def _allow_http(conn: Any, extras: Mapping[str, Any]) -> bool:
    value = extras.get(ALLOW_HTTP_EXTRA)
    if isinstance(value, str):  # Airflow 2's form stores every extra as text, an empty field as ""
        value = {"true": True, "false": False, "": None}.get(value.strip().lower(), value)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise TrackierConfigError(
        f"connection {conn.conn_id!r} extra {ALLOW_HTTP_EXTRA!r}", f"must be true or false, got {value!r}",
        f'Use {{"{ALLOW_HTTP_EXTRA}": true}} only for a host on a network you trust.',
    )


def base_url_of(conn: Any) -> str:
    """The base URL of an Airflow connection (``base_url_from`` with its ``allow_insecure_http`` extra)."""
    return base_url_from(conn.host, conn.schema, conn.port, allow_http=_allow_http(conn, _extras(conn)))


def check_api_key(conn_id: str, value: Any) -> str | None:
    """The API key of a connection, or None when absent; ``TrackierConfigError`` (never quoting the key) for
    a key an HTTP header cannot carry: control characters, spaces, anything but visible ASCII (``€``, a
    zero-width space, ``é``), which the sync client and the async one would each fail on in their own way."""
    field = f"connection {conn_id!r} API key"
    key = check_text(field, value, secret=True)
    bad = next((i for i, c in enumerate(key or "") if not "!" <= c <= "~"), None)
    if key is not None and bad is not None:
        raise TrackierConfigError(
            field, f"contains {unicodedata.name(key[bad], 'a character')} (U+{ord(key[bad]):04X}) at position "
            f"{bad + 1}, which an HTTP header cannot carry",
            "Copy the key again from the panel (Automation > API): it is visible ASCII only.",
        )
    return key


def settings_from_connection(conn: Any, **overrides: Any) -> ClientSettings:
    """Build ``ClientSettings`` from an Airflow connection; hook arguments (checked by the hook with
    ``check_settings``) override connection extras."""
    key = check_api_key(conn.conn_id, conn.password)
    if not key:
        raise TrackierConfigError(
            f"connection {conn.conn_id!r}",
            "has no API key",
            "Put your Trackier API key (Automation > API in the panel) in the connection's API Key "
            "(password) field.",
        )
    extras = _extras(conn)
    settings = check_settings(extras, "connection extra ")
    settings["validate_responses"] = check_choice(
        "connection extra 'validate_responses'", extras.get("validate_responses"), VALIDATE_MODES
    )
    settings.update({name: value for name, value in overrides.items() if value is not None})
    return ClientSettings(
        base_url=base_url_from(conn.host, conn.schema, conn.port, allow_http=_allow_http(conn, extras)),
        api_key=key,
        timeout=settings["timeout"] if settings["timeout"] is not None else DEFAULT_TIMEOUT,
        max_retries=settings["max_retries"] if settings["max_retries"] is not None else DEFAULT_MAX_RETRIES,
        requests_per_second=settings["requests_per_second"],
        page_size=settings["page_size"],
        panel_url=check_url("connection extra 'panel_url'", extras.get("panel_url")),
        reports_per_minute=(
            settings["reports_per_minute"] if settings["reports_per_minute"] is not None else DEFAULT_REPORTS_PER_MINUTE
        ),
        logs_per_minute=settings["logs_per_minute"],
        max_parallel_pages=(
            settings["max_parallel_pages"] if settings["max_parallel_pages"] is not None else DEFAULT_MAX_PARALLEL_PAGES
        ),
        max_bytes_ahead=(
            settings["max_bytes_ahead"] if settings["max_bytes_ahead"] is not None else DEFAULT_MAX_BYTES_AHEAD
        ),
        validate_responses=settings["validate_responses"] or "off",
        budget_url=check_budget_url(extras.get("budget_url")),
    )
