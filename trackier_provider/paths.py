"""The one function that builds an API path from a template and ids.

An id becomes exactly one path segment: it is required, it is percent-quoted (``/``, ``?``, ``#`` and ``%``
cannot change the path), and the spellings that URL normalisation would remove or reinterpret (``.``,
``..``, empty, a slash, control characters) are refused with ``TrackierConfigError`` naming the field,
before any request. ``TrackierUpdateCategoryOperator(category_id=".")`` would otherwise POST to ``/v2/categories/``
and create a category.
"""

from __future__ import annotations

import re
from numbers import Integral
from typing import Any
from urllib.parse import quote

from trackier_provider.exceptions import TrackierConfigError

_FIELD = re.compile(r"\{(\w+)\}")


def path_segment(field: str, value: Any) -> str:
    """One id, checked and quoted for use as a path segment."""
    if value is None:
        raise TrackierConfigError(field, "is required", f"Pass the {field} of the object.")
    if isinstance(value, bool) or not isinstance(value, (str, Integral)):
        raise TrackierConfigError(
            field, f"must be an id (text or a whole number), got {type(value).__name__}", f"Pass the {field}."
        )
    raw = str(value)
    text = raw.strip(" ")
    if not text:
        raise TrackierConfigError(field, "is required", f"Pass the {field} of the object.")
    if text in (".", "..") or "/" in text or "\\" in text or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise TrackierConfigError(
            field,
            f"{text!r} is not an id: it would change the request's path",
            "Pass the object's id as Trackier shows it (no slashes, dots-only values or control characters).",
        )
    return quote(text, safe="")


def build_path(template: str, **ids: Any) -> str:
    """``template`` (e.g. ``/v2/jobs/{job_id}``) with each ``{name}`` replaced by the checked id ``ids[name]``.

    The placeholder names are the caller's parameter names, so an error names the field the user set.
    """
    names = set(_FIELD.findall(template))
    if names != set(ids):
        raise TypeError(f"{template} takes ids {sorted(names)}, got {sorted(ids)}")
    return template.format_map({name: path_segment(name, value) for name, value in ids.items()})


__all__ = ["build_path", "path_segment"]
