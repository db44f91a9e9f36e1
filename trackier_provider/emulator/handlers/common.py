"""Helpers shared by the endpoint handlers (timestamps, lookups, success bodies, body checks)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator.errors import not_found
from trackier_provider.emulator.rng import iso
from trackier_provider.emulator.store import Collection

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp


def now_iso(app: EmulatorApp) -> str:
    """The emulated time in Trackier's ISO form."""
    return iso(app.clock.timestamp())


def lookup(app: EmulatorApp, collection: Collection[int], ref: str, what: str) -> dict[str, Any]:
    """An object by numeric or hash id, or 109 RESOURCE_NOT_FOUND."""
    obj = app.store.resolve(collection, ref)
    if obj is None:
        raise not_found(what)
    return obj


def find_or_404(collection: Collection[str], key: str, what: str) -> dict[str, Any]:
    """An object of a string-keyed collection, or 109 RESOURCE_NOT_FOUND."""
    obj = collection.find(key)
    if obj is None:
        raise not_found(what)
    return obj


def editable(obj: dict[str, Any]) -> dict[str, Any]:
    """A private copy to edit (seeded objects are cached and shared)."""
    return copy.deepcopy(obj)


def done(message: str, **extra: Any) -> dict[str, Any]:
    """``{"success": true, "message": ..., **extra}``."""
    return {"success": True, "message": message, **extra}


def pick_fields(body: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The subset of ``body`` whose keys are in ``fields``."""
    return {k: body[k] for k in fields if k in body}
