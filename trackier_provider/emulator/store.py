"""In-memory state: objects created or edited through the API, overlaid on the seeded catalogue.

``emu.store.publishers`` (and ``campaigns``, ``advertisers``, ``categories``, ``coupons``,
``advertiser_caps``) is a read-only mapping of the objects the API created or edited, keyed by id
(code for coupons, ``_id`` for categories and caps); ``.find(key)`` also reaches seeded objects and
``.deleted`` holds deleted keys. Jobs, uploaded conversion rows and campaign timeline events are
plain containers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from trackier_provider.emulator.config import EmulatorConfig
from trackier_provider.emulator.seed import CATEGORY_NAMES, Seeds

K = TypeVar("K", bound=Hashable)


class Collection(Mapping[K, dict[str, Any]], Generic[K]):
    """One kind of object: a Mapping over the API-created/edited ones, with lookups into the seeds."""

    def __init__(self, key_field: str, seeded_keys: list[K],
                 factory: Callable[[K], dict[str, Any]] | None = None) -> None:
        self.key_field = key_field
        self._seeded_keys = seeded_keys
        self._seeded_set = set(seeded_keys)
        self._factory = factory
        self._cache: dict[K, dict[str, Any]] = {}
        self.overlay: dict[K, dict[str, Any]] = {}
        self.deleted: set[K] = set()
        #: Counts writes (put, delete), so caches of what is derived from these objects know when to drop.
        self.revision = 0

    def __getitem__(self, key: K) -> dict[str, Any]:
        return self.overlay[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self.overlay)

    def __len__(self) -> int:
        return len(self.overlay)

    def _seeded(self, key: K) -> dict[str, Any]:
        obj = self._cache.get(key)
        if obj is None:
            assert self._factory is not None
            obj = self._cache[key] = self._factory(key)
        return obj

    def find(self, key: K) -> dict[str, Any] | None:
        """The current object for ``key`` (edited, created or seeded), or None if unknown or deleted."""
        if key in self.deleted:
            return None
        if key in self.overlay:
            return self.overlay[key]
        if key in self._seeded_set and self._factory is not None:
            return self._seeded(key)
        return None

    def keys_in_order(self) -> list[K]:
        """Every live key: seeded ones in seed order, then created ones in creation order."""
        created = [k for k in self.overlay if k not in self._seeded_set]
        return [k for k in self._seeded_keys + created if k not in self.deleted]

    def all(self) -> Iterator[dict[str, Any]]:
        """Every live object in key order."""
        for key in self.keys_in_order():
            obj = self.find(key)
            if obj is not None:
                yield obj

    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a created or edited object (replacing any earlier version)."""
        key = obj[self.key_field]
        self.deleted.discard(key)
        self.overlay[key] = obj
        self.revision += 1
        return obj

    def delete(self, key: K) -> bool:
        """Delete ``key``; False if it did not exist."""
        if self.find(key) is None:
            return False
        self.overlay.pop(key, None)
        self.deleted.add(key)
        self.revision += 1
        return True

    def next_id(self) -> int:
        """The next numeric id (for collections keyed by integers)."""
        numbers = [k for k in (*self._seeded_keys, *self.overlay, *self.deleted) if isinstance(k, int)]
        return max(numbers, default=0) + 1


class Store:
    """All mutable state of one emulator; ``lock`` serialises the server thread and the Python API."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.lock = threading.RLock()
        self.seeds = Seeds(config.seed, config.advertisers, config.publishers)
        seeds = self.seeds
        self.campaigns: Collection[int] = Collection("id", list(range(1, config.campaigns + 1)),
                                                     seeds.campaign)
        self.publishers: Collection[int] = Collection("id", list(range(1, config.publishers + 1)),
                                                      seeds.publisher)
        self.advertisers: Collection[int] = Collection("id", list(range(1, config.advertisers + 1)),
                                                       seeds.advertiser)
        category_ids = [seeds.hash_id("category", n) for n in range(1, len(CATEGORY_NAMES) + 1)]
        self.categories: Collection[str] = Collection(
            "_id", category_ids, lambda key: seeds.category(category_ids.index(key) + 1))
        coupon_list = [seeds.coupon(n, seeds.campaign((n - 1) % config.campaigns + 1))
                       for n in range(1, config.coupons + 1)]
        coupons_by_code = {c["code"]: c for c in coupon_list}
        self.coupons: Collection[str] = Collection("code", list(coupons_by_code), coupons_by_code.__getitem__)
        self.advertiser_caps: Collection[str] = Collection("_id", [])
        self.jobs: dict[str, Any] = {}
        self.uploaded_conversions: list[dict[str, Any]] = []
        self.timeline: list[dict[str, Any]] = []
        #: Conversion statuses set with ``editConv``, by conversion index: the log and reports show them.
        self.conversion_statuses: dict[int, str] = {}
        self.version = 0

    def touch(self) -> None:
        """Note that something changed (invalidates cached reports)."""
        self.version += 1

    def resolve(self, collection: Collection[int], ref: str) -> dict[str, Any] | None:
        """Find an object by numeric id (at most 18 ASCII digits) or 24-hex hash id."""
        if ref.isascii() and ref.isdigit():
            return collection.find(int(ref)) if len(ref) <= 18 else None
        if len(ref) == 24:
            try:
                number = int(ref[14:], 16)
            except ValueError:
                return None
            obj = collection.find(number)
            if obj is not None and obj.get("hashId") == ref:
                return obj
        return None
