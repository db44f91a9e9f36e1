"""Trackier's own documented answers are ground truth: every example answer in the spec passes through the provider.

The corpus is read from Trackier's OpenAPI spec at test time (``<repo>/../shared/trackier-api/`` or
``$TRACKIER_API_SPEC_DIR``; nothing of it is copied into the project): every example of a 2xx JSON answer,
mapped to its catalogue operation by method and path (``trackier_provider.emulator.examples``). Each one is
served over HTTP by the emulator (the ``example`` fault) and read by the provider the way a real answer is:
``hook.api.<resource>.<action>(...)`` with ``validate_responses="fail"`` (envelope decode, paging and its
integrity checks, records, schema check), and for list operations with a typed fetch operator, an export
through that operator too. A success delivers exactly the example's records (or answer).

Spec defects are data, each with its reason and the provider's decision, in one place per kind of operation:
``x-spec-defects`` entries naming the ``example`` (its name in the spec) in the provider's answer schema
(``coupons.list``), and for
operations without a provider schema the emulator's list of spec defects (``tests/emulator/test_contract.py``,
``fraud_rules.list``). Each defect is checked to still be in the spec, and to make the provider refuse the
answer loudly (never deliver it silently as something else).

Paging (issue 26, point 3): the examples of ``incent_offers.list`` and ``impressions.list`` leave out the total
the catalogue says those endpoints announce (``Pages.total``), so the provider must read them by the fallback
rule (until a short or empty page, ids checked for duplicates). NEEDED in the catalogue (lead/paging): a flag
on ``Pages`` meaning "the announced total may be missing" (e.g. ``total_optional=True``) set for exactly the
operations of ``TOTAL_MAY_BE_MISSING`` below, which ``hooks.pagination`` reads to fall back instead of failing.
Until it exists those tests are ``xfail(strict=True)``; they pass once it does (strict: drop the mark then).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import connection_json
from tests.emulator.test_contract import SPEC_DEFECTS, SPEC_FILE
from tests.operators.conftest import INTERVAL_END, INTERVAL_START, RecordingTI
from trackier_provider.api.catalogue import MODELS, OPERATIONS
from trackier_provider.api.model import Operation, Param
from trackier_provider.emulator.examples import Example, spec_examples
from trackier_provider.exceptions import TrackierPaginationError, TrackierResponseError, TrackierSchemaDriftError
from trackier_provider.hooks.pagination import dig
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.schemas import answer_schema, answer_schemas

#: Skipped without the spec, except where ``TRACKIER_REQUIRE_SPEC`` is set (CI): there a missing spec fails.
pytestmark = pytest.mark.skipif(
    not SPEC_FILE.exists() and not os.environ.get("TRACKIER_REQUIRE_SPEC"),
    reason=f"Trackier's OpenAPI spec not found at {SPEC_FILE} (set TRACKIER_API_SPEC_DIR)",
)

EXAMPLES: tuple[Example, ...] = spec_examples(SPEC_FILE) if SPEC_FILE.exists() else ()
#: Paged operations whose documented answers leave out the total the catalogue says they announce.
TOTAL_MAY_BE_MISSING = {"incent_offers.list", "impressions.list"}
FALLBACK_MISSING = (
    "needs the paging fallback for answers without a total (a Pages flag 'announced total may be missing' set for "
    "incent_offers.list and impressions.list, read by hooks/pagination.py): issue 26, point 3"
)


@pytest.fixture(scope="session")
def trackier_api_spec() -> str:
    """The spec for the plugin's ``trackier_example`` fixture: the one these tests read."""
    return str(SPEC_FILE)


@pytest.fixture
def context() -> dict[str, Any]:
    """A task context for direct ``execute`` calls (as in tests/operators)."""
    return {"ti": RecordingTI(), "data_interval_start": INTERVAL_START, "data_interval_end": INTERVAL_END}


