"""The documentation's own checks: the internal link checker ``make docs`` runs, and the catalogue's layout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"


def _checker():
    spec = importlib.util.spec_from_file_location("check_links", DOCS / "check_links.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _site(root: Path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"<html><body>{body}</body></html>")
    return root


def test_link_checker_finds_missing_pages_and_anchors(tmp_path: Path) -> None:
    site = _site(tmp_path, {
        "index.html": '<a href="guide.html#setup">ok</a> <a href="guide.html#gone">anchor</a> '
                      '<a href="time.html">page</a> <a href="https://example.com/x.html">outside</a> '
                      '<a href="#top">self</a> <p id="top"></p> <a href="ref/">dir</a>',
        "guide.html": '<h2 id="setup">Setup</h2><a href="index.html">back</a>',
        "ref/index.html": '<a href="../_modules/m.html#L1">source</a>',
        "_modules/m.html": '<span name="L1"></span>',
    })
    assert _checker().broken_links(site) == [
        "index.html: guide.html#gone (no anchor #gone in guide.html)",
        "index.html: time.html (no such file)",
    ]


def test_link_checker_exit_status(tmp_path: Path, capsys) -> None:
    checker = _checker()
    good = _site(tmp_path / "good", {"index.html": '<a href="#a">a</a><p id="a"></p>'})
    assert checker.main([str(good)]) == 0
    bad = _site(tmp_path / "bad", {"index.html": '<a href="nowhere.html">x</a>'})
    assert checker.main([str(bad)]) == 1
    assert "index.html: nowhere.html (no such file)" in capsys.readouterr().err
    assert checker.main([str(tmp_path / "unbuilt")]) == 2


def test_the_catalogue_has_no_wide_tables() -> None:
    """One block per operation: a table of six columns did not fit the page's column at any screen width."""
    catalogue = (DOCS / "api-catalogue.md").read_text()
    assert "| --- |" not in catalogue and "|---|" not in catalogue
    assert catalogue.count("\n### `") > 100  # a heading (and anchor) per operation


def test_recipes_and_configuration_are_in_the_docs() -> None:
    index = (DOCS / "index.md").read_text()
    assert "\nrecipes\n" in index
    configuration = (DOCS / "configuration.md").read_text()
    assert 'make airflow-cli ARGS="connections test trackier_default"' in configuration
    assert "fernet.key" in configuration and "update_mask=port" in configuration
    for page in [*DOCS.glob("*.md"), REPO_ROOT / "README.md"]:
        text = page.read_text()
        assert "{{ ds }}" not in text and "{{ds}}" not in text, page


def test_the_sensor_guide_states_the_sensors_defaults() -> None:
    """docs/sensors.md names the report sensor's defaults in words; recipes.md has the table read from the code."""
    import inspect

    from trackier_provider.sensors.report import TrackierReportSensor

    defaults = {name: p.default for name, p in inspect.signature(TrackierReportSensor.__init__).parameters.items()}
    assert (defaults["min_rows"], defaults["settle_polls"]) == (1, 3)
    assert (defaults["settle_period"], defaults["poke_interval"]) == (600, 300)
    guide = " ".join((DOCS / "sensors.md").read_text().split())
    assert ("at least one row and totals unchanged over 3 polls spanning 10 minutes, polling every 5 minutes"
            in guide)
    assert "```{trackier-sensor-defaults}" in (DOCS / "recipes.md").read_text()
