"""Sphinx configuration: the guides in docs/*.md (MyST Markdown) and the API reference from the docstrings.

Sphinx rather than MkDocs because the docstrings are written in reStructuredText field lists (``:param x:``),
which autodoc reads natively, and because Airflow and its providers document themselves with Sphinx.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]
# autodoc imports the operators, which import Airflow: a throwaway home, so no deployment's config or
# database is read and nothing is left behind.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="trackier-docs-airflow-home-")
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME

from trackier_provider import __version__  # noqa: E402

project = "airflow-provider-trackier"
author = "airflow-provider-trackier developers"
copyright = "airflow-provider-trackier developers, Apache License 2.0"
release = version = __version__

# The "[source]" pages link back only to objects documented in their own module: followed through a re-export
# (``trackier_provider.api`` re-exports ``api.model``'s classes), the back-links named anchors that do not exist.
viewcode_follow_imported_members = False

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "trackier_docs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# `make docs` builds with -n (nitpicky): every cross-reference must resolve. The documentation has no network
# (no intersphinx), so references into the standard library and Airflow are the only ones let through.
nitpick_ignore = [
    ("py:class", "timedelta"),  # written unqualified in signatures (``timedelta | float``)
    # Type aliases and type variables: documented (trackier_provider.readiness.ReadyCheck), but a signature's
    # reference to one is a class reference, which an alias (a module attribute) does not answer.
    ("py:class", "ReadyCheck"),
    ("py:obj", "trackier_provider.emulator.store.K"),
]
nitpick_ignore_regex = [
    (r"py:(class|mod|exc|func|obj|data)", r"(airflow|collections|typing|datetime|pathlib|concurrent|asyncio)(\..*)?"),
]

autodoc_default_options = {"members": True, "show-inheritance": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
# Airflow's docstrings (BaseOperator.execute, ...) would otherwise stand in for ours.
autodoc_inherit_docstrings = False

html_theme = "furo"
html_title = f"Trackier provider for Apache Airflow {release}"
html_static_path = ["_static"]
# Tables wrap their cells and literals so they fit the column (checked at 1280 px).
html_css_files = ["trackier.css"]
