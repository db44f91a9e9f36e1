"""Body validation with Trackier's (Joi-style) messages: ``"url" is required``, ``"status" must be one of [...]``."""

from __future__ import annotations

import re
from typing import Any

from trackier_provider.emulator.errors import ApiError, Variant, validation_error

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_SPECIALS = "-@#$&"  # noqa: S105 - the rule, not a secret
PASSWORD_MESSAGE = "Password criteria not met!"  # noqa: S105


def require(body: dict[str, Any], *fields: str) -> None:
    """Fail with ``"<field>" is required`` for the first missing or empty field."""
    for name in fields:
        value = body.get(name)
        if value is None or value == "" or value == []:
            raise validation_error(f'"{name}" is required')


def one_of(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    """Fail unless ``body[name]`` (when present) is one of ``allowed``."""
    if name in body and body[name] not in allowed:
        raise validation_error(f'"{name}" must be one of [{", ".join(allowed)}]')


def of_type(body: dict[str, Any], name: str, kind: type | tuple[type, ...], label: str) -> None:
    """Fail with ``"<name>" must be a <label>`` when present with the wrong JSON type."""
    if name in body and body[name] is not None and (
            not isinstance(body[name], kind) or isinstance(body[name], bool)):
        raise validation_error(f'"{name}" must be a {label}')


def email(body: dict[str, Any], name: str = "email") -> None:
    """Fail unless ``body[name]`` (when present) looks like an email address."""
    if name in body and not EMAIL.match(str(body[name])):
        raise validation_error(f'"{name}" must be a valid email')


def password_ok(password: str) -> bool:
    """Trackier's rule: 8-16 characters with an upper, a lower, a digit and one of ``- @ # $ &``."""
    return (8 <= len(password) <= 16 and any(c.isupper() for c in password)
            and any(c.islower() for c in password) and any(c.isdigit() for c in password)
            and any(c in PASSWORD_SPECIALS for c in password))


def check_password(password: Any) -> None:
    """Raise the exact ``Password criteria not met!`` error (``success:false`` envelope) if it fails."""
    if not isinstance(password, str) or not password_ok(password):
        raise ApiError(400, "107", PASSWORD_MESSAGE, variant="success_errors")


def with_variant(error: ApiError, variant: Variant | None) -> ApiError:
    """Give an error the route's envelope variant unless it already has one."""
    if error.variant is None:
        error.variant = variant
    return error
