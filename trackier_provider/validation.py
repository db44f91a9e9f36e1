"""Input checks run before any request, shared by the operators and by DAGs that validate rows (e.g. CSV).

Every check raises ``TrackierConfigError`` naming the field, the problem and the fix. Secret values
(passwords) are never part of a message: only the rule they break.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from trackier_provider.exceptions import TrackierConfigError

#: Trackier's own message for a password that breaks its rule (error 107).
PASSWORD_MESSAGE = "Password criteria not met!"  # noqa: S105 (a message, not a password)
PASSWORD_SPECIALS = "-@#$&"  # noqa: S105 (the allowed special characters)
PASSWORD_RULE = (
    "Use 8-16 characters with at least one uppercase letter, one lowercase letter, one digit "
    f"and one of {' '.join(PASSWORD_SPECIALS)}."
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def password_ok(password: Any) -> bool:
    """True when ``password`` meets Trackier's rule for publisher and advertiser passwords."""
    return (
        isinstance(password, str)
        and 8 <= len(password) <= 16
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
        and any(c in PASSWORD_SPECIALS for c in password)
    )


def check_password(password: Any, field: str = "password") -> None:
    """Raise Trackier's "Password criteria not met!" (without the password) unless it meets the rule."""
    if not password_ok(password):
        raise TrackierConfigError(field, PASSWORD_MESSAGE, PASSWORD_RULE)


def check_email(email: Any, field: str = "email") -> None:
    """Raise unless ``email`` looks like an email address."""
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise TrackierConfigError(field, f"{email!r} is not a valid email address")


def is_blank(value: Any) -> bool:
    """True for None, empty or whitespace-only strings and empty collections."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return not value
    return False


def require(payload: Mapping[str, Any], fields: Iterable[str], what: str = "") -> None:
    """Raise for the first of ``fields`` missing or empty in ``payload``."""
    for name in fields:
        if is_blank(payload.get(name)):
            where = f" for {what}" if what else ""
            raise TrackierConfigError(name, f"is required{where}", f"Pass a value for {name!r}.")


def check_choice(field: str, value: Any, allowed: Collection[Any]) -> None:
    """Raise unless ``value`` is None or one of ``allowed``."""
    if value is not None and value not in allowed:
        raise TrackierConfigError(field, f"{value!r} is not allowed", f"Use one of: {', '.join(map(str, allowed))}.")


def check_payouts(payouts: Any, field: str = "payouts") -> None:
    """A campaign's payouts: a non-empty list of objects with a numeric payout and revenue and a geo list."""
    if not isinstance(payouts, list) or not payouts:
        raise TrackierConfigError(field, "must be a non-empty list of payout objects", 'e.g. [{"payout": 1.2, '
                                  '"revenue": 1.5, "geo": ["US"]}]')
    for index, item in enumerate(payouts):
        where = f"{field}[{index}]"
        if not isinstance(item, Mapping):
            raise TrackierConfigError(where, f"must be an object, got {type(item).__name__}")
        for name in ("payout", "revenue"):
            value = item.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise TrackierConfigError(f"{where}.{name}", f"must be a number >= 0, got {value!r}")
        if not isinstance(item.get("geo"), list):
            raise TrackierConfigError(f"{where}.geo", "must be a list of country codes", 'Use ["ALL"] or ["US", ...].')


def publisher_problems(row: Mapping[str, Any]) -> list[str]:
    """Every reason a publisher row (name, email, password, ...) would be rejected, for bulk CSV checks.

    Returns messages such as ``"password: Password criteria not met!"``; never the password itself.
    """
    problems: list[str] = []
    checks = (
        lambda: require(row, ("name", "email", "password"), "a publisher"),
        lambda: check_email(row.get("email")),
        lambda: check_password(row.get("password")),
        lambda: check_choice("status", row.get("status") or None, ("active", "pending", "disabled", "rejected")),
    )
    for check in checks:
        try:
            check()
        except TrackierConfigError as exc:
            problems.append(f"{exc.field}: {exc.problem}")
    return list(dict.fromkeys(problems))


__all__ = [
    "PASSWORD_MESSAGE",
    "PASSWORD_RULE",
    "check_choice",
    "check_email",
    "check_password",
    "check_payouts",
    "is_blank",
    "password_ok",
    "publisher_problems",
    "require",
]
