"""The emulator's ``drift`` fault: answers rewritten the ways a real panel may differ from the spec (a type
change, a field missing or renamed, a list sent as an object), limited like every fault."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from trackier_provider.emulator import TrackierEmulator, drift


def get(emu: TrackierEmulator, path: str, **params: Any) -> requests.Response:
    return requests.get(emu.base_url + path, params=params, headers={"X-Api-Key": emu.api_key}, timeout=10)


def test_each_change_of_a_record_field(trackier_emulator: TrackierEmulator) -> None:
    plain = get(trackier_emulator, "/v2/campaigns", limit=4).json()["campaigns"]
    for change, extra in (("as_string", {}), ("remove", {}), ("rename", {"to": "name"}), ("rename", {})):
        trackier_emulator.add_fault({"kind": "drift", "path": "/v2/campaigns", "change": change, "field": "id",
                                     "records": "campaigns", "every": 2, "times": 1, **extra})
        drifted = get(trackier_emulator, "/v2/campaigns", limit=4).json()["campaigns"]
        for index, (before, after) in enumerate(zip(plain, drifted, strict=True)):
            if index % 2:
                assert after == before
            elif change == "as_string":
                assert after["id"] == str(before["id"])
            elif change == "remove":
                assert "id" not in after and len(after) == len(before) - 1
            else:
                assert after[extra.get("to", "id_renamed")] == before["id"] and "id" not in after


def test_changes_of_the_envelope(trackier_emulator: TrackierEmulator) -> None:
    day = trackier_emulator.now().date().isoformat()
    window = {"start": f"{day} 00:00:00", "end": f"{day} 23:59:59", "limit": 100}
    trackier_emulator.add_fault([
        {"kind": "drift", "path": "/v2/network/conversions", "change": "as_string", "field": "pagination.total",
         "times": 1},
        {"kind": "drift", "path": "/v2/reports/daily", "change": "as_object", "field": "records", "times": 1},
    ])
    answer = get(trackier_emulator, "/v2/network/conversions", **window).json()
    assert isinstance(answer["pagination"]["total"], str) and int(answer["pagination"]["total"]) > 0
    records = get(trackier_emulator, "/v2/reports/daily", start=day, end=day).json()["records"]
    assert isinstance(records, dict) and list(records) == [str(i) for i in range(len(records))]
    assert isinstance(get(trackier_emulator, "/v2/reports/daily", start=day, end=day).json()["records"], list)


def test_error_answers_and_missing_fields_are_left_alone(trackier_emulator: TrackierEmulator) -> None:
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/campaigns", "change": "remove", "field": "errors"})
    missing = get(trackier_emulator, "/v2/campaigns/999")
    assert missing.status_code in (400, 404) and missing.json()["errors"]  # not a 200: not rewritten
    trackier_emulator.add_fault({"kind": "drift", "path": "/v2/categories", "change": "as_string",
                                 "field": "no.such.field"})
    assert get(trackier_emulator, "/v2/categories").json()["categories"]


@pytest.mark.parametrize(("rule", "problem"), [
    ({"change": "shuffle", "field": "id"}, '"change" must be one of'),
    ({"change": "remove"}, '"field" must be a dotted field path'),
    ({"change": "remove", "field": "id", "records": 3}, '"records" must be a dotted field path'),
    ({"change": "remove", "field": "id", "every": 0}, '"every" must be a whole number'),
])
def test_bad_rules_are_refused_over_http(trackier_emulator: TrackierEmulator, rule: dict[str, Any],
                                         problem: str) -> None:
    answer = requests.post(f"{trackier_emulator.base_url}/_emulator/faults", json={"kind": "drift", **rule},
                           timeout=10)
    assert answer.status_code == 400 and problem in answer.json()["errors"][0]["message"]
    assert requests.get(f"{trackier_emulator.base_url}/_emulator/faults", timeout=10).json() == {"faults": []}


def test_a_rule_is_listed_with_its_drift(trackier_emulator: TrackierEmulator) -> None:
    rule = {"kind": "drift", "path": "/v2/campaigns", "change": "rename", "field": "title", "records": "campaigns"}
    requests.post(f"{trackier_emulator.base_url}/_emulator/faults", json=rule, timeout=10).raise_for_status()
    [listed] = requests.get(f"{trackier_emulator.base_url}/_emulator/faults", timeout=10).json()["faults"]
    assert listed["drift"] == {"change": "rename", "field": "title", "records": "campaigns", "every": 1,
                               "to": "title_renamed"}


def test_a_body_that_is_not_a_json_object_is_returned_as_it_is() -> None:
    rule = drift.parse({"change": "remove", "field": "id"})
    for body in (b"<html>502</html>", b"[1, 2]", b""):
        assert drift.apply(rule, body) == body
    assert drift.apply(rule, b'{"id": 1, "name": "x"}') == b'{"name":"x"}'
