"""Bulk conversion upload and job progression over ``job_seconds`` (60 s in these tests)."""

from __future__ import annotations

from tests.emulator.conftest import Api, error_of

ROWS = [
    {"click_id": "abc123", "payout": 1.5, "status": "approved"},
    {"campaign_id": "2", "publisher_id": "3", "revenue": 2, "conversion_id": "c-1"},
    {"payout": 1},
]


def test_job_moves_pending_progress_completed(api: Api) -> None:
    created = api.post("/v2/conversions/bulkUpload", {"data": ROWS}).json()
    assert created["success"] is True
    job_id = created["job"]["_id"]
    assert created["job"]["status"] == "pending"
    first = api.get(f"/v2/jobs/{job_id}").json()
    assert first["job"]["status"] == "pending"
    api.emulator.advance_clock(30)
    assert api.get(f"/v2/jobs/{job_id}").json()["job"]["status"] == "progress"
    api.emulator.advance_clock(31)
    done = api.get(f"/v2/jobs/{job_id}").json()
    assert done["job"]["status"] == "completed"
    assert done["job"]["result"] == {"rows": 3, "processed": 3, "inserted": 1, "updated": 1, "errors": 1}
    messages = [line["message"] for line in done["log"]]
    assert "Row 3: click_id or campaign_id is required" in messages
    assert len(api.emulator.store.uploaded_conversions) == 2
    assert [j["_id"] for j in api.get("/v2/jobs").json()["jobs"]] == [job_id]


def test_job_with_only_bad_rows_fails_with_row_reasons(api: Api) -> None:
    rows = [{"campaign_id": "999", "publisher_id": "1"}, {"click_id": "x", "status": "maybe"}]
    job_id = api.post("/v2/conversions/bulkUpload", {"data": rows}).json()["job"]["_id"]
    api.emulator.advance_clock(61)
    body = api.get(f"/v2/jobs/{job_id}").json()
    assert body["job"]["status"] == "failed"
    messages = [line["message"] for line in body["log"]]
    assert "Row 1: campaign_id 999 not found" in messages
    assert any(m.startswith("Row 2: status must be one of") for m in messages)
    assert messages[-1] == "Job failed: all 2 rows had errors"


def test_upload_validation_and_unknown_job(api: Api) -> None:
    assert error_of(api.post("/v2/conversions/bulkUpload", {}))["message"] == '"data" is required'
    assert error_of(api.post("/v2/conversions/bulkUpload", {"data": []}))["code"] == "107"
    assert error_of(api.get("/v2/jobs/ffffffffffffffffffffffff"))["code"] == "109"
