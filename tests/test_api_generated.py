"""The generated typed API and the catalogue reference are what ``scripts/generate_api.py`` writes today."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType

from tests.conftest import REPO_ROOT
from trackier_provider.api import OPERATIONS
from trackier_provider.api.generated import TrackierApi


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_api", REPO_ROOT / "scripts" / "generate_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_current() -> None:
    generator = _generator()
    stale = [str(Path(p).relative_to(REPO_ROOT)) for p in generator.stale()]
    assert stale == [], f"run python scripts/generate_api.py (stale: {stale})"


def test_the_check_names_a_stale_file(tmp_path, monkeypatch, capsys) -> None:
    generator = _generator()
    copy = tmp_path / "api-catalogue.md"
    copy.write_text("# edited by hand\n")
    monkeypatch.setattr(generator, "OUTPUTS", {copy: generator.render_docs})
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    assert generator.main(["--check"]) == 1
    assert "api-catalogue.md is stale" in capsys.readouterr().err


def _method(name: str):
    node: object = TrackierApi
    *resources, action = name.split(".")
    for part in resources:
        node = inspect.signature(getattr(node, part).fget).return_annotation
        node = getattr(__import__("trackier_provider.api.generated", fromlist=[node]), node)
    return getattr(node, action)


def test_every_operation_has_a_typed_method_with_its_ids_as_keywords() -> None:
    for name, operation in OPERATIONS.items():
        parameters = inspect.signature(_method(name)).parameters
        keywords = {p for p, value in parameters.items() if value.kind is inspect.Parameter.KEYWORD_ONLY}
        assert {p.arg for p in operation.path_params} <= keywords, name
        assert ("data" in keywords) == (operation.body is not None), name
        assert all(parameters[p.arg].default is inspect.Parameter.empty for p in operation.path_params), name
