"""Drifted answers: the emulator answering the way a real panel may differ from Trackier's spec.

A ``drift`` fault rule (``emu.add_fault({"kind": "drift", ...})``, limited like every fault by ``method``,
``path``, ``skip`` and ``times``) rewrites the JSON of the successful answers it matches:

- ``"change": "as_string"``: the field's value sent as its JSON text (``8.28`` -> ``"8.28"``): a type change;
- ``"change": "remove"``: the field left out (a required field missing);
- ``"change": "rename"``: the field sent under another name (``"to"``, default ``<field>_renamed``);
- ``"change": "as_object"``: a list sent as an object keyed by position (``[a, b]`` -> ``{"0": a, "1": b}``).

``field`` is a dotted path. With ``records`` (the dotted path of the answer's list, e.g. ``conversions``) the
change is made inside every ``every``-th record of that list (default 1: every record), otherwise in the
answer itself (its envelope), e.g. ``{"change": "as_string", "field": "pagination.total"}``.
"""

from __future__ import annotations

import json
from typing import Any

from trackier_provider.emulator.errors import validation_error

CHANGES = ("as_string", "remove", "rename", "as_object")
#: The fields a drift rule takes besides the common ones of every fault rule.
FIELDS = ("change", "field", "records", "every", "to")


def parse(spec: dict[str, Any]) -> dict[str, Any]:
    """The drift settings of a fault rule, checked (a 107 error naming the bad field)."""
    change = spec.get("change")
    if change not in CHANGES:
        raise validation_error(f'"change" must be one of [{", ".join(CHANGES)}]')
    fields = {"field": spec.get("field"), "records": spec.get("records"), "to": spec.get("to")}
    for name, value in fields.items():
        if (value is not None or name == "field") and (not isinstance(value, str) or not value.strip(". ")):
            raise validation_error(f'"{name}" must be a dotted field path such as "pagination.total"')
    every = spec.get("every", 1)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        raise validation_error('"every" must be a whole number >= 1')
    to = fields["to"] or f"{str(fields['field']).rsplit('.', 1)[-1]}_renamed"
    return {"change": change, "field": fields["field"], "records": fields["records"], "every": every, "to": to}


def _change(target: Any, drift: dict[str, Any]) -> None:
    *parents, name = drift["field"].split(".")
    for part in parents:
        target = target.get(part) if isinstance(target, dict) else None
    if not isinstance(target, dict) or name not in target:
        return
    value = target[name]
    if drift["change"] == "as_string" and not isinstance(value, str):
        target[name] = json.dumps(value, ensure_ascii=False)
    elif drift["change"] == "remove":
        del target[name]
    elif drift["change"] == "rename":
        target[drift["to"]] = target.pop(name)
    elif drift["change"] == "as_object" and isinstance(value, list):
        target[name] = {str(index): item for index, item in enumerate(value)}


def apply(drift: dict[str, Any], body: bytes) -> bytes:
    """``body`` (a JSON answer) with the drift made; a body that is not a JSON object is returned as it is."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, dict):
        return body
    if drift["records"] is None:
        _change(answer, drift)
    else:
        records: Any = answer
        for part in drift["records"].split("."):
            records = records.get(part) if isinstance(records, dict) else None
        for index, record in enumerate(records if isinstance(records, list) else []):
            if index % drift["every"] == 0:
                _change(record, drift)
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode()
