"""A static mistake in a DAG file fails the import with the operator's own message: each mistake issue 22 lists
(a report name, a KPI, an email, a weak password, a timezone, a lambda where the triggerer needs an import path,
an output file extension) in a DAG file of its own, parsed by a DagBag as Airflow's DAG processor parses it.

Each expected message comes from the rule the task would apply when it runs (the same function, called here
directly), so the parse-time check is that rule and not a copy of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from tests.dags_examples.conftest import dag_bag
from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.outputs import output_spec
from trackier_provider.readiness import callable_path
from trackier_provider.report_requests import report_query
from trackier_provider.validation import check_email, check_password
from trackier_provider.windows import zone

HEADER = '''\
"""One DAG with one static mistake (tests/dags_examples/test_static_mistakes.py)."""
from datetime import datetime

from trackier_provider.operators.publishers import TrackierCreatePublisherOperator
from trackier_provider.operators.reports import TrackierFetchReportOperator
from trackier_provider.sensors.report import TrackierReportSensor
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG
else:
    from airflow import DAG

with DAG(dag_id="{dag_id}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
'''

#: mistake -> (the task, the run-time rule that refuses it)
MISTAKES: dict[str, tuple[str, Callable[[], object]]] = {
    "report": ('TrackierFetchReportOperator(task_id="t", report="campaigns")',
               lambda: report_query("campaigns")),
    "kpi": ('TrackierFetchReportOperator(task_id="t", report="campaign", kpi=["clickz"])',
            lambda: report_query("campaign", kpi=["clickz"])),
    "sensor_kpi": ('TrackierReportSensor(task_id="t", report="daily", kpi=["clickz"])',
                   lambda: report_query("daily", kpi=["clickz"])),
    "email": ('TrackierCreatePublisherOperator(task_id="t", name="Ada", email="ada-at-example.com", '
              'password="Str0ng@pass")', lambda: check_email("ada-at-example.com")),
    "password": ('TrackierCreatePublisherOperator(task_id="t", name="Ada", email="ada@example.com", '
                 'password="weakpassword")', lambda: check_password("weakpassword")),
    "timezone": ('TrackierFetchReportOperator(task_id="t", report="campaign", timezone="Europe/Londn")',
                 lambda: zone("Europe/Londn")),
    "sensor_timezone": ('TrackierReportSensor(task_id="t", timezone="Europe/Londn")',
                        lambda: zone("Europe/Londn")),
    "ready_check": ('TrackierReportSensor(task_id="t", deferrable=True, ready_check=lambda rows: bool(rows))',
                    lambda: callable_path(lambda rows: bool(rows))),
    "output_path": ('TrackierFetchReportOperator(task_id="t", report="campaign", output_path="/tmp/report.xlsx")',
                    lambda: output_spec("/tmp/report.xlsx", None, None)),
}


def write_dag(folder: Path, name: str, task: str) -> Path:
    path = folder / f"mistake_{name}.py"
    path.write_text(HEADER.format(dag_id=f"mistake_{name}") + f"    {task}\n")
    return path


def expected_message(rule: Callable[[], object]) -> str:
    with pytest.raises(TrackierConfigError) as info:
        rule()
    return without_addresses(str(info.value))


def without_addresses(text: str) -> str:
    """A function's repr names its place and address (``<function <lambda> at 0x7f...>``), which differ per
    object."""
    return re.sub(r"<function \S+ at 0x[0-9a-f]+>", "<function>", text)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_a_static_mistake_fails_the_import_with_the_operators_message(tmp_path: Path, name: str) -> None:
    task, rule = MISTAKES[name]
    path = write_dag(tmp_path, name, task)
    bag = dag_bag(path)
    assert bag.dags == {}
    errors = {str(Path(file).resolve()): without_addresses(text) for file, text in bag.import_errors.items()}
    message = expected_message(rule)
    assert message in errors[str(path.resolve())], errors
    assert "TrackierConfigError" in errors[str(path.resolve())]


def test_the_same_tasks_without_the_mistakes_import(tmp_path: Path) -> None:
    """The control: the DAG files differ from the good ones only in the mistake."""
    good = {
        "report": 'TrackierFetchReportOperator(task_id="t", report="campaign", kpi=["clicks"], '
                  'timezone="Europe/London", output_path="/tmp/report.jsonl")',
        "publisher": 'TrackierCreatePublisherOperator(task_id="t", name="Ada", email="ada@example.com", '
                     'password="Str0ng@pass")',
        "sensor": 'TrackierReportSensor(task_id="t", deferrable=True, report="daily", kpi=["clicks"], '
                  'timezone="Europe/London", ready_check="trackier_provider.readiness.load_callable")',
        "templated": 'TrackierFetchReportOperator(task_id="t", report="{{ params.report }}", '
                     'kpi=["{{ params.kpi }}"], timezone="{{ params.tz }}")',
    }
    for name, task in good.items():
        write_dag(tmp_path, name, dedent(task))
    bag = dag_bag(tmp_path)
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == sorted(f"mistake_{name}" for name in good)
