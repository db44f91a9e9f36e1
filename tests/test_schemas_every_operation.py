"""Every one of the catalogue's 155 operations has an answer schema, and the emulator's answer to each passes it.

Each operation is called on a fresh emulator through the provider (``hook.call`` with the operation prepared
by the catalogue, the way ``hook.api`` and ``TrackierOperator`` send it) with ``validate_responses="fail"``:
envelope and every record of the answer are checked, and a drift would raise. What an operation needs first
(a campaign cap to read, a note to delete) is made over HTTP by the emulator contract test's recipe for it
(``tests/emulator/test_contract.py``), so the write operations run too.

Then one drifting answer per resource family (``campaigns``, ``publishers``, ``reports``, ...): the emulator's
``drift`` fault rewrites one field of a read's answer, and ``TrackierSchemaDriftError`` names the operation and
the field's path.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import connection_json
from tests.emulator.conftest import Api
from tests.emulator.test_contract import RECIPES, _fill_dependent
from trackier_provider.api import OPERATIONS
from trackier_provider.api.calls import prepare
from trackier_provider.emulator import TrackierEmulator
from trackier_provider.exceptions import TrackierSchemaDriftError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.schemas import answer_for, answer_schemas

#: Query parameters the contract recipes spell the way they appear on the wire, as the provider takes them.
QUERY = {"campaigns.access.list": {"filters": {"campaignIds": ["2"]}}}


@pytest.fixture
def hook(trackier_emulator: TrackierEmulator, monkeypatch: pytest.MonkeyPatch) -> TrackierHook:
    monkeypatch.setenv("AIRFLOW_CONN_TRACKIER_DEFAULT", connection_json(
        trackier_emulator.base_url, trackier_emulator.api_key, validate_responses="fail", max_retries=0))
    return TrackierHook(validate_responses="fail")


def test_every_operation_of_the_catalogue_has_an_answer_schema() -> None:
    assert set(answer_schemas()) == set(OPERATIONS) and len(OPERATIONS) == 155
    assert all(answer_for(name) is not None for name in OPERATIONS)


def _arguments(api: Api, name: str) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """(ids by Python keyword, query by Trackier's spelling, JSON body, multipart files) of a valid call,
    after the recipe's setup steps ran over HTTP."""
    recipe = copy.deepcopy(RECIPES[name])
    if recipe.before is not None:
        recipe.before(api)
    placed = _fill_dependent(api, name, recipe)
    operation = OPERATIONS[name]
    ids = {p.arg: str(placed[p.name]) for p in operation.path_params}
    query = QUERY.get(name) or (recipe.params(api) if callable(recipe.params) else dict(recipe.params))
    return ids, query, recipe.json, recipe.files


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_operation_answers_within_its_schema_in_fail_mode(name: str, trackier_emulator: TrackierEmulator,
                                                               hook: TrackierHook) -> None:
    api = Api(trackier_emulator)
    ids, query, body, files = _arguments(api, name)
    operation = OPERATIONS[name]
    schema = answer_for(name)
    assert schema is not None
    if files is not None:
        # The recipe's multipart parts as requests takes them, given to the provider as it takes them: a form
        # field's value, a file's bytes.
        body = {field: part[1] for field, part in files.items()}
    call = prepare(operation, ids, query, body, by_arg=False)
    answer = hook.call(call)
    assert answer, "an empty answer would pass vacuously"
    report = hook.responses.report if hook.responses is not None else None
    assert report is not None and not report.drifted
    assert report.operations[name].answers == 1  # the answer was checked, not skipped
    if schema.records is not None:
        assert report.operations[name].validated == report.operations[name].records


# ----------------------------------------------------------------------------- one drift per family
#: One read per resource family, and the field a drifting panel changes in its answer: (operation, drift rule
#: without its path, the field path the error must name).
DRIFTS = {
    "advertisers": ("advertisers.get", {"change": "as_string", "field": "advertiser.id"}, "advertiser.id"),
    "auth": ("auth.login", {"change": "remove", "field": "data.key"}, "data.key"),
    "campaigns": ("campaigns.get", {"change": "as_string", "field": "campaign.id"}, "campaign.id"),
    "categories": ("categories.list", {"change": "as_object", "field": "categories"}, "categories"),
    "clicks": ("clicks.list", {"change": "as_object", "field": "clicks"}, "clicks"),
    "conversions": ("conversions.list", {"change": "remove", "field": "conversions"}, "conversions"),
    "coupons": ("coupons.list", {"change": "as_object", "field": "coupons"}, "coupons"),
    "deals": ("deals.list", {"change": "as_object", "field": "deals"}, "deals"),
    "emails": ("emails.send", {"change": "as_string", "field": "success"}, "success"),
    "fraud_rules": ("fraud_rules.list", {"change": "as_object", "field": "data.fraudRules"}, "data.fraudRules"),
    "impressions": ("impressions.list", {"change": "as_object", "field": "impressions"}, "impressions"),
    "incent_offers": ("incent_offers.list", {"change": "as_object", "field": "campaigns"}, "campaigns"),
    "invoices": ("invoices.preview", {"change": "as_string", "field": "success"}, "success"),
    "jobs": ("jobs.list", {"change": "as_object", "field": "jobs"}, "jobs"),
    "notifications": ("notifications.list", {"change": "as_object", "field": "notifications"}, "notifications"),
    "pixel_logs": ("pixel_logs.list", {"change": "as_object", "field": "logs"}, "logs"),
    "postback_logs": ("postback_logs.list", {"change": "as_object", "field": "logs"}, "logs"),
    "postbacks": ("postbacks.list", {"change": "as_string", "field": "success"}, "success"),
    "publishers": ("publishers.get", {"change": "as_string", "field": "publisher.id"}, "publisher.id"),
    "reports": ("reports.daily", {"change": "as_object", "field": "records"}, "records"),
    "smart_links": ("smart_links.list", {"change": "as_object", "field": "smartlink"}, "smartlink"),
    "targeting_data": ("targeting_data.countries", {"change": "as_object", "field": "countries"}, "countries"),
    "team_members": ("team_members.list", {"change": "as_object", "field": "accounts"}, "accounts"),
    "tracking_domains": ("tracking_domains.list", {"change": "as_object", "field": "trackingDomains"},
                         "trackingDomains"),
    "tracking_links": ("tracking_links.create", {"change": "as_string", "field": "success"}, "success"),
}


def test_every_resource_family_has_a_drift_case() -> None:
    assert set(DRIFTS) == {name.split(".")[0] for name in OPERATIONS}
    assert all(operation.split(".")[0] == family for family, (operation, _, _) in DRIFTS.items())


@pytest.mark.parametrize("family", sorted(DRIFTS))
def test_a_drifting_answer_is_caught_by_name(family: str, trackier_emulator: TrackierEmulator,
                                             hook: TrackierHook) -> None:
    name, rule, path = DRIFTS[family]
    operation = OPERATIONS[name]
    api = Api(trackier_emulator)
    ids, query, body, _ = _arguments(api, name)
    call = prepare(operation, ids, query, body, by_arg=False)
    trackier_emulator.add_fault({"kind": "drift", "method": operation.method, "path": call.path, **rule})
    with pytest.raises(TrackierSchemaDriftError) as drifted:
        hook.call(call)
    message = str(drifted.value)
    assert f"({name})" in message
    assert f"    {path}: expected " in message, message
