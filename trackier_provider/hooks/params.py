"""Query strings the way Trackier's PHP-style API reads them: ``kpi[]=clicks``, ``filters[status]=active``.

Every value is checked while it is encoded, so a value that cannot be sent faithfully (NaN, a control
character, an object without a query spelling) fails with ``TrackierConfigError`` naming its parameter
before any request, whichever operator, sensor or DAG built it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from numbers import Real
from typing import Any

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import MAX_DEPTH, check_number, refuse_control_characters


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Real):
        return str(check_number(key, value))
    if isinstance(value, str):
        return refuse_control_characters(key, value)
    raise TrackierConfigError(
        key, f"{type(value).__name__} cannot be sent in a query string", "Use text, numbers, booleans or dates."
    )


def _flatten(key: str, value: Any, out: list[tuple[str, str]], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise TrackierConfigError(key, f"nests deeper than {MAX_DEPTH} levels", "Flatten the value.")
    if value is None:
        return
    if isinstance(value, Mapping):
        for sub, sub_value in value.items():
            _flatten(f"{key}[{_key(key, sub)}]", sub_value, out, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        list_key = key if key.endswith("[]") else f"{key}[]"
        for item in value:
            _flatten(list_key, item, out, depth + 1)
    else:
        out.append((key, _scalar(key, value)))


def _key(parent: str, key: Any) -> str:
    """A parameter name: a whole number or text without brackets (which would change the structure); a
    top-level name may end with ``[]``."""
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    where = f"{parent} key" if parent else "query key"
    name = key[:-2] if not parent and isinstance(key, str) and key.endswith("[]") else key
    if not isinstance(name, str) or not name.strip() or "[" in name or "]" in name:
        raise TrackierConfigError(where, f"{key!r} is not a parameter name", "Use non-empty text without [ or ].")
    refuse_control_characters(where, name)
    return str(key)


def encode_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Flatten nested dicts and lists into PHP-style pairs; ``None`` values are left out."""
    if params is not None and not isinstance(params, Mapping):
        raise TrackierConfigError(
            "query parameters", f"must be a dict, got {type(params).__name__}", 'Pass e.g. {"limit": 10}.'
        )
    out: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        _flatten(_key("", key), value, out)
    return out
