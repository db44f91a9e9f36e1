"""Trackier's Admin API as data (``OPERATIONS``, ``MODELS``) and, through ``TrackierHook.api``, as typed calls."""

from __future__ import annotations

from trackier_provider.api.catalogue import MODELS, OPERATIONS
from trackier_provider.api.model import BodyModel, NaturalKey, Operation, Pages, Param

#: What every Admin API path starts with.
API_PREFIX = "/v2/"

__all__ = ["API_PREFIX", "MODELS", "OPERATIONS", "BodyModel", "NaturalKey", "Operation", "Pages", "Param"]