@pytest.fixture
def hook(trackier_conn, monkeypatch: pytest.MonkeyPatch) -> TrackierHook:
    """A hook in ``fail`` mode on the emulator, one attempt per call (a refused answer fails at once)."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_TRACKIER_DEFAULT",
        connection_json(trackier_conn.base_url, trackier_conn.api_key, validate_responses="fail", max_retries=0),
    )
    return TrackierHook(validate_responses="fail")


# ----------------------------------------------------------------------------------------- the corpus
def _example(label_part: str) -> Example:
    return next(e for e in EXAMPLES if label_part in e.label)


def _defect(example: Example) -> str | None:
    """The listed spec defect that explains why the provider refuses this example, or None."""
    if example.operation in answer_schemas():
        found = [d for d in answer_schema(example.operation).defects if d.get("example") in (example.name, example.key)]
        return found[0]["spec"] + " " + found[0]["provider"] if found else None
    return SPEC_DEFECTS.get(example.operation)


def _value(param: Param) -> Any:
    """A valid value of a required parameter (its first allowed value, else one of its type)."""
    if param.choices:
        return [param.choices[0]] if param.type == "array" else param.choices[0]
    return {"integer": 1, "number": 1, "boolean": True, "date": "2022-02-08", "id": 1, "array": [1], "object": {},
            "string": "x"}[param.type]


def call_provider(hook: TrackierHook, operation: Operation) -> Any:
    """Call ``operation`` through ``hook.api`` with its ids, required query and a body of its required fields;
    a list operation's records are read to the end."""
    target: Any = hook.api
    for part in operation.resource.split("."):
        target = getattr(target, part)
    kwargs: dict[str, Any] = {p.arg: 7 for p in operation.path_params}
    kwargs.update({p.arg: _value(p) for p in operation.query if p.required})
    model = MODELS.get(operation.body or "")
    if model is not None and model.required:
        kwargs["data"] = {name: model.choices.get(name, ("x",))[0] for name in model.required}
    answer = getattr(target, operation.action)(**kwargs)
    return list(answer) if operation.records_at else answer


def expected(example: Example) -> Any:
    """What the provider delivers for an example: its records for a list operation, else the whole answer."""
    operation = OPERATIONS[example.operation]
    return dig(example.answer, operation.records_at) if operation.records_at else example.answer


def _cases() -> list[Any]:
    cases = []
    for example in EXAMPLES:
        marks = [pytest.mark.xfail(strict=True, reason=FALLBACK_MISSING)] if _waits_for_fallback(example) else []
        cases.append(pytest.param(example, id=example.label, marks=marks))
    return cases


def _waits_for_fallback(example: Example) -> bool:
    """An example without the total the catalogue still demands of its operation."""
    pages = OPERATIONS[example.operation].pages
    return (pages is not None and pages.total is not None and not getattr(pages, "total_optional", False)
            and dig(example.answer, pages.total) is None)


def test_the_corpus_is_every_2xx_json_example_of_the_spec() -> None:
    """Counted from the spec: 56 example answers (2xx, JSON) of 50 operations, every one mapped to the catalogue
    (``spec_examples`` raises for an unmapped one); 15 of them answer the 13 operations with a provider schema."""
    assert SPEC_FILE.exists(), f"Trackier's OpenAPI spec is required here and not found at {SPEC_FILE}"
    with_schema = [e for e in EXAMPLES if e.operation in answer_schemas()]
    defects = [e for e in EXAMPLES if _defect(e)]
    print(f"\n{len(EXAMPLES)} example answers of {len({e.operation for e in EXAMPLES})} operations; "
          f"{len(with_schema)} of {len({e.operation for e in with_schema})} operations with a provider schema; "
          f"{len(defects)} spec defects: {', '.join(e.label for e in defects)}")
    assert len(EXAMPLES) >= 56 and len({e.operation for e in EXAMPLES}) >= 50
    assert all(e.operation in OPERATIONS and 200 <= e.status < 300 for e in EXAMPLES)
    assert len({e.label for e in EXAMPLES}) == len(EXAMPLES)
    assert sorted(e.label for e in defects) == [
        "coupons.list 200 application/json x-examples/Example 1",
        "fraud_rules.list 200 application/json x-examples/Example 1",
    ]


