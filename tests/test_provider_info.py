"""Registration: the provider metadata, its modules, and `airflow providers list` seeing the package."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from trackier_provider import __version__, get_provider_info
from trackier_provider.provider_info import DOCUMENTATION_URL
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS


def test_provider_info_shape():
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-trackier"
    assert info["versions"] == [__version__]
    (conn,) = info["connection-types"]
    assert conn["connection-type"] == "trackier"
    assert conn["hook-class-name"] == "trackier_provider.hooks.trackier.TrackierHook"
    assert conn["ui-field-behaviour"]["relabeling"] == {"host": "API base URL", "password": "API Key"}
    assert {"timeout", "max_retries", "requests_per_second", "page_size"} <= set(conn["conn-fields"])


def test_every_listed_module_and_class_imports():
    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for group in info[kind]:
            for module in group["python-modules"]:
                importlib.import_module(module)
    for dotted in [info["connection-types"][0]["hook-class-name"], *info["extra-links"]]:
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name), dotted


def test_entry_point_is_registered():
    eps = [ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("trackier_provider")]
    assert len(eps) == 1
    assert eps[0].load()()["package-name"] == "airflow-provider-trackier"


def test_airflow_providers_list_shows_the_provider():
    airflow = Path(sys.executable).with_name("airflow")
    if not airflow.exists():
        pytest.skip("no airflow command in this environment")
    out = subprocess.run(
        [str(airflow), "providers", "list", "-o", "plain"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=180,
        check=True,
    ).stdout
    assert "airflow-provider-trackier" in out


def test_admin_providers_links_to_the_documentation():
    """Admin > Providers links the package name to the installed metadata's ``Documentation`` URL."""
    if AIRFLOW_V_3_0_PLUS:
        from airflow.providers_manager import ProvidersManager

        url = ProvidersManager().providers["airflow-provider-trackier"].data["documentation-url"]
    else:
        from airflow.utils.docs import get_doc_url_for_provider

        url = get_doc_url_for_provider("airflow-provider-trackier", __version__)
    assert url == DOCUMENTATION_URL
