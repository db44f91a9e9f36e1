"""Lists that move under a read: the emulator's data changed between two page requests of one export.

``Mover`` runs scheduled changes on the emulator's server thread (``EmulatorApp.before_answer``) just before
the N-th request to a list's path is answered, so the change lands between two page requests whatever the
client does (pages in flight included). The changes go through the emulator's own store: records inserted
(where the list's order puts new records), deleted, edited, or the clock advanced (conversions and clicks
that happen meanwhile, and conversions that arrive late, in the middle of the window).

``export`` is what a fetch operator does with an ``output_path``: the hook's pages written to a temporary file
that is moved into place only when the read is complete, the read started again when the list moved under
it (``hooks.pagination.restarting``).
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trackier_provider.api import OPERATIONS
from trackier_provider.hooks.pagination import record_id, restarting
from trackier_provider.outputs import output_spec, read_records, write_pages

Change = Callable[[Any], Any]  # (emulator) -> ids it inserted, if any


class Mover:
    """Changes scheduled before the N-th request (counted from 1) to one path, run on the server thread."""

    def __init__(self, emulator: Any, path: str) -> None:
        self.emulator = emulator
        self.path = path
        self.requests = 0
        self.schedule: dict[int, list[Change]] = {}
        self.inserted: set[Any] = set()
        #: Changes run so far.
        self.fired = 0
        self._lock = threading.Lock()
        emulator.app.before_answer.append(self._before)

    def at(self, request: int, change: Change) -> None:
        self.schedule.setdefault(request, []).append(change)

    def _before(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        if path != self.path:
            return
        with self._lock:
            self.requests += 1
            due = self.schedule.pop(self.requests, [])
            self.fired += len(due)
        for change in due:
            self.inserted.update(change(self.emulator) or ())

    def detach(self) -> None:
        self.emulator.app.before_answer.remove(self._before)


# ------------------------------------------------------------------------------------------- the changes
def _new_publisher(emulator: Any) -> list[Any]:
    store = emulator.store
    number = store.publishers.next_id()
    publisher = copy.deepcopy(store.seeds.publisher(1)) | {
        "id": number, "hashId": store.seeds.hash_id("publisher", number), "name": f"Moving {number}",
        "email": f"moving{number}@example.com", "username": f"moving{number}",
    }
    store.publishers.put(publisher)
    return [number]


def _new_coupon(emulator: Any) -> list[Any]:
    store = emulator.store
    number = 10_000 + len(store.coupons) + len(store.coupons.deleted)
    coupon = copy.deepcopy(next(iter(store.coupons.all()), None) or store.seeds.coupon(1, store.seeds.campaign(1)))
    coupon |= {"_id": store.seeds.hash_id("coupon", number), "code": f"MOVING{number}",
               "created": emulator.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")}  # the newest: listed first
    store.coupons.put(coupon)
    return [coupon["_id"]]


def _new_campaign(emulator: Any) -> list[Any]:
    store = emulator.store
    number = store.campaigns.next_id()
    campaign = copy.deepcopy(store.seeds.campaign(1)) | {
        "id": number, "hashId": store.seeds.hash_id("campaign", number), "title": f"Moving {number}",
        "status": "active",
    }
    store.campaigns.put(campaign)
    return [number]


def _delete(collection: str, index: float) -> Change:
    def change(emulator: Any) -> None:
        keys = getattr(emulator.store, collection).keys_in_order()
        if keys:
            getattr(emulator.store, collection).delete(keys[min(int(index * len(keys)), len(keys) - 1)])

    return change


def _edit(collection: str, index: float, field: str) -> Change:
    def change(emulator: Any) -> None:
        items = getattr(emulator.store, collection)
        keys = items.keys_in_order()
        if keys:
            record = copy.deepcopy(items.find(keys[min(int(index * len(keys)), len(keys) - 1)]))
            record[field] = f"{record.get(field)} (edited)"
            items.put(record)

    return change


def _clock(seconds: float) -> Change:
    def change(emulator: Any) -> None:
        emulator.app.clock.advance(seconds)

    return change


class MovingList:
    """A list under test: its paging, query, page size, and the changes that make sense for it."""

    def __init__(self, name: str, operation: str, page_size: int, query: Callable[[Any], dict[str, Any]],
                 changes: dict[str, Callable[[float], Change]], truth_size: int) -> None:
        self.name = name
        self.operation = operation
        self.path = OPERATIONS[operation].path
        self.page_size = page_size
        self.query = query
        self.changes = changes
        self.truth_size = truth_size


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _recent(minutes: int) -> Callable[[Any], dict[str, Any]]:
    """A window from ``minutes`` ago to two days ahead: what happens while the read runs joins it."""

    def query(emulator: Any) -> dict[str, Any]:
        now = emulator.now()
        return {"start": _stamp(now - dt.timedelta(minutes=minutes)), "end": _stamp(now + dt.timedelta(days=2))}

    return query


LISTS = {
    # keyset: new publishers get larger ids (listed last); a delete leaves later ids where they are.
    "keyset": MovingList("publishers", "publishers.list", 4, lambda emulator: {}, {
        "insert": lambda at: _new_publisher,
        "delete": lambda at: _delete("publishers", at),
        "update": lambda at: _edit("publishers", at, "name"),
    }, 5000),
    # page, newest first: a new coupon is listed first, so it shifts every later page forward.
    "page": MovingList("coupons", "coupons.list", 4, lambda emulator: {}, {
        "insert": lambda at: _new_coupon,
        "delete": lambda at: _delete("coupons", at),
        "update": lambda at: _edit("coupons", at, "description"),
    }, 1000),
    # page, by id, the total optional: new campaigns are new offers at the end; a paused one leaves the list.
    "page-by-id": MovingList("incent offers", "incent_offers.list", 6, lambda emulator: {"pubId": 1, "source": "s"}, {
        "insert": lambda at: _new_campaign,
        "delete": lambda at: _delete("campaigns", at),
        "update": lambda at: _edit("campaigns", at, "title"),
    }, 1000),
    # page, by time, total grows: the clock runs, conversions happen (and some arrive late, mid-window).
    "page-growing": MovingList("conversions", "conversions.list", 100, _recent(24 * 60), {
        "grow": lambda at: _clock(600 + at * 7200),
    }, 10000),
    # cursor: a click log read forward; the clock runs and clicks are appended.
    "cursor": MovingList("clicks", "clicks.list", 100, _recent(150), {
        "grow": lambda at: _clock(30 + at * 600),
    }, 5000),
}


def truth(hook: Any, moving: MovingList, query: dict[str, Any]) -> list[Any]:
    """The list's ids now, in one page (nothing moves during a single answer)."""
    pages = list(hook.pages(moving.operation, query=query, page_size=moving.truth_size, max_parallel_pages=1))
    assert len(pages) <= 2, "the truth is read in one page (and the empty one that confirms it)"
    return [record_id(r) for page in pages for r in page]


def export(hook: Any, moving: MovingList, query: dict[str, Any], target: Path, *, parallel: int) -> int:
    """A fetch operator's export: written atomically, read again when the list moved under it."""
    spec = output_spec(str(target))
    return restarting(
        lambda: write_pages(hook.pages(moving.operation, query=query, page_size=moving.page_size,
                                       max_parallel_pages=parallel, raw=True), spec),
        what=moving.name,
    )


def exported_ids(target: Path) -> list[Any]:
    return [record_id(r) for r in read_records(str(target))]
