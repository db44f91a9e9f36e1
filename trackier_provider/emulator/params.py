"""PHP-style query strings (``kpi[]=clicks``, ``filters[status]=active``, ``filters[ids][]=31``) and typed access."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trackier_provider.emulator.errors import Variant, validation_error

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def parse_query(query: str) -> dict[str, list[str]]:
    """Split a raw query string into ``{name: [values...]}`` keeping bracketed names as sent."""
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        out.setdefault(key, []).append(value)
    return out


def nest(flat: dict[str, list[str]]) -> dict[str, Any]:
    """Turn bracketed names into nested dicts and lists the way PHP does (``a[b][]`` -> ``{a: {b: [...]}}``)."""
    root: dict[str, Any] = {}
    for key, values in flat.items():
        match = _KEY.match(key)
        if not match:
            continue
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        for value in values:
            _assign(root, path, value)
    return root


def _assign(node: dict[str, Any], path: list[str], value: str) -> None:
    for index, part in enumerate(path):
        last = index == len(path) - 1
        following = None if last else path[index + 1]
        is_list = following is not None and (following == "" or following.isdigit())
        if last:
            if part == "" or part.isdigit():
                return  # handled by the parent's list branch
            node[part] = value
            return
        if is_list:
            lst = node.setdefault(part, [])
            if not isinstance(lst, list):
                lst = node[part] = [lst]
            lst.append(value)
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child


class Params:
    """Typed, validating access to the query of one request; failures raise 107 with Trackier wording."""

    def __init__(self, flat: dict[str, list[str]], variant: Variant | None = None) -> None:
        self.flat = flat
        self.tree = nest(flat)
        self.variant = variant

    def _fail(self, message: str) -> Exception:
        return validation_error(message, variant=self.variant)

    def raw(self, name: str, sub: str | None = None) -> Any:
        """The nested value for ``name`` (or ``name[sub]``), or None."""
        value = self.tree.get(name)
        if sub is not None:
            value = value.get(sub) if isinstance(value, dict) else None
        return value

    def text(self, name: str, sub: str | None = None, default: str | None = None) -> str | None:
        """A single string value (the first if repeated)."""
        value = self.raw(name, sub)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict) or value is None or value == "":
            return default
        return str(value)

    def required(self, name: str) -> str:
        """A single string value that must be present."""
        value = self.text(name)
        if value is None:
            raise self._fail(f'"{name}" is required')
        return value

    def values(self, name: str, sub: str | None = None) -> list[str]:
        """All values of ``name[]`` / ``name[sub][]`` (a lone scalar counts as a one-item list)."""
        value = self.raw(name, sub)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value if v != ""]
        if isinstance(value, dict):
            return [str(v) for v in value.values()]
        return [str(value)] if value != "" else []

    def integer(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
        """An integer within optional bounds, with Trackier-style messages when it is not."""
        text = self.text(name)
        if text is None:
            return default
        try:
            number = int(text)
        except ValueError:
            raise self._fail(f'"{name}" must be a number') from None
        if minimum is not None and number < minimum:
            raise self._fail(f'"{name}" must be greater than or equal to {minimum}')
        if maximum is not None and number > maximum:
            raise self._fail(f'"{name}" must be less than or equal to {maximum}')
        return number

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None,
               sub: str | None = None) -> str | None:
        """A value (of ``name`` or ``name[sub]``) restricted to ``allowed``."""
        value = self.text(name, sub, default=default)
        if value is not None and value not in allowed:
            label = f"{name}.{sub}" if sub else name
            raise self._fail(f'"{label}" must be one of [{", ".join(allowed)}]')
        return value

    def choices(self, name: str, allowed: tuple[str, ...]) -> list[str]:
        """A ``name[]`` list whose items are restricted to ``allowed``."""
        values = self.values(name)
        for index, value in enumerate(values):
            if value not in allowed:
                raise self._fail(f'"{name}[{index}]" must be one of [{", ".join(allowed)}]')
        return values

    def zone(self) -> ZoneInfo:
        """The ``zone`` parameter as a tz (default UTC)."""
        name = self.text("zone", default="UTC") or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory, a name too long
            raise self._fail(f'"zone" must be a valid timezone, got "{name[:100]}"') from None

    def _given(self, name: str, has_default: bool) -> str | None:
        text = self.text(name)
        if text is None and not has_default:
            raise self._fail(f'"{name}" is required')
        return text

    def day(self, name: str, default: date | None = None) -> date:
        """A ``YYYY-MM-DD`` date."""
        text = self._given(name, default is not None)
        if text is None:
            assert default is not None
            return default
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise self._fail(f'"{name}" must be in YYYY-MM-DD format') from None

    def moment(self, name: str, *, end_of_day: bool = False, allow_date: bool = False,
                 default: datetime | None = None) -> datetime:
        """A naive ``YYYY-MM-DD HH:mm:ss`` (or, if allowed, ``YYYY-MM-DD``) local date-time."""
        text = self._given(name, default is not None)
        if text is None:
            assert default is not None
            return default
        try:
            if len(text) == 19:
                return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
            if allow_date and len(text) == 10:
                day = datetime.strptime(text, "%Y-%m-%d")
                return day.replace(hour=23, minute=59, second=59) if end_of_day else day
        except ValueError:
            pass
        fmt = "YYYY-MM-DD HH:mm:ss or YYYY-MM-DD" if allow_date else "YYYY-MM-DD HH:mm:ss"
        raise self._fail(f'"{name}" must be in {fmt} format')