@pytest.mark.parametrize("example", _cases())
def test_every_example_answer_passes_through_the_provider(example: Example, trackier_example, hook) -> None:
    """Served over HTTP and read with ``validate_responses="fail"``: exactly the example's records (or answer),
    or, for a listed spec defect, a loud refusal."""
    trackier_example(example.operation, example=example.key)
    operation = OPERATIONS[example.operation]
    defect = _defect(example)
    if defect is None:
        assert call_provider(hook, operation) == expected(example)
        return
    with pytest.raises((TrackierResponseError, TrackierSchemaDriftError)) as refused:
        call_provider(hook, operation)
    assert operation.records_at in str(refused.value), defect


def test_each_listed_defect_is_still_in_the_spec() -> None:
    """A fixed spec turns this red until its entry goes: the coupons example still carries the deals example's
    records under ``deals``; the fraud rules example still holds one object where the list belongs."""
    coupons, deals = _example("coupons.list 200"), _example("deals.list 200")
    assert "coupons" not in coupons.answer and coupons.answer["deals"] == deals.answer["deals"]
    fraud_rules = _example("fraud_rules.list 200")
    assert isinstance(dig(fraud_rules.answer, "data.fraudRules"), dict)


# ------------------------------------------------------------------------- schemas learn from examples
def _walk(answer: Any, schema: dict[str, Any], where: str, found: list[str]) -> None:
    """Every way ``schema`` (``$ref``s of records resolved) is narrower than what the example shows: a null it
    refuses, a field it requires that the example omits."""
    from trackier_provider.schemas import resolve

    if "$ref" in schema:
        schema = {**resolve(schema["$ref"]), **{k: v for k, v in schema.items() if k != "$ref"}}
    types = schema.get("type")
    allowed = {types} if isinstance(types, str) else set(types or ())
    if answer is None:
        if allowed and "null" not in allowed:
            found.append(f"{where}: null in Trackier's example, not nullable in the schema")
        return
    if isinstance(answer, dict):
        missing = set(schema.get("required") or ()) - set(answer)
        prefix = f"{where}." if where else ""
        found += [f"{prefix}{name}: omitted by Trackier's example, required by the schema" for name in sorted(missing)]
        for name, value in answer.items():
            sub = (schema.get("properties") or {}).get(name)
            if isinstance(sub, dict):
                _walk(value, sub, f"{prefix}{name}", found)
    elif isinstance(answer, list) and isinstance(schema.get("items"), dict):
        for item in answer:
            _walk(item, schema["items"], f"{where}[]", found)


@pytest.mark.parametrize(
    "example", [pytest.param(e, id=e.label) for e in EXAMPLES if e.operation in answer_schemas() and not _defect(e)]
)
def test_schemas_learn_from_the_examples(example: Example) -> None:
    """For every operation with a provider schema and an example (the set grows with the schemas): a field an
    example shows as null is nullable, a field an example omits is not required."""
    found: list[str] = []
    _walk(example.answer, answer_schemas()[example.operation], "", found)
    assert found == []


def test_the_rule_finds_a_narrower_schema() -> None:
    schema = {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "string"}, "b": {"type": "array", "items": {"type": "object", "properties": {
            "c": {"type": ["string", "null"]}, "d": {"type": "integer"}}}}}}
    found: list[str] = []
    _walk({"a": None, "b": [{"c": None, "d": None}]}, schema, "", found)
    assert found == ["a: null in Trackier's example, not nullable in the schema",
                     "b[].d: null in Trackier's example, not nullable in the schema"]
    found.clear()
    _walk({"b": []}, schema, "", found)
    assert found == ["a: omitted by Trackier's example, required by the schema"]


