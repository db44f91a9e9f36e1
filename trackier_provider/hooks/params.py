"""Query strings the way Trackier's PHP-style API reads them: ``kpi[]=clicks``, ``filters[status]=active``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _flatten(key: str, value: Any, out: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for sub, sub_value in value.items():
            _flatten(f"{key}[{sub}]", sub_value, out)
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        list_key = key if key.endswith("[]") else f"{key}[]"
        for item in value:
            _flatten(list_key, item, out)
    else:
        out.append((key, _scalar(value)))


def encode_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Flatten nested dicts and lists into PHP-style pairs; ``None`` values are left out."""
    out: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        _flatten(str(key), value, out)
    return out
