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

autodoc_default_options = {"members": True, "show-inheritance": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
# Airflow's docstrings (BaseOperator.execute, ...) would otherwise stand in for ours.
autodoc_inherit_docstrings = False

html_theme = "furo"
html_title = f"Trackier provider for Apache Airflow {release}"
html_static_path: list[str] = []
