"""Trackier's Admin API as data (``OPERATIONS``, ``MODELS``) and, through ``TrackierHook.api``, as typed calls."""

from __future__ import annotations

from typing import Any

from trackier_provider.api.catalogue import MODELS, OPERATIONS
from trackier_provider.api.model import BodyModel, NaturalKey, Operation, Pages, Param
from trackier_provider.paths import build_path

#: What every Admin API path starts with.
API_PREFIX = "/v2/"


def path_of(name: str, **ids: Any) -> str:
    """The path of catalogue operation ``name`` with its ids (keywords as in ``hook.api``) checked and filled
    in by ``paths.build_path``: ``path_of("jobs.get", job_id=...)``."""
    return build_path(OPERATIONS[name].arg_template, **ids)


__all__ = [
    "API_PREFIX", "MODELS", "OPERATIONS", "BodyModel", "NaturalKey", "Operation", "Pages", "Param", "path_of",
]
