"""The emulator checks itself with the provider's schemas: every answer the provider can ask of it validates.

Each operation with an answer schema is called the valid way the contract test's recipe says (creating what
it needs first, over HTTP), and its envelope and every record are validated with the shipped schemas, the
compiled checks and ``jsonschema`` alike; every page of every list the provider pages through is validated
too (``tests/test_schemas_validation.py``), so the last page of a list is covered.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Api
from tests.emulator.test_contract import answer
from trackier_provider.emulator import TrackierEmulator
from trackier_provider.hooks.pagination import dig
from trackier_provider.schemas import AnswerSchema, answer_schema, answer_schemas

#: Lists the contract recipes leave empty, filled first so their records are validated too.
FILL = {"advertisers.caps.list": ("/v2/advertisers/1/caps", {"type": "conversions", "daily": 3, "geo": ["US"]})}


def emulator_answers(emulator: TrackierEmulator) -> dict[str, Any]:
    """One successful answer of the emulator to every operation with an answer schema, by operation name."""
    api = Api(emulator)
    answers = {}
    for name in sorted(answer_schemas()):
        emulator.reset()
        if name in FILL:
            path, body = FILL[name]
            assert api.post(path, json=body).status_code == 200
        status, body = answer(api, name)
        assert status == 200, (name, body)
        answers[name] = body
    emulator.reset()
    return answers


def problems(schema: AnswerSchema, body: Any) -> list[str]:
    """Every way ``body`` breaks its answer schema, by both the compiled checks and ``jsonschema``."""
    found = [f"envelope: {e.message}" for e in schema.envelope.errors(body)]
    if not schema.envelope.is_valid(body):
        found.append("envelope: the compiled check says invalid")
    if schema.records is not None:
        assert schema.record is not None
        records = dig(body, schema.records)
        assert isinstance(records, list) and records, f"{schema.operation}: no records to validate"
        for index, record in enumerate(records):
            found += [f"record {index}: {e.message}" for e in schema.record.errors(record)]
            if not schema.record.is_valid(record):
                found.append(f"record {index}: the compiled check says invalid")
    return found


def test_every_answer_of_the_emulator_validates(trackier_emulator: TrackierEmulator) -> None:
    answers = emulator_answers(trackier_emulator)
    assert set(answers) == set(answer_schemas())
    for name, body in answers.items():
        assert problems(answer_schema(name), body) == [], name
