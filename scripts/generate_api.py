"""Write the typed API and its reference from the catalogue (``trackier_provider.api.catalogue``).

- ``trackier_provider/api/generated.py``: ``TrackierHook.api.<resource>.<action>(...)`` for every operation,
  with keyword parameters an IDE and mypy can see;
- ``docs/api-catalogue.md``: one section per resource, one block per operation (method, path, parameters,
  answer, natural key).

Run ``python scripts/generate_api.py`` after changing the catalogue; ``--check`` exits 1 (naming the stale
files) instead of writing. ``tests/test_api_generated.py`` runs the check.
"""

from __future__ import annotations

import argparse
import keyword
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from trackier_provider.api import MODELS, OPERATIONS, Operation, Param

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "trackier_provider" / "api" / "generated.py"
DOCS = ROOT / "docs" / "api-catalogue.md"
HINTS = {
    "integer": "int", "number": "float", "string": "str", "boolean": "bool", "date": "str | dt.date",
    "id": "int | str", "array": "Sequence[int | str]", "object": "Mapping[str, Any]",
}
RESERVED = {"data", "page_size", "self"}


def class_name(resource: str) -> str:
    """``campaigns.caps`` -> ``CampaignsCaps``."""
    return "".join(part.title().replace("_", "") for part in resource.split("."))


def typed_params(operation: Operation) -> list[Param]:
    """The query and header parameters a typed method takes: paging position and page size are the
    iterator's."""
    skip = {"limit", "hasNextPage", operation.pages.cursor_param} if operation.pages is not None else set()
    params = [p for p in (*operation.query, *operation.headers) if p.name not in skip]
    for param in [*operation.path_params, *params]:
        if not param.arg.isidentifier() or keyword.iskeyword(param.arg) or param.arg in RESERVED:
            raise ValueError(f"{operation.name}: {param.arg!r} cannot be a keyword parameter")
    return params


def signature(operation: Operation) -> tuple[list[str], list[str]]:
    """The keyword parameters of a typed method (required first) and the query dict items it passes."""
    required = [f"{p.arg}: int | str" for p in operation.path_params]
    optional: list[str] = []
    query: list[str] = []
    for param in typed_params(operation):
        hint = HINTS[param.type]
        (required if param.required else optional).append(
            f"{param.arg}: {hint}" if param.required else f"{param.arg}: {hint} | None = None"
        )
        query.append(f'"{param.arg}": {param.arg}')
    if operation.body is not None:
        if MODELS[operation.body].required:
            required.append("data: Mapping[str, Any]")
        else:
            optional.append("data: Mapping[str, Any] | None = None")
    if operation.pages is not None and operation.param("limit") is not None:
        optional.append("page_size: int | None = None")
    return required + optional, query


def docstring(operation: Operation) -> list[str]:
    """``METHOD path``, then what the method sends and returns."""
    headers = [p.arg for p in operation.headers]
    sent = f" (``{'``, ``'.join(headers)}`` is sent as a header)" if headers else ""
    if operation.content == "multipart":
        files = list(MODELS[operation.body or ""].files)
        what = f"Sends its ``{operation.body}`` body as multipart/form-data; returns the decoded answer."
        if files:
            what += f"\n        ``{'``, ``'.join(files)}`` in ``data``: a local file's path or its bytes."
    elif operation.records_at:
        paging = f", every page ({operation.paging} paging)" if operation.pages else ""
        what = f"Returns an iterator over every record (``{operation.records_at}``){paging}."
    else:
        body = f"Sends a ``{operation.body}`` body; returns" if operation.body else "Returns"
        what = f"{body} the decoded answer{sent}."
    return [f'        """``{operation.method} {operation.path}``.', "", f"        {what}", '        """']


def method(operation: Operation) -> list[str]:
    """One typed method (``ruff format`` lays it out)."""
    params, query = signature(operation)
    returns = "Iterator[Any]" if operation.records_at else "Any"
    keywords = f", *, {', '.join(params)}" if params else ""
    ids = "{" + ", ".join(f'"{p.arg}": {p.arg}' for p in operation.path_params) + "}"
    args = [f'"{operation.name}"', ids, "{" + ", ".join(query) + "}"]
    if operation.body is not None:
        args.append("data")
    if any(p.startswith("page_size") for p in params):
        args.append("page_size=page_size")
    return [f"    def {operation.action}(self{keywords}) -> {returns}:", *docstring(operation),
            f"        return self._client.call({', '.join(args)})"]


