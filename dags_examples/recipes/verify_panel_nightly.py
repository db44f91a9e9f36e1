"""Recipe: verify the Trackier panel every night, before the day's loads depend on it.

::

    check_connection ──> check_answers

- ``check_connection``: the connection's own test (one cheap authenticated GET, as the UI's Test button and
  ``airflow connections test`` run it): fails with Trackier's reason when the key was revoked or the worker's
  IP is no longer whitelisted.
- ``check_answers``: ``TrackierSchemaCheckOperator`` calls every read-only operation of the catalogue once,
  with small pages and the data interval's day, and fails when an answer no longer matches the provider's
  schemas (a field renamed, a number sent as text, ...). GET requests only: nothing in the panel changes.
  Leave out features your panel does not have with ``skip=["incent_offers.list"]``.

Schedule it an hour before the loads, and give it an ``on_failure_callback`` or e-mail alert: a failure here
means tonight's loads would fail or be wrong. The connection is ``trackier_default``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.schema_check import TrackierSchemaCheckOperator
from trackier_provider.version_compat import AIRFLOW_V_3_0_PLUS

if AIRFLOW_V_3_0_PLUS:
    from airflow.sdk import DAG, CronDataIntervalTimetable, task
else:
    from airflow import DAG
    from airflow.decorators import task
    from airflow.timetables.interval import CronDataIntervalTimetable

with DAG(
    dag_id="recipe_verify_panel_nightly",
    schedule=CronDataIntervalTimetable("0 23 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=10)},
    tags=["trackier", "recipe"],
    doc_md=__doc__,
):

    @task
    def check_connection() -> str:
        """The connection test; its message on success, Trackier's reason as the failure."""
        ok, message = TrackierHook().test_connection()
        if not ok:
            raise RuntimeError(f"trackier_default: {message}")
        return message

    check_connection() >> TrackierSchemaCheckOperator(task_id="check_answers")
