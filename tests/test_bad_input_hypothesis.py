"""Property: a bad value of any public parameter fails with ``TrackierConfigError`` before any request.

Hypothesis throws values of the wrong type, range and shape (None, booleans, huge and negative numbers,
NaN, infinities, text with control characters, lists holding None, nested lists, dicts, dates out of range,
bytes, bare objects, ...) at one parameter at a time of every operator, sensor, the hook and the connection,
the other parameters holding valid values. Each value is used the way Airflow uses it: the task is
constructed (DAG parse) and, when construction accepts the value, executed against the emulator with a
minimal task context; a sensor is poked once and, when deferrable, builds and serializes its trigger; the
hook and the connection serve one call. Allowed outcomes:

- the call works;
- ``TrackierConfigError``, and the emulator logged no request at all;
- for the few parameters only the server can judge (whether an id exists, a login), the typed error of the
  server's answer to a well-formed request (``server_judged`` below); never a raw Python exception.

The budget is fixed (derandomized, ``EXAMPLES`` examples per target, no example database) and the number of
inputs tried is printed in the session's summary.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from airflow.exceptions import AirflowNotFoundException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import connection_json
from tests.operators.conftest import INTERVAL_END, INTERVAL_START, RecordingTI
from trackier_provider.exceptions import (
    TrackierAuthenticationError,
    TrackierConfigError,
    TrackierConnectionError,
    TrackierNotFoundError,
    TrackierValidationError,
)
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators import (
    access,
    advertisers,
    campaigns,
    caps,
    categories,
    conversions,
    coupons,
    generic,
    incent_offers,
    login,
    payouts,
    publishers,
    reports,
    schema_check,
    tracking_links,
)
from trackier_provider.sensors.job import TrackierJobSensor
from trackier_provider.sensors.report import TrackierReportSensor

EXAMPLES = 100
#: Inputs tried per target, printed at the end of the session.
TRIED: dict[str, int] = {}
REFUSED: dict[str, int] = {}

# ------------------------------------------------------------------------------------------ values
TRICKY_TEXT = (
    "", " ", "\t", "a\n", "a\x00b", "\x7f", "\u2028", "\ud800", "x" * 300, "{{ ds }}", "None", "null",
    " active ", "ACTIVE", "active\n", "approved", "asc", "payout", "custom", "subid", "campaign", "daily",
    "clicks", "clicks,revenue", "nope", "campaign_id,publisher_id", "p1", "1", "-1", "0", "1,2", "1,,2", " 1 ",
    "1.5", "1e400", "nan", "inf", "true", "yes", "..", ".", "../campaigns", "a/b", "%2e%2e", "a?b=c", "#x",
    "a[b]", "2026-11-20", "2026-11-20T00:00:00+05:30", "2026-13-01", "0026-11-20", "9999-12-31", "2026-11-21 ",
    "UTC", " Asia/Kolkata ", "Mars/Olympus", "/etc/passwd", "a@b.co", "a@b.co\n", "not-an-email",
    "Abcdef1@", "Abcdef1@\n", "https://x.example", "http://127.0.0.1:1", "ftp://x.example", "javascript:alert(1)",
    "http://", "http://[::1", "http://h:99999", "https://user:pw@x.example", "GET", "post", "/v2/categories",
    "/v2/login", "trackier_default", "no_such_conn", "postback", "yes", "refire", "return", "fail", "create",
    "tests.test_bad_input_hypothesis.always_ready", "no_such_module.check", "memory://fuzz/out.jsonl", "out.csv.gz",
    "out.parquet", "s3://bucket/key.jsonl",
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),  # NaN and infinities included
    st.decimals(allow_nan=True),
    st.text(max_size=6),
    st.sampled_from(TRICKY_TEXT),
    st.dates(),
    st.dates(min_value=date(2026, 11, 15), max_value=date(2026, 11, 22)),
    st.datetimes(timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-14))])),
    st.timedeltas(),
    st.binary(max_size=4),
    st.builds(object),
)
JUNK = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.tuples(SCALARS),
    st.sets(st.integers(min_value=0, max_value=5), max_size=2),
    st.dictionaries(st.one_of(st.text(max_size=4), st.sampled_from(TRICKY_TEXT), st.integers(), st.none()),
                    SCALARS, max_size=3),
    st.lists(st.lists(SCALARS, max_size=2), max_size=2),
    st.dictionaries(st.sampled_from(["payout", "revenue", "geo", "click_id", "status"]), SCALARS, max_size=3)
    .map(lambda d: [d]),
)


def always_ready(rows: list[Any]) -> bool:
    """An importable ready_check (for the report sensor's deferrable mode)."""
    return True


# ------------------------------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Target:
    """One public callable: how to build it from keyword arguments, valid ones, and how to use it."""

    name: str
    build: Callable[..., Any]
    base: dict[str, Any]
    params: tuple[str, ...]
    run: Callable[[Any, dict[str, Any]], Any] = lambda obj, ctx: obj.execute(ctx)
    #: Parameter -> errors that are a legitimate outcome for a well-formed value of it: the server's answer
    #: (whether an id exists) or Airflow's own "no such connection".
    server_judged: dict[str, tuple[type[Exception], ...]] = field(default_factory=dict)


NOT_FOUND = (TrackierNotFoundError,)
#: An id of the right shape that names nothing: the emulator answers 109, or 107 for ids in a body.
UNKNOWN_ID = (TrackierNotFoundError, TrackierValidationError)
#: An unknown connection id is Airflow's to report (before any request), with its own exception.
NO_CONNECTION = {"trackier_conn_id": (AirflowNotFoundException,)}
FETCH = ("output_path", "output_format", "compression", "max_xcom_rows", "page_size", "max_parallel_pages",
         "validate_responses", "trackier_conn_id")
WINDOW = ("start", "end", "timezone", "lookback")
PAYOUTS = [{"payout": 1.2, "revenue": 1.5, "geo": ["US"]}]


def _poke(sensor: Any, ctx: dict[str, Any]) -> Any:
    result = sensor.poke(ctx)
    if sensor.deferrable:
        json.dumps(sensor.make_trigger(ctx, deadline=4e9).serialize(), default=str)
    return result


def _hook_call(hook: TrackierHook, ctx: dict[str, Any]) -> Any:
    hook.sleep = lambda seconds: None  # retries of a valid but tiny timeout must not slow the budget
    return hook.call("categories.list")


TARGETS = [
    Target("fetch categories (base fetch parameters)", categories.TrackierFetchCategoriesOperator,
           {"max_xcom_rows": 1000}, FETCH, server_judged=NO_CONNECTION),
    Target("fetch campaigns", campaigns.TrackierFetchCampaignsOperator, {"max_xcom_rows": 100_000},
           ("status", "geo", "advertiser", "filters", "order_by", "direction", "page_size"),
           server_judged={"advertiser": NOT_FOUND}),
    Target("create campaign", campaigns.TrackierCreateCampaignOperator,
           {"advertiser_id": 1, "title": "Fuzz", "url": "https://x.example/?c={click_id}", "currency": "USD",
            "conv_tracking": "postback", "payouts": PAYOUTS},
           ("advertiser_id", "title", "url", "currency", "conv_tracking", "payouts", "fields", "if_exists"),
           server_judged={"advertiser_id": (TrackierValidationError,)}),  # the emulator's "not a valid advertiser"
    Target("campaign timeline", campaigns.TrackierFetchCampaignTimelineOperator, {}, ("start", "end", "lookback",
                                                                                      "timezone")),
    Target("campaign payouts", campaigns.TrackierFetchCampaignPayoutsOperator, {"campaign_id": 1},
           ("campaign_id",), server_judged={"campaign_id": NOT_FOUND}),
    Target("fetch publishers", publishers.TrackierFetchPublishersOperator, {"max_xcom_rows": 100_000},
           ("filters",)),
    Target("create publisher", publishers.TrackierCreatePublisherOperator,
           {"name": "Fuzz", "email": "fuzz@example.com", "password": "Abcdef1@"},
           ("name", "email", "password", "username", "company", "phone", "status", "region", "ref_by",
            "custom_fields", "bank", "tags", "send_email", "if_exists")),
    Target("advertiser caps", advertisers.TrackierFetchAdvertiserCapsOperator, {"advertiser_id": 1},
           ("advertiser_id",), server_judged={"advertiser_id": NOT_FOUND}),
    Target("report", reports.TrackierFetchReportOperator, {"report": "custom", "max_xcom_rows": 100_000},
           ("report", "group", "kpi", "filters", *WINDOW), server_judged={"filters": NOT_FOUND}),
    Target("conversions", conversions.TrackierFetchConversionsOperator, {"max_xcom_rows": 100_000},
           ("status", "campaign_ids", "publisher_ids", "advertiser_ids", "source", "fields", *WINDOW)),
    Target("upload conversions", conversions.TrackierUploadConversionsOperator,
           {"conversions": [{"click_id": "fuzz", "payout": 1.5}]},
           ("conversions", "conversions_path", "fire_postback", "fetch_ip_details")),
    Target("create category", categories.TrackierCreateCategoryOperator, {"name": "Fuzz"}, ("name", "if_exists")),
    Target("update category", categories.TrackierUpdateCategoryOperator, {"category_id": "{category}", "name": "F"},
           ("category_id", "name"), server_judged={"category_id": NOT_FOUND}),
    Target("delete category", categories.TrackierDeleteCategoryOperator, {"category_id": "{category}"},
           ("category_id", "missing_ok"), server_judged={"category_id": NOT_FOUND}),
    Target("coupons", coupons.TrackierFetchCouponsOperator, {},
           ("status", "campaign_ids", "publisher_ids", "filters", "direction")),
    Target("incent offers", incent_offers.TrackierFetchIncentOffersOperator, {"pub_id": 1, "source": "s1"},
           ("pub_id", "source", "filters", "sort_by", "order"), server_judged={"pub_id": NOT_FOUND}),
    Target("login", login.TrackierLoginOperator,
           {"email": "admin@example.com", "password": "Emulator@123", "network_url": "https://demo.trackier.test"},
           ("email", "password", "network_url", "api_key_variable"),
           server_judged={name: (TrackierAuthenticationError,) for name in ("email", "password", "network_url")}),
    Target("generic operator", generic.TrackierOperator, {"endpoint": "/v2/categories"},
           ("endpoint", "method", "query", "idempotent", "exists", "operation", "response_key", "data",
            "path_params", "if_exists", "output_format", "compression", "max_xcom_rows", "page_size")),
    Target("grant campaign access", access.TrackierGrantCampaignAccessOperator,
           {"campaign_ids": [1], "publisher_ids": [1]}, ("campaign_ids", "publisher_ids"),
           server_judged=dict.fromkeys(("campaign_ids", "publisher_ids"), UNKNOWN_ID)),
    Target("campaign cap", caps.TrackierCreateCampaignCapOperator,
           {"campaign_id": 1, "cap_type": "conversion", "daily": 10},
           ("campaign_id", "cap_type", "visibility", "pub_cap_type", "daily", "hourly", "monthly", "lifetime",
            "publisher_ids", "fields", "goal_id", "if_exists"),
           server_judged=dict.fromkeys(("campaign_id", "goal_id", "publisher_ids"), UNKNOWN_ID)),
    Target("publisher payout", payouts.TrackierSetPublisherPayoutOperator,
           {"campaign_id": 1, "publisher_id": 1, "payout": 1.5, "revenue": 2},
           ("campaign_id", "publisher_id", "payout", "revenue", "geo", "goal_id", "currency"),
           server_judged=dict.fromkeys(("campaign_id", "publisher_id", "goal_id"), UNKNOWN_ID)),
    Target("tracking link", tracking_links.TrackierCreateTrackingLinkOperator,
           {"campaign_id": 1, "publisher_id": 1}, ("campaign_id", "publisher_id", "options"),
           server_judged=dict.fromkeys(("campaign_id", "publisher_id"), UNKNOWN_ID)),
    Target("report sensor", TrackierReportSensor,
           {"report": "campaign", "start": "2026-11-18", "end": "2026-11-18", "min_rows": 0, "settle_polls": 1,
            "settle_period": 0, "poke_interval": 1, "deferrable": False},
           ("report", "start", "end", "group", "kpi", "filters", "timezone", "min_rows", "settle_polls",
            "settle_period", "ready_check", "poke_interval", "deferrable", "trackier_conn_id"),
           run=_poke, server_judged=NO_CONNECTION),
    Target("job sensor", TrackierJobSensor, {"job_id": "{job}", "poke_interval": 1, "deferrable": False},
           ("job_id", "poke_interval", "deferrable"), run=_poke, server_judged={"job_id": NOT_FOUND}),
    Target("schema check", schema_check.TrackierSchemaCheckOperator, {"only": ["categories.list"]},
           ("day", "only", "skip", "fail_on_error", "validate_responses")),
    Target("hook", TrackierHook, {},
           ("trackier_conn_id", "timeout", "max_retries", "requests_per_second", "page_size", "retry_deadline"),
           run=_hook_call, server_judged={"timeout": (TrackierConnectionError,), **NO_CONNECTION}),
]
CONNECTION_FIELDS = ("timeout", "max_retries", "requests_per_second", "page_size", "panel_url", "host", "schema",
                     "port", "password", "extra", "reports_per_minute", "logs_per_minute", "max_parallel_pages")


# ------------------------------------------------------------------------------------------ harness
@pytest.fixture(scope="module", autouse=True)
def report_counts(request: pytest.FixtureRequest):
    """Print how many inputs were tried (and how many refused) in the session's summary."""

    class Summary:
        @staticmethod
        def pytest_terminal_summary(terminalreporter: Any) -> None:
            if TRIED:
                terminalreporter.write_line(
                    f"bad-input property: {sum(TRIED.values())} inputs tried on {len(TRIED)} targets, "
                    f"{sum(REFUSED.values())} refused with TrackierConfigError before any request"
                )

    plugin = Summary()
    request.config.pluginmanager.register(plugin, "trackier-bad-input-summary")


@pytest.fixture(scope="module")
def world(trackier_emulator_server, tmp_path_factory):
    """The session's emulator and a scratch directory for files."""
    return SimpleNamespace(emu=trackier_emulator_server, scratch=tmp_path_factory.mktemp("fuzz"))


class StoredVariables:
    """Stands in for Airflow Variables: ``Variable.set`` needs a task runner (Airflow 3) or the metadata
    database (Airflow 2), neither of which a direct ``execute`` has; the emulator cannot provide them."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def set(self, key: str, value: Any, **kwargs: Any) -> None:
        self.values[key] = value


def _context() -> dict[str, Any]:
    return {
        "ti": RecordingTI(), "data_interval_start": INTERVAL_START, "data_interval_end": INTERVAL_END,
        "dag_run": SimpleNamespace(start_date=INTERVAL_END),
    }


def _fill(value: Any, emu: Any) -> Any:
    """Placeholders of valid ids: a job uploaded for this example, a seeded category."""
    if value == "{job}":
        return TrackierHook().call("conversions.bulk_upload", body={"data": [{"click_id": "fuzz"}]})["job"]["_id"]
    if value == "{category}":
        return emu.store.seeds.hash_id("category", 1)
    return value


def _judge(world: SimpleNamespace, label: str, where: str, attempt: Callable[[Any], Any],
           judged: tuple[type[Exception], ...] = (), prepare: Callable[[], Any] = lambda: None) -> None:
    """On a clean emulator, ``prepare`` (valid objects the example needs), then run ``attempt`` with an empty
    request log and check its outcome against the property."""
    emu = world.emu
    emu.reset()
    prepared = prepare()
    emu.clear_requests()
    TRIED[label] = TRIED.get(label, 0) + 1
    outcome: Exception | None = None
    try:
        attempt(prepared)
    except Exception as exc:
        outcome = exc
    sent = [(r["method"], r["path"]) for r in emu.requests]
    if isinstance(outcome, TrackierConfigError):
        REFUSED[label] = REFUSED.get(label, 0) + 1
        # The one TrackierConfigError that needs an answer first: more records than max_xcom_rows allows.
        assert not sent or outcome.field == "max_xcom_rows", f"{where}: {outcome} after requests {sent}"
    elif outcome is not None:
        assert isinstance(outcome, judged), f"{where}: {type(outcome).__name__}: {outcome}"


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_public_parameters(world, target: Target, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(target.params), label="parameter")
    value = data.draw(JUNK, label="value")
    if name in ("output_path", "conversions_path") and isinstance(value, str):
        value = str(world.scratch / value.lstrip("/\\~"))  # never a file outside the scratch directory
    env = {"AIRFLOW_CONN_TRACKIER_DEFAULT": connection_json(world.emu.base_url, world.emu.api_key)}

    def prepare() -> dict[str, Any]:
        kwargs = {key: _fill(v, world.emu) for key, v in target.base.items()}
        kwargs[name] = value
        if target.build is not TrackierHook:
            kwargs["task_id"] = "fuzz"
        return kwargs

    def attempt(kwargs: dict[str, Any]) -> None:
        obj = target.build(**kwargs)
        target.run(obj, _context())

    with mock.patch.dict(os.environ, env), mock.patch.object(login, "Variable", StoredVariables()):
        _judge(world, target.name, f"{target.name} {name}={value!r}", attempt, target.server_judged.get(name, ()),
               prepare)


# Malformed extras are the point here: Airflow 2.11 warns that it will refuse them in 3.0 (and 3.x does).
@pytest.mark.filterwarnings("ignore:Encountered (non-JSON|JSON value) in `extra`")
@settings(max_examples=EXAMPLES * 2, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_connection_fields(world, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(CONNECTION_FIELDS), label="connection field")
    value = data.draw(JUNK, label="value")
    conn: dict[str, Any] = {"conn_type": "trackier", "host": world.emu.base_url, "password": world.emu.api_key,
                            "extra": {}}
    if name in ("host", "schema", "port", "password"):
        conn[name] = value
    elif name == "extra":
        conn["extra"] = value
    else:
        conn["extra"] = {name: value}
    try:
        env = {"AIRFLOW_CONN_TRACKIER_DEFAULT": json.dumps(conn, default=str)}
    except ValueError:  # json refuses a circular value; Airflow could not store it either
        return

    def attempt(_: Any) -> None:
        hook = TrackierHook()
        settings_ = hook.settings
        if settings_.base_url == world.emu.base_url:  # never call another host from a test
            _hook_call(hook, {})

    with mock.patch.dict(os.environ, env):
        # A definition Airflow cannot read (a list as host, a text port, ...) is, to Airflow, no connection;
        # a well-formed but wrong key is the server's to refuse.
        judged = {"timeout": (TrackierConnectionError,), "password": (TrackierAuthenticationError,)}.get(name, ())
        judged = (*judged, AirflowNotFoundException)
        _judge(world, "connection", f"connection {name}={value!r}", attempt, judged)


def test_the_budget_reached_every_target() -> None:
    """The property ran on every target, and some inputs of each were refused (the generator bites)."""
    if len(TRIED) < len(TARGETS):
        pytest.skip("run with the whole module to see the totals")
    assert set(TRIED) >= {t.name for t in TARGETS} | {"connection"}
    assert all(REFUSED.get(name, 0) > 0 for name in TRIED), REFUSED

