"""How an API path is built from a template and ids (``build_path``, one checked segment per id).

An id becomes exactly one path segment: it is required, it is percent-quoted (``/``, ``?``, ``#`` and ``%``
cannot change the path), and the spellings that URL normalisation would remove or reinterpret (``.``,
``..``, empty, a slash, control characters) are refused with ``TrackierConfigError`` naming the field,
before any request. ``TrackierUpdateCategoryOperator(category_id=".")`` would otherwise POST to ``/v2/categories/``
and create a category.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import check_id

_FIELD = re.compile(r"\{(\w+)\}")


def path_segment(field: str, value: Any) -> str:
    """One id, checked (``validation.check_id``, then the spellings that would change the path) and quoted
    for use as a path segment."""
    text = check_id(field, value)
    if text in (".", "..") or "/" in text or "\\" in text:
        raise TrackierConfigError(
            field,
            f"{text!r} is not an id: it would change the request's path",
            "Pass the object's id as Trackier shows it (no slashes or dots-only values).",
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