def render_module() -> str:
    """The source of ``trackier_provider/api/generated.py``."""
    actions: dict[str, list[Operation]] = defaultdict(list)
    children: dict[str, set[str]] = defaultdict(set)
    for operation in OPERATIONS.values():
        actions[operation.resource].append(operation)
        parts = operation.resource.split(".")
        for depth in range(len(parts)):
            children[".".join(parts[:depth])].add(".".join(parts[: depth + 1]))
    lines = [
        '"""Typed calls for every operation of the catalogue: ``TrackierHook.api.<resource>.<action>(...)``.',
        "",
        "Generated by ``scripts/generate_api.py`` from ``trackier_provider.api.catalogue``: do not edit by hand",
        "(``tests/test_api_generated.py`` fails when this file is stale). Ids are checked path segments, query",
        "parameters and bodies are checked against the catalogue before any request (``TrackierConfigError``);",
        "a list operation returns a lazy iterator over all its records, any other the decoded answer.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import datetime as dt",
        "from collections.abc import Iterator, Mapping, Sequence",
        "from typing import Any",
        "",
        "from trackier_provider.api.client import ApiClient, Caller, Resource",
    ]
    resources = sorted(set(actions) | {r for rs in children.values() for r in rs}, key=lambda r: (-r.count("."), r))
    for resource in [*resources, ""]:
        name = class_name(resource) if resource else "TrackierApi"
        doc = f"Operations on ``{resource}``." if resource else "Every operation of Trackier's Admin API, by resource."
        lines += ["", "", f"class {name}(Resource):", f'    """{doc}"""']
        if not resource:
            lines += ["", "    def __init__(self, hook: Caller) -> None:",
                      "        super().__init__(ApiClient(hook))"]
        for child in sorted(children.get(resource, ())):
            attribute = child.rpartition(".")[2]
            lines += ["", "    @property", f"    def {attribute}(self) -> {class_name(child)}:",
                      f'        """``{child}``."""', f"        return {class_name(child)}(self._client)"]
        for operation in sorted(actions.get(resource, []), key=lambda o: o.action):
            lines += ["", *method(operation)]
    return formatted("\n".join(lines) + "\n")


def formatted(source: str) -> str:
    """``source`` laid out by ``ruff format`` (a dev dependency), so the generated module reads like the rest."""
    from ruff.__main__ import find_ruff_bin

    done = subprocess.run(
        [find_ruff_bin(), "format", "--line-length", "120", "--stdin-filename", str(MODULE), "-"],
        input=source, capture_output=True, text=True, check=True,
    )
    return done.stdout


def parameters_cell(operation: Operation) -> str:
    cells = [f"`{p.arg}` (path `{p.name}`)" if p.arg != p.name else f"`{p.arg}` (path)" for p in operation.path_params]
    for param in operation.query:
        flags = ["required"] if param.required else []
        if not param.documented:
            flags.append("not in the spec")
        if param.choices:
            flags.append("one of " + ", ".join(f"`{c}`" for c in param.choices[:6]) + (
                ", ..." if len(param.choices) > 6 else ""))
        extra = f", {'; '.join(flags)}" if flags else ""
        cells.append(f"`{param.name}` ({param.type}{extra})")
    cells += [f"`{param.name}` (header, {param.type})" for param in operation.headers]
    if operation.body:
        model = MODELS[operation.body]
        notes = [f"requires {', '.join(model.required)}"] if model.required else []
        if operation.content == "multipart":
            notes.append("multipart")
            notes += [f"file `{name}`: {', '.join(f.extension for f in kinds)}" for name, kinds in model.files.items()]
        cells.append(f"body `{operation.body}`" + (f" ({'; '.join(notes)})" if notes else ""))
    return "; ".join(cells) or "none"


def answer_cell(operation: Operation) -> str:
    if operation.records_at:
        return f"records `{operation.records_at}`" + (f", {operation.paging} paging" if operation.pages else "")
    return f"`{operation.result}`" if operation.result else "the whole answer"


def render_docs() -> str:
    """The source of ``docs/api-catalogue.md``."""
    by_top: dict[str, list[Operation]] = defaultdict(list)
    for operation in OPERATIONS.values():
        by_top[operation.name.split(".")[0]].append(operation)
    lines = [
        "# The Admin API catalogue",
        "",
        "Generated by `scripts/generate_api.py` from `trackier_provider.api.catalogue` (do not edit by hand).",
        f"{len(OPERATIONS)} operations. Call any of them as `hook.api.<operation>(...)` from a `TrackierHook`",
        "(path ids and query parameters as keyword arguments, the body as `data=`), or by name with",
        '`TrackierOperator(operation="...", path_params={...}, query={...}, data={...})`. Query parameters are',
        "spelled as Trackier spells them (the typed methods take them in snake case); a header parameter is",
        "given with them and sent as a header. A multipart body's file is a local file's path or its bytes,",
        "recognised by its content. A list operation yields its records, all pages; *natural key*: what",
        "create-if-absent compares before creating.",
    ]
    # One block per operation, not a wide table: the parameters, the answer and the natural key stay in the
    # page's column at any screen width.
    for top in sorted(by_top):
        lines += ["", f"## {top}"]
        for operation in sorted(by_top[top], key=lambda o: o.name):
            key = operation.natural_key
            lines += ["", f"### `{operation.name}`", "", f"`{operation.method} {operation.path}`", "",
                      f"- parameters: {parameters_cell(operation)}", f"- answer: {answer_cell(operation)}"]
            if key:
                lines.append(f"- natural key: {', '.join(key.fields)} (via `{key.lookup}`)")
    return "\n".join(lines) + "\n"


OUTPUTS = {MODULE: render_module, DOCS: render_docs}


def stale() -> list[Path]:
    """The generated files that differ from what the catalogue gives now."""
    return [path for path, render in OUTPUTS.items() if not path.exists() or path.read_text() != render()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for path in old:
            print(f"{path.relative_to(ROOT)} is stale: run python scripts/generate_api.py", file=sys.stderr)
        return 1 if old else 0
    for path, render in OUTPUTS.items():
        path.write_text(render())
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
