"""Sphinx directives that read their facts from the code, so the docs cannot drift from it.

- ``trackier-connection-fields``: the connection form, straight from ``provider_info`` (the same dictionaries
  Airflow reads).
- ``trackier-sensor-defaults``: the report sensor's timing defaults, read from its signature.
"""

from __future__ import annotations

import inspect
from datetime import timedelta
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
            _row("port", "Port", "the URL's", "Optional; must agree with the URL. Store it (443 for "
                 "https) for Airflow 3.3.2's Test button."),
        ]
        for name, spec in CONN_FIELDS.items():
            schema: dict[str, Any] = spec["schema"]
            default = schema.get("default")
            shown = str(default) if default is not None else f"none (e.g. {placeholders.get(name, '-')})"
            rows.append(_row(f"extra {name}", spec["label"], shown, spec["description"]))
        hidden = ", ".join(UI_FIELD_BEHAVIOUR["hidden_fields"])
        rows.append(_row(hidden, "(hidden)", "-", "Unused by the form: the host holds the whole URL."))

        table = nodes.table()
        group = nodes.tgroup(cols=4)
        table += group
        for width in (25, 16, 19, 40):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row("stored in", "form label", "default", "meaning")
        group += head
        body = nodes.tbody()
        body.extend(rows)
        group += body
        return [table]


def _duration(seconds: float) -> str:
    """``600`` -> ``600 s (10 minutes)``."""
    minutes, rest = divmod(int(seconds), 60)
    if rest or not minutes:
        return f"{seconds:g} s"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{seconds:g} s ({hours} hour{'s' if hours != 1 else ''})"
    return f"{seconds:g} s ({minutes} minute{'s' if minutes != 1 else ''})"


#: What each of the report sensor's readiness and timing arguments means.
SENSOR_ARGUMENTS = {
    "min_rows": "the report must have at least this many rows",
    "settle_polls": "consecutive polls whose totals must be the same",
    "settle_period": "time those polls must span",
    "poke_interval": "time between polls (also the trigger's, when deferred)",
}


class SensorDefaults(Directive):
    """A table of ``TrackierReportSensor``'s readiness and timing defaults, read from its signature."""

    def run(self) -> list[nodes.Node]:
        from trackier_provider.sensors.report import TrackierReportSensor

        parameters = inspect.signature(TrackierReportSensor.__init__).parameters
        rows = []
        for name, meaning in SENSOR_ARGUMENTS.items():
            default = parameters[name].default
            if isinstance(default, timedelta):
                default = default.total_seconds()
            shown = _duration(default) if name in ("settle_period", "poke_interval") else str(default)
            rows.append(_row(name, shown, meaning))
        table = nodes.table()
        group = nodes.tgroup(cols=3)
        table += group
        for width in (20, 25, 55):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row("argument", "default", "meaning")
        group += head
        body = nodes.tbody()
        body.extend(rows)
        group += body
        return [table]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("trackier-connection-fields", ConnectionFields)
    app.add_directive("trackier-sensor-defaults", SensorDefaults)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
