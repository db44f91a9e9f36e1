"""The typed API's client: ``TrackierHook.api.<resource>.<action>(...)`` (``trackier_provider.api.generated``)
prepares each call by its Python keywords (``api.calls.prepare``) and hands it to the hook that built it.

Nothing here imports the hook: the hook builds ``TrackierApi(ApiClient(self))``, so the typed API sits above
the catalogue and below the hook without an import back (``Caller`` is what it needs of the hook).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from trackier_provider.api.calls import Call, prepare
from trackier_provider.api.catalogue import OPERATIONS


class Caller(Protocol):
    """What the typed API needs of ``TrackierHook``."""

    def call(self, operation: Call) -> Any: ...

    def records(self, operation: Call) -> Iterator[Any]: ...


class ApiClient:
    """Checks and sends the typed API's calls: a list operation's records lazily, else the decoded answer."""

    def __init__(self, hook: Caller) -> None:
        self.hook = hook

    def call(self, name: str, ids: Mapping[str, Any] | None = None, query: Mapping[str, Any] | None = None,
             data: Any = None, *, page_size: int | None = None) -> Any:
        """Check and send ``name``: an iterator over the records of a list operation, else the answer."""
        checked: Call = prepare(OPERATIONS[name], ids, query, data, page_size=page_size)
        return self.hook.records(checked) if checked.operation.records_at else self.hook.call(checked)


class Resource:
    """Base of the generated resource classes: they share one ``ApiClient``."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client


__all__ = ["ApiClient", "Caller", "Resource"]
