"""The three paging schemes Trackier uses: keyset (``lastId``), page number (``page``) and cursor (``pageToken``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any

from trackier_provider.emulator.errors import validation_error

Row = dict[str, Any]


def keyset_page(rows: Iterable[Row], last_id: int, limit: int,
                keep: Callable[[Row], bool] | None = None) -> tuple[list[Row], int]:
    """Rows with ``id > last_id`` (in id order) passing ``keep``: the first ``limit`` and the total count."""
    page: list[Row] = []
    total = 0
    for row in rows:
        if keep is not None and not keep(row):
            continue
        total += 1
        if int(row["id"]) > last_id and len(page) < limit:
            page.append(row)
    return page, total


def offset_page(rows: list[Row], page: int, limit: int) -> list[Row]:
    """The ``page``-th (1-based) slice of ``limit`` rows."""
    start = (page - 1) * limit
    return rows[start:start + limit]


def encode_token(state: dict[str, Any]) -> str:
    """An opaque ``nextPageToken`` (URL-safe base64 of JSON, as Trackier's tokens are)."""
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def decode_token(token: str) -> dict[str, Any]:
    """Decode a ``pageToken``; a malformed one is a 107 error."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        raise validation_error('"pageToken" is invalid') from None
    if not isinstance(state, dict):
        raise validation_error('"pageToken" is invalid')
    return state
