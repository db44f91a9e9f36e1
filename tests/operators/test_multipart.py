"""The three multipart operations (campaign thumbnail, S2S tracking, impression tracking) and ``editConv``'s
``is_multiple`` header, end to end over HTTP against the emulator: through ``hook.api``, ``hook.call`` and
``TrackierOperator``; a file as a local path or as bytes; bad files refused before any request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from tests.emulator.test_contract import load_spec
from tests.operators.conftest import api_calls
from tests.spec import require_spec
from trackier_provider.api import MODELS, OPERATIONS
from trackier_provider.api.calls import Outgoing, prepare
from trackier_provider.api.catalogue import IMAGES
from trackier_provider.exceptions import TrackierConfigError, TrackierValidationError
from trackier_provider.hooks.trackier import TrackierHook
from trackier_provider.operators.generic import TrackierOperator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
THUMBNAIL = "/v2/campaigns/3/thumbnail"


@pytest.fixture
def hook(trackier_conn) -> Iterator[TrackierHook]:
    h = TrackierHook()
    h.sleep = lambda seconds: None  # retries in these tests need no real wait
    yield h
    h.close()


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    path.write_bytes(PNG)
    return path


def campaign(emu, campaign_id: int = 3) -> dict:
    """The campaign as the emulator's API answers it now."""
    answer = requests.get(f"{emu.base_url}/v2/campaigns/{campaign_id}", headers={"X-Api-Key": emu.api_key},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["campaign"]


# ----------------------------------------------------------------------------- thumbnail: path or bytes
def test_thumbnail_from_a_path_through_hook_api(hook, trackier_conn, logo) -> None:
    answer = hook.api.campaigns.thumbnail.update(campaign_id=3, data={"image": str(logo)})
    assert answer["success"] is True
    assert campaign(trackier_conn)["thumbnail"].endswith("/logo.png")
    assert [c["status"] for c in api_calls(trackier_conn, "POST", THUMBNAIL)] == [200]


def test_thumbnail_from_bytes_is_named_and_typed_by_its_content(hook, trackier_conn) -> None:
    hook.api.campaigns.thumbnail.update(campaign_id=3, data={"image": JPEG})
    assert campaign(trackier_conn)["thumbnail"].endswith("/image.jpeg")


def test_the_parts_carry_the_media_type_the_content_shows(logo) -> None:
    """What requests is handed: one file part with its name, bytes and the catalogue's media type."""
    call = prepare(OPERATIONS["campaigns.thumbnail.update"], {"campaign_id": 3}, None, {"image": logo})
    sent = call.sent()
    assert isinstance(sent, Outgoing)
    assert sent.requests_kwargs() == {"files": [("image", ("logo.png", PNG, "image/png"))]}


def test_thumbnail_through_the_operator_by_path(trackier_conn, context, logo) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.thumbnail.update", path_params={"campaign_id": 3},
                          data={"image": str(logo)})
    assert op.execute(context)["success"] is True
    assert campaign(trackier_conn)["thumbnail"].endswith("/logo.png")


def test_thumbnail_through_the_operator_as_bytes(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.thumbnail.update", path_params={"campaign_id": 3},
                          data={"image": PNG})
    assert op.execute(context)["success"] is True
    assert campaign(trackier_conn)["thumbnail"].endswith("/image.png")


def test_a_templated_path_is_checked_after_rendering(trackier_conn, context, tmp_path: Path) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.thumbnail.update", path_params={"campaign_id": 3},
                          data={"image": "{{ params.logo }}"})  # not checked at parse time: it is templated
    op.render_template_fields({"params": {"logo": str(tmp_path / "missing.png")}})
    with pytest.raises(TrackierConfigError) as info:
        op.execute(context)
    assert info.value.field == "data.image" and "does not exist" in str(info.value)
    assert api_calls(trackier_conn) == []


def test_a_retried_upload_sends_the_same_bytes(hook, trackier_conn, logo) -> None:
    """The catalogue calls a thumbnail edit idempotent (it sets the same state again), so a 502 is retried;
    the second attempt must carry the whole file again (the emulator refuses an empty or missing one)."""
    trackier_conn.add_fault({"kind": "status", "status": 502, "times": 1, "path": THUMBNAIL})
    hook.api.campaigns.thumbnail.update(campaign_id=3, data={"image": logo})
    assert [c["status"] for c in api_calls(trackier_conn, "POST", THUMBNAIL)] == [502, 200]
    assert campaign(trackier_conn)["thumbnail"].endswith("/logo.png")


