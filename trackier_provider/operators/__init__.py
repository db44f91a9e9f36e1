"""Trackier operators: fetch (to a file or XCom), create-if-absent, and a generic escape hatch."""

from __future__ import annotations