# ------------------------------------------------------------------------------------ paging (point 3)
def test_which_endpoints_examples_omit_the_total() -> None:
    """Data for the paging fallback: of the paged operations with an example, which leave out the total (or the
    cursor fields) the provider relies on. These, and only these, need the 'total may be missing' flag."""
    omitting, keeping = set(), set()
    for example in EXAMPLES:
        pages = OPERATIONS[example.operation].pages
        if pages is None or not isinstance(dig(example.answer, pages.records), list):
            continue
        if pages.style == "cursor":
            assert {"nextPageToken", "hasNextPage"} <= set(example.answer), example.label
        if pages.total is not None:
            (keeping if dig(example.answer, pages.total) is not None else omitting).add(example.operation)
    assert omitting == TOTAL_MAY_BE_MISSING
    assert keeping == {"conversions.list", "deals.list", "reports.postbacks"}  # coupons: its example is a defect


def _incent_export(tmp_path: Path, context: dict[str, Any], parallel: int) -> tuple[Any, Path]:
    from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator

    target = tmp_path / "incent.jsonl"
    result = TrackierFetchIncentOffersOperator(
        task_id="incent", pub_id=7, source="app-wall", output_path=str(target), page_size=10,
        max_parallel_pages=parallel, validate_responses="fail",
    ).execute(context)
    return result, target