# ----------------------------------------------------------------------------- bad files: before any request
@pytest.mark.parametrize(("value", "problem"), [
    (42, "must be a file's path or its bytes"),
    ("  ", "must be a file's path or its bytes"),
    (b"GIF0", "not a file of a kind it takes (jpeg, gif, bmp, png, ico, tif)"),
    (b"", "the bytes are empty"),
])
def test_static_bad_files_fail_when_the_operator_is_built(trackier_conn, value, problem) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierOperator(task_id="t", operation="campaigns.thumbnail.update", path_params={"campaign_id": 3},
                         data={"image": value})
    assert info.value.field == "data.image" and problem in str(info.value)
    assert api_calls(trackier_conn) == []


def _bad_path(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "nope.png"
    if kind == "directory":
        return tmp_path
    if kind == "pipe":
        os.mkfifo(tmp_path / "pipe.png")  # opening it must not wait for a writer
        return tmp_path / "pipe.png"
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    return text


@pytest.mark.parametrize(("kind", "problem"), [
    ("missing", "does not exist"),
    ("directory", "is a directory"),
    ("pipe", "is not a regular file"),
    ("text", "is not a file of a kind it takes"),
])
def test_bad_paths_fail_before_any_request(hook, trackier_conn, context, tmp_path, kind, problem) -> None:
    path = str(_bad_path(tmp_path, kind))
    op = TrackierOperator(task_id="t", operation="campaigns.thumbnail.update", path_params={"campaign_id": 3},
                          data={"image": path})  # built: a path is only opened when the task runs
    for attempt in (lambda: op.execute(context),
                    lambda: hook.api.campaigns.thumbnail.update(campaign_id=3, data={"image": path})):
        with pytest.raises(TrackierConfigError) as info:
            attempt()
        assert info.value.field == "data.image" and problem in str(info.value), str(info.value)
    assert api_calls(trackier_conn) == []


# ----------------------------------------------------------------------------- the emulator's refusals
def test_the_emulator_refuses_a_missing_file_with_107(hook, trackier_conn) -> None:
    with pytest.raises(TrackierValidationError) as info:
        hook.api.campaigns.thumbnail.update(campaign_id=3, data={})
    assert info.value.code == "107" and '"image" is required' in str(info.value)
    assert not campaign(trackier_conn).get("thumbnail")


def test_the_emulator_refuses_a_file_of_another_kind_with_107(trackier_conn) -> None:
    """Sent around the provider's own check (which refuses it before any request)."""
    answer = requests.post(trackier_conn.base_url + THUMBNAIL, headers={"X-Api-Key": trackier_conn.api_key},
                           files={"image": ("a.txt", b"hello", "text/plain")}, timeout=10)
    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["code"] == "107" and error["message"] == '"image" must be a jpeg | gif | bmp | png | ico | tif file'


# ----------------------------------------------------------------------------- form fields
def test_s2s_tracking_through_hook_api(hook, trackier_conn) -> None:
    answer = hook.api.campaigns.s2s_tracking.update(
        campaign_id=3, data={"serverSideClicks": 1, "s2sPubSetting": "include", "s2spubs": ["1", "2"],
                             "s2sRedirectUrl": "https://example.com/r"})
    assert answer["success"] is True
    saved = campaign(trackier_conn)
    assert (saved["serverSideClicks"], saved["s2sPubSetting"], saved["s2spubs"], saved["s2sRedirectUrl"]) == (
        1, "include", ["1", "2"], "https://example.com/r")


def test_s2s_tracking_checks_its_form_before_any_request(hook, trackier_conn) -> None:
    with pytest.raises(TrackierConfigError) as info:
        hook.api.campaigns.s2s_tracking.update(campaign_id=3, data={"serverSideClicks": 1, "s2sPubSetting": "all"})
    assert info.value.field == "data.s2sPubSetting" and "include, exclude" in str(info.value)
    assert api_calls(trackier_conn) == []


def test_impression_tracking_through_the_operator(trackier_conn, context) -> None:
    op = TrackierOperator(task_id="t", operation="campaigns.impression_tracking.update",
                          path_params={"campaign_id": 3},
                          data={"allowImp": 1, "specificPubs": "exclude", "s2sPubs": ["4"], "enableVta": "0"})
    assert op.execute(context)["success"] is True
    saved = campaign(trackier_conn)
    assert (saved["allowImp"], saved["specificPubs"], saved["s2sPubs"], saved["enableVta"]) == (1, "exclude", ["4"], 0)


def test_impression_tracking_through_hook_call(hook, trackier_conn) -> None:
    hook.call("campaigns.impression_tracking.update", ids={"campaign_id": 3}, body={"serverSideImpression": 1})
    assert campaign(trackier_conn)["serverSideImpression"] == 1


# ----------------------------------------------------------------------------- editConv's is_multiple header
def test_is_multiple_is_sent_as_a_header_and_the_status_changes(hook, trackier_conn) -> None:
    day = (trackier_conn.now() - timedelta(days=3)).date().isoformat()
    window = {"start": f"{day} 00:00:00", "end": f"{day} 00:59:59"}
    target = next(c for c in hook.api.conversions.list(**window) if c["status"] == "approved")
    hook.api.conversions.update_status(txn_id=target["txn_id"], date=day, status="rejected", is_multiple=True)
    sent = api_calls(trackier_conn, "POST", "/v2/editConv")
    assert [(c["headers"], "is_multiple" in c["query"]) for c in sent] == [({"is_multiple": "true"}, False)]
    after = {c["id"]: c["status"] for c in hook.api.conversions.list(**window)}
    assert after[target["id"]] == "rejected"


def test_is_multiple_through_the_operator(trackier_conn, context) -> None:
    day = (trackier_conn.now() - timedelta(days=3)).date().isoformat()
    hook = TrackierHook()
    target = next(c for c in hook.api.conversions.list(start=f"{day} 00:00:00", end=f"{day} 00:59:59"))
    op = TrackierOperator(task_id="t", operation="conversions.update_status",
                          query={"id": target["id"], "status": "pending", "is_multiple": False})
    assert op.execute(context)["success"] is True
    assert api_calls(trackier_conn, "POST", "/v2/editConv")[0]["headers"] == {"is_multiple": "false"}


def test_the_async_path_sends_the_header_and_refuses_a_multipart_body(trackier_conn) -> None:
    """``acall`` (triggers' path) sends a call's header parameters like ``call``, and refuses a multipart
    operation before any request rather than sending it without its parts."""
    import asyncio

    day = (trackier_conn.now() - timedelta(days=3)).date().isoformat()
    hook = TrackierHook()
    target = next(c for c in hook.api.conversions.list(start=f"{day} 00:00:00", end=f"{day} 00:59:59"))

    async def both() -> None:
        async with await hook.async_client() as client:
            await hook.acall(client, "conversions.update_status",
                             query={"id": target["id"], "status": "pending", "is_multiple": True})
            with pytest.raises(TrackierConfigError, match="multipart"):
                await hook.acall(client, "campaigns.impression_tracking.update", ids={"campaign_id": 3})

    asyncio.run(both())
    sent = api_calls(trackier_conn, "POST", "/v2/editConv")
    assert [c["headers"] for c in sent] == [{"is_multiple": "true"}]
    assert not [r for r in trackier_conn.requests if "impression" in r["path"]]


def test_a_bad_is_multiple_fails_when_the_operator_is_built(trackier_conn) -> None:
    with pytest.raises(TrackierConfigError) as info:
        TrackierOperator(task_id="t", operation="conversions.update_status",
                         query={"id": "x", "status": "approved", "is_multiple": "sometimes"})
    assert info.value.field == "query.is_multiple"
    assert api_calls(trackier_conn) == []


# ----------------------------------------------------------------------------- the catalogue and the spec
@pytest.mark.spec
def test_file_fields_and_formats_are_the_specs() -> None:
    """Every ``type: file`` property of a multipart body is a file field of the model, taking the image kinds
    the spec lists for it (and a multipart body's other fields are no file fields)."""
    require_spec()
    spec = load_spec()
    for operation in (o for o in OPERATIONS.values() if o.content == "multipart"):
        media = spec["paths"][operation.path]["post"]["requestBody"]["content"]["multipart/form-data"]
        properties = media["schema"]["properties"]
        files = {name: prop for name, prop in properties.items() if prop.get("type") == "file"}
        model = MODELS[operation.body or ""]
        assert sorted(model.files) == sorted(files), operation.name
        for name, prop in files.items():
            listed = {word.strip() for word in prop["description"].split("|")}
            assert {f.extension for f in model.files[name]} == listed == {f.extension for f in IMAGES}
