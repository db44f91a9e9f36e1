"""Trackier's OpenAPI spec for the spec-driven tests: where it is, and the one rule for when it is missing.

The spec lives outside this project: ``<repo>/../shared/trackier-api/`` or ``$TRACKIER_API_SPEC_DIR``. A test
that reads it carries the ``spec`` marker (``@pytest.mark.spec``, or ``pytestmark`` in a module where every
test reads it); tests/conftest.py calls :func:`require_spec` before each of them. Without the spec such a
test is skipped with the reason, except where ``TRACKIER_REQUIRE_SPEC=1`` (``.ci/run`` sets it): there a
missing spec fails the test, so a CI run never passes without comparing the provider to the spec.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = Path(os.environ.get("TRACKIER_API_SPEC_DIR") or REPO_ROOT.parent / "shared" / "trackier-api")
SPEC_FILE = SPEC_DIR / "admin-openapi-1.2.59.yaml"
#: Set to 1 to make a missing spec fail the spec-driven tests instead of skipping them.
REQUIRE_ENV = "TRACKIER_REQUIRE_SPEC"


def require_spec() -> None:
    """Return when the spec is there; otherwise skip the calling test, or fail it under ``REQUIRE_ENV=1``."""
    if SPEC_FILE.is_file():
        return
    reason = f"Trackier's OpenAPI spec not found at {SPEC_FILE} (set TRACKIER_API_SPEC_DIR to point at it)"
    if os.environ.get(REQUIRE_ENV, "").strip() == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires it", pytrace=False)
    pytest.skip(reason)
