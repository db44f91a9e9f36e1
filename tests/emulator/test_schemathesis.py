"""Schemathesis over Trackier's official spec against the emulator: a fuzzer cannot fault it.

Every operation of the spec gets generated requests (fixed seed, a bounded number each) sent to the emulator on
loopback with the API key. Each answer must be:

* no server error (5xx) and no timeout;
* of a status the operation documents, or an error status where the operation documents no error at all,
  then in Trackier's error envelope;
* valid against the spec's schema for its status, unless the spec itself prevents it: the defects are the
  contract test's (``SPEC_DEFECTS``, ``ERROR_DEFECTS``, its fixes and path aliases), reused, not repeated.

Unknown methods on every documented path answer 405 with an ``Allow`` header naming the documented ones.
The summary (cases, statuses, failures) is printed; run with ``-s`` to see it.
"""

from __future__ import annotations

import collections
import json
from typing import Any

import pytest
import requests

from tests.emulator.conftest import Api
from tests.emulator.test_contract import (
    ERROR_DEFECTS,
    ERRORS,
    SPEC_DEFECTS,
    SPEC_FILE,
    SPEC_PATH_ALIASES,
    UNDOCUMENTED_STATUSES,
    load_spec,
    response_schema,
    violations,
)
from trackier_provider.api import OPERATIONS

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")
hypothesis = pytest.importorskip("hypothesis")

pytestmark = pytest.mark.skipif(
    not SPEC_FILE.exists(),
    reason=f"Trackier's OpenAPI spec not found at {SPEC_FILE} (set TRACKIER_API_SPEC_DIR to run the fuzz test)",
)

SEED = 20261204
EXAMPLES = 10  # generated requests per operation: about 1,550 in all, 2-3 minutes on 2 busy cores
TIMEOUT = 20.0  # seconds an answer may take before it counts as a timeout
SPEC_PATHS = {alias: path for path, alias in SPEC_PATH_ALIASES.items()}
OPERATION_OF = {(op.method, op.path): name for name, op in OPERATIONS.items()}
#: Operations whose documented error answers cannot conform (the contract test's error defects, by operation).
ERROR_DEFECT_OPERATIONS = {case.operation for case in ERRORS if case.name in ERROR_DEFECTS}


def _is_envelope(body: Any) -> bool:
    """True for Trackier's error envelope, any variant: ``errors`` as a list of items or one item."""
    errors = body.get("errors") if isinstance(body, dict) else None
    items = errors if isinstance(errors, list) else [errors]
    return bool(items) and all(isinstance(i, dict) and {"statusCode", "code", "message"} <= set(i) for i in items)


def problems_of(method: str, spec_path: str, status: int, text: str) -> list[str]:
    """Everything wrong with one answer (see the module docstring); empty when it is right."""
    path = SPEC_PATHS.get(spec_path, spec_path)
    name = OPERATION_OF.get((method, path), f"{method} {path}")
    if status >= 500:
        return [f"server error {status}"]
    documented = {int(code) for code in load_spec()["paths"][spec_path][method.lower()].get("responses", {})
                  if str(code).isdigit()}
    try:
        body = json.loads(text)
    except ValueError:
        return [f"{status} answer is not JSON"]
    if status not in documented and (name, status) not in UNDOCUMENTED_STATUSES:
        if status < 400 or any(code >= 400 for code in documented):
            return [f"undocumented status {status} (documented: {sorted(documented)})"]
        return [] if _is_envelope(body) else [f"undocumented error {status} not in Trackier's error envelope"]
    if status not in documented:
        return [] if _is_envelope(body) else [f"error {status} not in Trackier's error envelope"]
    schema = response_schema(method, path, status)
    if schema is None or name in SPEC_DEFECTS or (status >= 400 and name in ERROR_DEFECT_OPERATIONS):
        return []
    return violations(schema, body)[:1]


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_dict(load_spec())


def _generated(operation: Any, call: Any) -> Any:
    """A Hypothesis test sending :data:`EXAMPLES` generated cases of ``operation`` to ``call`` (fixed seed; a
    bad answer is recorded by ``call``, not raised, so nothing is shrunk)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def send(case: Any) -> None:
        call(case)

    return send


def test_fuzzed_requests_never_fault_the_emulator(api: Api, schema: Any) -> None:
    base, key = api.emulator.base_url, api.emulator.api_key
    session = requests.Session()
    statuses: collections.Counter[int] = collections.Counter()
    failures: dict[str, list[str]] = collections.defaultdict(list)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        label = f"{operation.method.upper()} {operation.path}"

        def call(case: Any, operation: Any = operation, label: str = label) -> None:
            try:
                response = case.call(base_url=base, session=session, headers={"X-Api-Key": key}, timeout=TIMEOUT)
            except requests.Timeout:
                failures[label].append(f"timeout after {TIMEOUT:g} s: {case.as_curl_command()}")
                return
            statuses[response.status_code] += 1
            for problem in problems_of(operation.method.upper(), operation.path, response.status_code,
                                       response.text):
                failures[label].append(f"{problem}: {case.as_curl_command()}")

        send = _generated(operation, call)
        send()
        api.emulator.reset()  # every operation starts from the seeded state
    cases = sum(statuses.values())
    print(f"\nschemathesis {schemathesis.__version__}: {operations} operations, {cases} cases, seed {SEED}, "
          f"statuses {dict(sorted(statuses.items()))}, {sum(map(len, failures.values()))} failures")
    for label, found in sorted(failures.items()):
        print(f"  {label}: {len(found)}x {found[0][:400]}")
    assert operations == len(OPERATIONS)
    assert not failures, f"{len(failures)} operations answered wrongly (summary above)"


def test_unknown_methods_on_documented_paths_answer_405_with_allow(api: Api) -> None:
    for spec_path, item in load_spec()["paths"].items():
        path = SPEC_PATHS.get(spec_path, spec_path)
        documented = {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
        concrete = path.replace("{", "").replace("}", "")  # every placeholder filled with its own name
        response = api.request("TRACE", concrete)
        assert response.status_code == 405, (path, response.text)
        assert documented <= set(response.headers["Allow"].split(", ")), (path, response.headers["Allow"])
        assert _is_envelope(response.json())
