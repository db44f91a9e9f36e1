"""Every error envelope Trackier uses becomes the right typed error.

These are pure parsing tests of the one parser; the HTTP paths are covered in test_trackier.py.
"""

from __future__ import annotations

import json

import pytest

from trackier_provider.exceptions import (
    TrackierAPIError,
    TrackierAuthenticationError,
    TrackierIPNotWhitelistedError,
    TrackierNotFoundError,
    TrackierRateLimitError,
    TrackierResponseError,
    TrackierServerError,
    TrackierValidationError,
)
from trackier_provider.hooks.envelopes import decode_json, error_from_response, is_error_payload


def err(code: str, code_msg: str, message: str, status: int = 400) -> dict:
    return {"statusCode": status, "code": code, "codeMsg": code_msg, "message": message}


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "message"),
    [
        (400, {"errors": [err("101", "API_KEY_MISSING", "no key")]}, TrackierAuthenticationError, "101", "no key"),
        (400, {"errors": [err("102", "INVALID_API_KEY", "bad key")]}, TrackierAuthenticationError, "102", "bad key"),
        (401, {"errors": [err("113", "UNAUTHORIZID_USER", "nope", 401)]}, TrackierAuthenticationError, "113", "nope"),
        (400, {"errors": [err("105", "IP_NOT_WHITELISTED", "ip")]}, TrackierIPNotWhitelistedError, "105", "ip"),
        (
            400,
            {"success": False, "errors": [err("107", "VALIDATION_ERROR", "Password criteria not met!")]},
            TrackierValidationError,
            "107",
            "Password criteria not met!",
        ),
        (400, {"errors": [err("109", "RESOURCE_NOT_FOUND", "gone")]}, TrackierNotFoundError, "109", "gone"),
        (404, {"success": False, "error": {"code": "109", "message": "no such"}}, TrackierNotFoundError, "109",
         "no such"),
        (400, {"success": False, "message": "Something off"}, TrackierAPIError, None, "Something off"),
        (400, {"errors": err("107", "VALIDATION_ERROR", '"url" is required')}, TrackierValidationError, "107",
         '"url" is required'),
        (500, {"errors": [err("112", "SERVICE_NOT_AVAILABLE", "down", 500)]}, TrackierServerError, "112", "down"),
        (429, {"errors": [err("429", "TOO_MANY_REQUESTS", "slow down", 429)]}, TrackierRateLimitError, "429",
         "slow down"),
    ],
)
def test_envelopes(status, body, cls, code, message):
    exc = error_from_response(status, json.dumps(body).encode(), method="GET", endpoint="/v2/x")
    assert type(exc) is cls
    assert exc.code == code
    assert exc.message == message
    assert exc.status == status
    assert "GET /v2/x" in str(exc)


def test_rate_limit_carries_retry_after():
    exc = error_from_response(429, b"", method="GET", endpoint="/v2/x", headers={"Retry-After": "4"})
    assert isinstance(exc, TrackierRateLimitError) and exc.retry_after == 4.0


def test_html_error_page_is_quoted_briefly():
    page = "<html>" + "y" * 1000 + "</html>"
    exc = error_from_response(502, page, method="GET", endpoint="/v2/x")
    assert isinstance(exc, TrackierServerError)
    assert "<html>" in str(exc) and "y" * 201 not in str(exc)


def test_success_false_on_200_is_an_error():
    assert is_error_payload({"success": False, "message": "x"})
    assert is_error_payload({"errors": [err("107", "VALIDATION_ERROR", "x")]})
    assert not is_error_payload({"success": True, "campaigns": []})
    assert not is_error_payload({"campaigns": []})
    assert not is_error_payload([1, 2])


@pytest.mark.parametrize("body", [b"", b"   ", b'{"campaigns": [', b"<html>hi</html>"])
def test_decode_json_rejects_garbage(body):
    with pytest.raises(TrackierResponseError):
        decode_json(body, status=200, method="GET", endpoint="/v2/x")


# ------------------------------------------------------------------ pages kept raw (JSON Lines exports)
PAGE_TEXT = (
    '{"conversions": [{"id": "a", "note": "say \\"hi\\", [ok]", "n": 1.5, "u": "Zürich \\u00e9"},\n'
    '  {"id":"b","tags":["x",{"y":null}]} ], "pagination": {"perPage": 2, "total": 9}, "columns": {}}'
)


def test_a_page_keeps_each_record_as_sent() -> None:
    import json

    import msgspec

    from trackier_provider.hooks.envelopes import decode_page, record_value

    page = decode_page(PAGE_TEXT.encode(), "conversions", status=200, method="GET", endpoint="/x")
    records = page["conversions"]
    assert all(type(r) is msgspec.Raw for r in records)
    assert bytes(records[1]) == b'{"id":"b","tags":["x",{"y":null}]}'  # byte for byte, not re-encoded
    assert [record_value(r) for r in records] == json.loads(PAGE_TEXT)["conversions"]
    assert page["pagination"] == {"perPage": 2, "total": 9}


def test_a_pretty_printed_record_becomes_one_line() -> None:
    import json

    from trackier_provider.hooks.envelopes import decode_page

    text = '{"data": {"page": 1, "changedCampaigns": [\n  {\n    "id": 1,\n    "t": "a\\nb"\n  }\n]}}'
    page = decode_page(text.encode(), "data.changedCampaigns", status=200, method="GET", endpoint="/x")
    (record,) = page["data"]["changedCampaigns"]
    assert b"\n" not in bytes(record) and json.loads(bytes(record)) == {"id": 1, "t": "a\nb"}
    assert page["data"]["page"] == 1


@pytest.mark.parametrize(
    "text", ['{"errors": [{"code": "107"}]}', "null", "[]", '{"conversions": {"id": 1}}', '{"conversions": 5}'],
)
def test_other_shapes_are_decoded_plainly_for_the_usual_checks(text) -> None:
    import json

    from trackier_provider.hooks.envelopes import decode_page

    assert decode_page(text.encode(), "conversions", status=200, method="GET", endpoint="/x") == json.loads(text)


@pytest.mark.parametrize("text", ['{"conversions": [{"id": 1},]}', '{"conversions": [{"id": 1}]', "<html>"])
def test_broken_json_is_still_a_response_error(text) -> None:
    from trackier_provider.hooks.envelopes import decode_page

    with pytest.raises(TrackierResponseError):
        decode_page(text.encode(), "conversions", status=200, method="GET", endpoint="/x")
