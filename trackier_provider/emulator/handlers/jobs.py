"""Bulk conversion upload and the jobs it creates."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from trackier_provider.emulator.errors import not_found, validation_error
from trackier_provider.emulator.jobs import ORG_ID, ROW_STATUSES, USER_ID, Job
from trackier_provider.emulator.rng import hex_id, iso, stream
from trackier_provider.emulator.router import Call, Router

if TYPE_CHECKING:
    from trackier_provider.emulator.app import EmulatorApp

MONEY = ("payout", "revenue", "sale_amount")


def row_problem(app: EmulatorApp, row: Any) -> str | None:
    """Why a BulkConversionUpload row cannot be used, or None."""
    if not isinstance(row, dict):
        return "row must be an object"
    store = app.store
    has_click = bool(row.get("click_id"))
    campaign_ref = row.get("campaign_id")
    if not has_click and not campaign_ref:
        return "click_id or campaign_id is required"
    if campaign_ref and store.resolve(store.campaigns, str(campaign_ref)) is None:
        return f"campaign_id {campaign_ref} not found"
    if not has_click and not row.get("publisher_id"):
        return "publisher_id is required when click_id is missing"
    if row.get("publisher_id") and store.resolve(store.publishers, str(row["publisher_id"])) is None:
        return f"publisher_id {row['publisher_id']} not found"
    if "status" in row and row["status"] not in ROW_STATUSES:
        return f'status must be one of [{", ".join(ROW_STATUSES)}]'
    for name in MONEY:
        value = row.get(name)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
            return f"{name} must be a number greater than or equal to 0"
    return None


def bulk_upload(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``POST /v2/conversions/bulkUpload``: validate the envelope, queue a job over the rows."""
    body = call.body()
    rows = body.get("data")
    if rows is None:
        raise validation_error('"data" is required')
    if not isinstance(rows, list) or not rows:
        raise validation_error('"data" must be a non-empty array')
    if body.get("firePostback") not in (None, "yes", "refire"):
        raise validation_error('"firePostback" must be one of [yes, refire]')
    now = app.clock.timestamp()
    errors: list[tuple[int, str]] = []
    inserted = updated = 0
    number = len(app.store.jobs) + 1
    job_id = hex_id(stream(app.config.seed, "jobs"), number, stamp=int(now))
    for position, row in enumerate(rows, start=1):
        problem = row_problem(app, row)
        if problem:
            errors.append((position, problem))
            continue
        if row.get("conversion_id"):
            updated += 1
        else:
            inserted += 1
        app.store.uploaded_conversions.append({"job_id": job_id, "row": position, **row})
    job = Job(job_id, now, app.config.job_seconds, errors, inserted, updated, len(rows))
    app.store.jobs[job_id] = job
    summary = {"_id": job_id, "org_id": ORG_ID, "user_id": USER_ID,
               "status": "pending", "result": {"rows": str(len(rows))}, "type": "bulk_conversion_upload",
               "created": iso(now), "__v": 0, "id": job_id}
    return {"success": True, "message": "Conversions upload job created", "job": summary}


def list_jobs(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/jobs``: newest first."""
    now = app.clock.timestamp()
    return {"success": True, "jobs": [job.as_dict(now) for job in reversed(app.store.jobs.values())]}


def get_job(app: EmulatorApp, call: Call) -> dict[str, Any]:
    """``GET /v2/jobs/{id}``: the job and the log lines reached so far."""
    job = app.store.jobs.get(call.path_params["id"])
    if job is None:
        raise not_found("Job")
    now = app.clock.timestamp()
    return {"success": True, "job": job.as_dict(now), "log": job.log(now)}


def register(router: Router, app: EmulatorApp) -> None:
    """Wire bulk upload and jobs."""
    router.add("POST", "/v2/conversions/bulkUpload", partial(bulk_upload, app))
    router.add("GET", "/v2/jobs", partial(list_jobs, app))
    router.add("GET", "/v2/jobs/{id}", partial(get_job, app))
