"""The distributions users install: wheel and sdist built from this tree with ``python -m build``.

The sdist is built first and the wheel from the unpacked sdist (build's default), so a file missing from the
sdist breaks the wheel too. Built without isolation (setuptools comes from the dev extra): no download.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from email import message_from_string
from email.message import Message
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.spec import SPEC_DIR
from trackier_provider import __version__
from trackier_provider.provider_info import DOCUMENTATION_URL

DIST = f"airflow_provider_trackier-{__version__}"


def tree_files(folder: str) -> set[str]:
    """Files under ``folder`` of the work tree, as the sdist would hold them (no caches, no bytecode)."""
    return {
        p.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    }


def clean_env() -> dict[str, str]:
    """This environment without the test session's Airflow and Trackier settings.

    The spec's location is kept, pointed at the one this tree uses: an unpacked sdist has no ``../shared``
    beside it, and its spec-driven tests must be collected (and parametrized) the same as the tree's.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TRACKIER", "PYTEST"))}
    env["TRACKIER_API_SPEC_DIR"] = str(SPEC_DIR)
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def metadata(dists: dict[str, Path]) -> Message:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        return message_from_string(wheel.read(f"{DIST}.dist-info/METADATA").decode())


def test_twine_check_passes(dists: dict[str, Path]) -> None:
    twine = Path(sys.executable).with_name("twine")
    result = subprocess.run(
        [str(twine), "check", "--strict", str(dists["wheel"]), str(dists["sdist"])],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_wheel_holds_the_package_license_and_no_tests(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
    package = {n for n in names if not n.startswith(f"{DIST}.dist-info/")}
    assert package == tree_files("trackier_provider")
    assert f"{DIST}.dist-info/licenses/LICENSE" in names
    entry_points = zipfile.ZipFile(dists["wheel"]).read(f"{DIST}.dist-info/entry_points.txt").decode()
    assert "[apache_airflow_provider]" in entry_points
    assert "pytest11" not in entry_points  # the pytest plugin is opt-in


def test_metadata_license_urls_and_classifiers(metadata: Message) -> None:
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL"))
    assert {"Documentation", "Source", "Changelog", "Issues"} <= set(urls)
    assert urls["Documentation"] == DOCUMENTATION_URL
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = set(metadata.get_all("Classifier"))
    assert "Development Status :: 4 - Beta" in classifiers
    assert "Framework :: Apache Airflow :: Provider" in classifiers
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)} <= classifiers
    assert set(metadata.get_all("Provides-Extra")) >= {"openlineage", "docs", "dev"}


def test_license_is_the_apache_2_text() -> None:
    text = (REPO_ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text


def test_sdist_holds_the_test_suite_and_what_it_runs(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        root = f"airflow_provider_trackier-{__version__}/"
        names = {m.name.removeprefix(root) for m in sdist.getmembers() if m.isfile()}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", ".airflowignore", "Makefile"} <= names
    for folder in ("tests", "dags_examples", "trackier_provider", "docs"):
        assert {n for n in names if n.startswith(f"{folder}/")} == tree_files(folder), folder
    assert not any("__pycache__" in n for n in names)


def _collect(cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_suite_runs_from_the_unpacked_sdist(dists: dict[str, Path], tmp_path: Path) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        sdist.extractall(tmp_path, filter="data")
    unpacked = tmp_path / f"airflow_provider_trackier-{__version__}"
    shipped = {p.relative_to(unpacked).as_posix() for p in (unpacked / "tests").rglob("test_*.py")}
    # Same tests from the sdist as from the tree (test files added to the tree after the build aside).
    from_tree = [test for test in _collect(REPO_ROOT) if test.split("::")[0] in shipped]
    assert _collect(unpacked) == from_tree
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_windows.py"],
        cwd=unpacked, env=clean_env(), capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0 and re.search(r"\d+ passed", result.stdout), result.stdout[-3000:]


def test_readme_links_are_absolute() -> None:
    """PyPI renders the README without the repository around it: a relative link is dead there."""
    targets = re.findall(r"\]\(([^)\s]+)\)", (REPO_ROOT / "README.md").read_text())
    assert targets
    assert [t for t in targets if not t.startswith("https://")] == []