def _spread(example: Example, count: int) -> list[Any]:
    """The example's records repeated to ``count`` the way the emulator spreads them (copies get new ids)."""
    records = expected(example)
    span = max((r["id"] for r in records if isinstance(r.get("id"), int)), default=0) + 1
    return [{**records[i % len(records)], "id": records[i % len(records)]["id"] + (i // len(records)) * span}
            if i >= len(records) else records[i] for i in range(count)]


@pytest.mark.parametrize("parallel", [1, 4])
@pytest.mark.xfail(_waits_for_fallback(_example("incent_offers.list 200")) if EXAMPLES else False, strict=True,
                   reason=FALLBACK_MISSING)
def test_incent_offers_export_without_a_total_succeeds(trackier_example, hook, tmp_path, context,
                                                        parallel: int) -> None:
    """Trackier's example (no total) spread over 3 pages of 10 (25 offers), read one page at a time and with
    pages fetched ahead: the export has exactly them."""
    example = _example("incent_offers.list 200")
    assert "total" not in example.answer
    trackier_example("incent_offers.list", records=25)
    result, target = _incent_export(tmp_path, context, parallel)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert result["rows"] == 25 and rows == _spread(example, 25)


@pytest.mark.parametrize("parallel", [1, 4])
def test_incent_offers_export_with_a_gap_in_a_middle_page_fails(trackier_example, hook, tmp_path, context,
                                                                parallel: int) -> None:
    """The same export with a record missing from page 2 of 3 fails (by the fallback's rule once it exists,
    by the missing total until then) and leaves no file."""
    trackier_example("incent_offers.list", records=25, gap={"page": 2, "missing": 1})
    with pytest.raises((TrackierResponseError, TrackierPaginationError)) as refused:
        _incent_export(tmp_path, context, parallel)
    assert not (tmp_path / "incent.jsonl").exists()
    if not _waits_for_fallback(_example("incent_offers.list 200")):
        assert "no record count" not in str(refused.value)  # refused by the fallback rule, not for the total


def test_clicks_export_of_the_example_with_its_nulls_passes_in_fail_mode(trackier_example, hook, tmp_path,
                                                                          context) -> None:
    """Trackier's clicks example (ten fields null) spread over cursor pages, exported in ``fail`` mode."""
    from trackier_provider.operators.generic import TrackierOperator

    example = _example("clicks.list 200 application/json")
    nulls = {k for r in expected(example) for k, v in r.items() if v is None}
    assert {"note", "referrer_campaign", "gaid", "idfa", "app_id", "app_name", "curr", "creative_name", "brand",
            "click_domain"} <= nulls
    trackier_example("clicks.list", example=example.key, records=250)
    target = tmp_path / "clicks.jsonl"
    result = TrackierOperator(
        task_id="clicks", operation="clicks.list", query={"limit": 100}, output_path=str(target),
        validate_responses="fail",
    ).execute(context)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert result["rows"] == 250 and len({r["id"] for r in rows}) == 250
    assert rows[:2] == expected(example)


def test_coupons_answer_like_the_example_is_refused(trackier_example, hook, tmp_path, context) -> None:
    """The coupons decision (x-spec-defects of coupons.list): an answer holding deals instead of coupons fails the
    export loudly, in ``fail`` mode and without a schema check alike, and writes nothing."""
    from trackier_provider.operators.coupons import TrackierFetchCouponsOperator

    trackier_example("coupons.list")
    for mode, error in (("fail", TrackierSchemaDriftError), ("off", TrackierResponseError)):
        target = tmp_path / f"coupons-{mode}.jsonl"
        with pytest.raises(error, match="coupons"):
            TrackierFetchCouponsOperator(
                task_id="coupons", output_path=str(target), validate_responses=mode
            ).execute(context)
        assert not target.exists()


# ----------------------------------------------------------------------------- typed fetch operators
def _fetch_operators() -> dict[str, Callable[..., Any]]:
    from trackier_provider.operators.conversions import TrackierFetchConversionsOperator
    from trackier_provider.operators.incent_offers import TrackierFetchIncentOffersOperator
    from trackier_provider.operators.reports import TrackierFetchReportOperator

    table: dict[str, Callable[..., Any]] = {
        "conversions.list": TrackierFetchConversionsOperator,
        "incent_offers.list": lambda **kw: TrackierFetchIncentOffersOperator(pub_id=7, source="s", **kw),
    }
    for report in ("campaign", "publisher", "advertiser", "daily", "goal"):
        table[f"reports.{report}"] = lambda report=report, **kw: TrackierFetchReportOperator(report=report, **kw)
    for report in ("custom", "subid"):
        table[f"reports.{report}"] = lambda report=report, **kw: TrackierFetchReportOperator(
            report=report, group=["campaign_id"], **kw)
    return table


@pytest.mark.parametrize("example", [
    pytest.param(e, id=e.label,
                 marks=[pytest.mark.xfail(strict=True, reason=FALLBACK_MISSING)] if _waits_for_fallback(e) else [])
    for e in EXAMPLES if e.operation in _fetch_operators() and not _defect(e)
])
def test_list_examples_through_the_typed_fetch_operators(example: Example, trackier_example, hook, tmp_path,
                                                         context) -> None:
    """The list examples exported by their typed fetch operators (JSON Lines, ``fail`` mode): the same records."""
    trackier_example(example.operation, example=example.key)
    target = tmp_path / "export.jsonl"
    operator = _fetch_operators()[example.operation](task_id="fetch", output_path=str(target),
                                                     validate_responses="fail")
    result = operator.execute(context)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert result["rows"] == len(expected(example)) and rows == expected(example)


# ------------------------------------------------------------------------- the emulator's example fault
def _get(emu, path: str, **query: Any) -> Any:
    import requests

    return requests.get(emu.base_url + path, params=query, headers={"X-Api-Key": emu.api_key}, timeout=10)


def test_replay_pages_the_example_and_keeps_out_what_it_leaves_out(trackier_conn) -> None:
    """Page paging over the example's records spread to 25: pages of 10, 10, 5 then empty, no total added (the
    example has none), each copy with its own id; other operations are served as usual."""
    trackier_conn.add_fault({"kind": "example", "operation": "incent_offers.list", "spec": str(SPEC_FILE.parent),
                             "records": 25})
    pages = [_get(trackier_conn, "/v2/offers/incent", pubId=1, source="s", page=n, limit=10).json()
             for n in (1, 2, 3, 4)]
    assert [len(p["campaigns"]) for p in pages] == [10, 10, 5, 0]
    assert all(set(p) == {"success", "campaigns"} for p in pages)
    ids = [c["id"] for p in pages for c in p["campaigns"]]
    assert len(set(ids)) == 25 and ids[0] == expected(_example("incent_offers.list 200"))[0]["id"]
    assert "campaigns" in _get(trackier_conn, "/v2/campaigns").json()  # not replayed
    assert [r["fault"] for r in trackier_conn.requests[:4]] == ["example"] * 4


def test_replay_sets_the_paging_fields_the_example_carries(trackier_conn) -> None:
    """A cursor list (clicks): nextPageToken/hasNextPage per page; a page list with a total (deals): the total of
    the replayed list, perPage and currentPage of the request; a gap leaves records out of one page only."""
    trackier_conn.add_fault({"kind": "example", "operation": "clicks.list", "spec": str(SPEC_FILE), "records": 5,
                             "example": "sample-click-report"})
    first = _get(trackier_conn, "/v2/reports/clicks", limit=3).json()
    assert len(first["clicks"]) == 3 and first["hasNextPage"] is True
    last = _get(trackier_conn, "/v2/reports/clicks", limit=3, pageToken=first["nextPageToken"]).json()
    assert len(last["clicks"]) == 2 and last["hasNextPage"] is False and last["nextPageToken"] is None
    trackier_conn.clear_faults()
    trackier_conn.add_fault({"kind": "example", "operation": "deals.list", "spec": str(SPEC_FILE), "records": 7,
                             "gap": {"page": 2, "missing": 2}})
    pages = [_get(trackier_conn, "/v2/deals", page=n, limit=3).json() for n in (1, 2, 3)]
    assert [len(p["deals"]) for p in pages] == [3, 1, 1]
    assert [p["pagination"] for p in pages] == [{"perPage": 3, "currentPage": n, "total": 7} for n in (1, 2, 3)]


def test_replay_checks_the_key_and_answers_any_ids(trackier_conn) -> None:
    import requests

    trackier_conn.add_fault({"kind": "example", "operation": "publishers.get", "spec": str(SPEC_FILE)})
    answer = _get(trackier_conn, "/v2/publishers/987654")
    assert answer.status_code == 200 and answer.json() == _example("publishers.get 200").answer
    refused = requests.get(trackier_conn.base_url + "/v2/publishers/1", timeout=10)
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "101"
    assert _get(trackier_conn, "/v2/publishers/1/notes").status_code == 200  # another operation: served as usual


def test_replay_over_the_control_api(trackier_conn) -> None:
    """Reachable without Python: POST /_emulator/faults (and so --faults on the command line)."""
    import requests

    rule = {"kind": "example", "operation": "reports.daily", "spec": str(SPEC_FILE), "times": 1}
    added = requests.post(trackier_conn.base_url + "/_emulator/faults", json=rule, timeout=10).json()
    assert added["faults"][0]["kind"] == "example" and added["faults"][0]["operation"] == "reports.daily"
    assert _get(trackier_conn, "/v2/reports/daily").json() == _example("reports.daily 200").answer
    assert trackier_conn.faults == []  # times: 1, used


@pytest.mark.parametrize(("rule", "message"), [
    ({"operation": "nope.list"}, '"operation" must name a catalogue operation'),
    ({"operation": "campaigns.list", "spec": None}, '"spec" is required for example'),
    ({"operation": "campaigns.list", "spec": 3}, '"spec" must be the path'),
    ({"operation": "campaigns.list", "spec": "/nonexistent/spec.yaml"}, '"spec" cannot be read'),
    ({"operation": "campaigns.list"}, "the spec documents no example answer for campaigns.list"),
    ({"operation": "deals.list", "example": "Example 9"}, '"example" must be the name'),
    ({"operation": "deals.get", "records": 5}, '"records" applies to list operations'),
    ({"operation": "deals.list", "records": -1}, '"records" must be a whole number >= 0'),
    ({"operation": "reports.daily", "gap": {"page": 1, "missing": 1}}, '"gap" must be'),
    ({"operation": "deals.list", "gap": {"page": 0, "missing": 1}}, '"page" must be a whole number >= 1'),
])
def test_replay_rules_are_checked(trackier_conn, rule: dict[str, Any], message: str) -> None:
    from trackier_provider.emulator.errors import ApiError

    with pytest.raises(ApiError, match=re.escape(message)) as refused:
        trackier_conn.add_fault({"kind": "example", "spec": str(SPEC_FILE), **rule})
    assert refused.value.code == "107" and trackier_conn.faults == []
