"""Trackier's error codes and the one builder of every error envelope the emulator sends."""

from __future__ import annotations

from typing import Any, Literal

Variant = Literal["errors", "success_errors", "error_object"]

CODE_MESSAGES: dict[str, str] = {
    "101": "API_KEY_MISSING",
    "102": "INVALID_API_KEY",
    "103": "USER_ACCOUNT_INACTIVE",
    "104": "ACCOUNT_INACTIVE",
    "105": "IP_NOT_WHITELISTED",
    "106": "INSUFFICIENT_PERMISSION",
    "107": "VALIDATION_ERROR",
    "108": "DATA_SAVING_FAILED",
    "109": "RESOURCE_NOT_FOUND",
    "111": "RESOURCE_DELETED",
    "112": "SERVICE_NOT_AVAILABLE",
    "113": "UNAUTHORIZID_USER",
    # Not a Trackier code: the emulator's rate limiter and unknown routes use these.
    "429": "TOO_MANY_REQUESTS",
    "404": "ROUTE_NOT_FOUND",
}


class ApiError(Exception):
    """An error answer: HTTP status, Trackier code and message, optionally a specific envelope variant."""

    def __init__(self, status: int, code: str, message: str, *, variant: Variant | None = None,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.variant = variant
        self.headers = headers  # sent with the answer, e.g. Allow on a 405


def validation_error(message: str, *, variant: Variant | None = None) -> ApiError:
    """A 400 / 107 VALIDATION_ERROR with a Trackier-style message such as ``"url" is required``."""
    return ApiError(400, "107", message, variant=variant)


def not_found(what: str) -> ApiError:
    """A 400 / 109 RESOURCE_NOT_FOUND: the spec documents only 400 answers for these operations."""
    return ApiError(400, "109", f"{what} not found")


def error_body(status: int, code: str, message: str, variant: Variant = "errors") -> dict[str, Any]:
    """Build the envelope: ``{"errors":[{...}]}``, with ``success:false`` or as a single object per variant."""
    item = {"statusCode": status, "code": code, "codeMsg": CODE_MESSAGES.get(code, "ERROR"), "message": message}
    if variant == "success_errors":
        return {"success": False, "errors": [item]}
    if variant == "error_object":
        return {"errors": item}
    return {"errors": [item]}
