"""Sphinx directive ``trackier-connection-fields``: the connection form, straight from ``provider_info``.

The table in the configuration reference is built from the same dictionaries Airflow reads, so the docs
cannot drift from the form.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive

from trackier_provider.provider_info import CONN_FIELDS, DEFAULT_BASE_URL, UI_FIELD_BEHAVIOUR


def _row(*cells: str) -> nodes.row:
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=text)
        row += entry
    return row


class ConnectionFields(Directive):
    """A table of every connection field: where it is stored, its label, default and meaning."""

    def run(self) -> list[nodes.Node]:
        relabel: dict[str, str] = UI_FIELD_BEHAVIOUR["relabeling"]
        placeholders: dict[str, str] = UI_FIELD_BEHAVIOUR["placeholders"]
        rows = [
            _row("host", relabel["host"], f"{DEFAULT_BASE_URL} when empty", "The API's base URL."),
            _row("password", relabel["password"], "(required)", "Sent only as the X-Api-Key header."),
            _row("port", "(hidden)", "the URL's", "Optional, for connections defined outside the form."),
        ]
        for name, spec in CONN_FIELDS.items():
            schema: dict[str, Any] = spec["schema"]
            default = schema.get("default")
            shown = str(default) if default is not None else f"none (e.g. {placeholders.get(name, '-')})"
            rows.append(_row(f"extra {name}", spec["label"], shown, spec["description"]))
        hidden = ", ".join(f for f in UI_FIELD_BEHAVIOUR["hidden_fields"] if f != "port")
        rows.append(_row(hidden, "(hidden)", "-", "Unused by the form: the host holds the whole URL."))

        table = nodes.table()
        group = nodes.tgroup(cols=4)
        table += group
        for width in (18, 18, 24, 40):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row("stored in", "form label", "default", "meaning")
        group += head
        body = nodes.tbody()
        body.extend(rows)
        group += body
        return [table]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("trackier-connection-fields", ConnectionFields)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
