"""``TrackierSchemaCheckOperator``: a canary task that fails when your Trackier panel stops answering the way
the provider expects."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from trackier_provider.check import DRIFT, ERROR, OK, Fatal, check_hook, outcome, report, run_check, select, table
from trackier_provider.exceptions import TrackierError, TrackierSchemaDriftError
from trackier_provider.operators.base import TrackierBaseOperator
from trackier_provider.schemas.validation import XCOM_KEY
from trackier_provider.validation import check_choices, check_flag
from trackier_provider.version_compat import Context
from trackier_provider.windows import resolve_window


class TrackierSchemaCheckOperator(TrackierBaseOperator):
    """Check the panel behind ``trackier_conn_id`` as ``trackier-check`` does (``trackier_provider.check``):
    every read-only operation of the catalogue (``trackier_provider.check.reads``) is called once, GET only, with
    small pages and the ids of the first listed records, and its answer checked against the provider's schemas
    (whatever ``validate_responses`` says: the check checks every answer and finishes). A read whose list is
    empty has nothing to read: reported, not a failure.

    The task log shows the table (operation, HTTP status, records checked, drift; each drift with an example
    value, credentials masked). The result without any value (counts, statuses, field paths) is the task's
    return value and is pushed under XCom ``schema_drift`` also when the task fails. The task fails with
    ``TrackierSchemaDriftError`` (not retried) when any answer drifts and, with ``fail_on_error``, with
    ``TrackierError`` when an operation answered with an error. A refused key or IP address, or an API that
    cannot be reached, fails the task at once with that error, the log saying what to do.

    :param day: the day whose logs and reports are read (templated; a date or ``YYYY-MM-DD``); default: the
        day the run's data interval starts (UTC), else yesterday.
    :param only: check only these read-only operations or resource prefixes (``"conversions.list"``,
        ``"campaigns"``); the lists they take ids from are called too, and not reported.
    :param skip: leave these out, e.g. ``["incent_offers"]`` on a panel without incent offers.
    :param fail_on_error: fail when an operation could not be checked (default True).
    """

    template_fields: Sequence[str] = ("day",)
    ui_color = "#fdf3e8"

    def __init__(
        self,
        *,
        day: Any = None,
        only: Sequence[str] | str | None = None,
        skip: Sequence[str] | str | None = None,
        fail_on_error: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.day = day
        self.only = check_choices("only", only)
        self.skip = check_choices("skip", skip)
        select(self.only, self.skip)  # every name must match a read (TrackierConfigError naming it)
        self.fail_on_error = bool(check_flag("fail_on_error", fail_on_error))

    def checked_day(self, context: Context) -> date:
        """``day``, else the start of the run's data interval (UTC), else yesterday (UTC)."""
        when = self.day if self.day not in (None, "") else context.get("data_interval_start")
        if when is None:
            return (datetime.now(timezone.utc) - timedelta(days=1)).date()
        if isinstance(when, datetime):
            when = when.astimezone(timezone.utc).date()
        return resolve_window(when, when).start.date()  # checks a string or a date like every window

    def execute(self, context: Context) -> dict[str, Any]:
        day = self.checked_day(context)
        hook = check_hook(self.trackier_conn_id)
        try:
            base_url = hook.settings.base_url
            results = run_check(hook, day, only=self.only, skip=self.skip)
        except Fatal as stop:
            self.log.error("Trackier panel check stopped: %s", stop)
            raise stop.error from None
        finally:
            hook.close()
        found = outcome(results)
        self.log.log(logging.WARNING if found != OK else logging.INFO, "%s", table(
            results, f"Trackier panel check: {base_url} (connection {self.trackier_conn_id}), day {day}"))
        result = report(results, conn_id=self.trackier_conn_id, base_url=base_url, day=day)
        context["ti"].xcom_push(key=XCOM_KEY, value=result)
        drifting = [r.operation for r in results if r.outcome == DRIFT]
        if drifting:
            raise TrackierSchemaDriftError(
                f"Trackier's answers drift from the provider's schemas in {', '.join(drifting)}: see the table "
                "in the log (or XCom schema_drift) for each field."
            )
        failed = [r.operation for r in results if r.outcome == ERROR]
        if failed and self.fail_on_error:
            raise TrackierError(
                f"{len(failed)} operations could not be checked ({', '.join(failed)}): see the table in the "
                "log. Pass skip=[...] for features your panel does not have, or fail_on_error=False."
            )
        return result


__all__ = ["TrackierSchemaCheckOperator"]
