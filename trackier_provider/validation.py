"""Input checks run before any request, shared by the operators, sensors, hook, connection and by DAGs that
validate rows (e.g. CSV).

Every check raises ``TrackierConfigError`` naming the field, the problem and the fix, and returns the value
as it will be sent (text stripped, numbers as ``int``/``float``, ids as text). The rules are the same
everywhere: a boolean is not a number, NaN and infinities are refused, text has its surrounding whitespace
removed and may not contain control characters, lists of ids are checked element by element, and
enumerations are checked against the values Trackier documents. Secret values (passwords) are never part of
a message: only the rule they break.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Collection, Mapping
from datetime import timedelta
from decimal import Decimal
from numbers import Integral, Real
from typing import Any
from urllib.parse import urlsplit

from trackier_provider.exceptions import TrackierConfigError

#: Trackier's own message for a password that breaks its rule (error 107).
PASSWORD_MESSAGE = "Password criteria not met!"  # noqa: S105 (a message, not a password)
PASSWORD_SPECIALS = "-@#$&"  # noqa: S105 (the allowed special characters)
PASSWORD_RULE = (
    "Use 8-16 characters with at least one uppercase letter, one lowercase letter, one digit "
    f"and one of {' '.join(PASSWORD_SPECIALS)}."
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
#: Unicode categories refused in text: control characters (line breaks, tabs, NUL, ...), surrogates
#: (which cannot be encoded) and the line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: How deep a JSON body or a filter may nest.
MAX_DEPTH = 20
#: Unicode categories refused inside an id besides control characters: format characters (zero-width space,
#: joiners, direction marks, byte order mark), private-use and unassigned code points, and spaces other than
#: the plain one (no-break, thin, ideographic, ...).
_INVISIBLE_IN_IDS = frozenset({"Cf", "Co", "Cn", "Zs"})
#: A number written as text: ASCII digits, optional sign, decimal point and exponent (no ``1_000``, ``0x10``,
#: ``nan``, ``inf`` or digits of other scripts).
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
#: Beyond 10**308 no float exists, and no whole number Trackier takes is that long.
MAX_EXPONENT = 308
#: Characters that make a string a (JSON) list rather than comma-separated values.
_LIST_MARKS = frozenset('[]{}"')
URL_SCHEMES = ("http", "https")
#: Sort directions of the list endpoints that take one.
DIRECTIONS = ("asc", "desc")
#: A publisher's status (UserCreate ``status``).
USER_STATUSES = ("active", "pending", "disabled", "rejected")


def refuse_control_characters(field: str, text: str, *, secret: bool = False) -> str:
    """``text`` unchanged, or an error naming the first control character (and the text unless ``secret``)."""
    bad = next((c for c in text if unicodedata.category(c) in _REFUSED_CATEGORIES), None)
    if bad is not None:
        shown = "" if secret else f" in {text!r}"
        raise TrackierConfigError(
            field, f"contains the control character {bad!r}{shown}",
            "Remove line breaks, tabs and other control characters.",
        )
    return text


def check_text(field: str, value: Any, *, secret: bool = False, strip: bool = True) -> str | None:
    """Text without its surrounding whitespace (all of it when ``strip`` is False), or None when absent or
    blank.

    Refuses non-text values and control characters (a trailing newline from a file or a Variable, a tab,
    NUL, ...). ``secret`` keeps the value out of the message.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise TrackierConfigError(field, f"must be text, got {type(value).__name__}", f"Pass {field} as a string.")
    return refuse_control_characters(field, value.strip() if strip else value, secret=secret)


def require_text(field: str, value: Any, *, secret: bool = False, strip: bool = True) -> str:
    """Like ``check_text``, but absent or blank text is an error."""
    text = check_text(field, value, secret=secret, strip=strip)
    if text is None:
        raise TrackierConfigError(field, "is required", f"Pass a value for {field!r}.")
    return text


def check_number(
    field: str,
    value: Any,
    *,
    whole: bool = False,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    from_text: bool = False,
    required: bool = False,
) -> Any:
    """A finite number within bounds (an ``int`` when ``whole``), or None when absent (an error when
    ``required``).

    Booleans are refused (``True`` is not 1), so are NaN, infinities and, when ``whole``, fractions
    (``2.5`` is not taken as 2). ``from_text`` also reads numbers written as text (connection extras).
    """
    if value is None or (from_text and isinstance(value, str) and not value.strip()):
        if required:
            raise TrackierConfigError(field, "is required", f"Pass {field} as a number.")
        return None
    given = value
    kind = "a whole number" if whole else "a number"
    if from_text and isinstance(value, str):
        given = _number_from_text(field, value, whole=whole, kind=kind)
    if isinstance(given, bool) or not isinstance(given, Real):
        raise TrackierConfigError(field, f"must be {kind}, got {value!r}", f"Pass {field} as {kind}.")
    number: float
    if isinstance(given, Integral):
        number = int(given)
    else:
        number = float(given)
        if not math.isfinite(number):
            raise TrackierConfigError(field, f"must be a finite number, got {value!r}", f"Pass {field} as {kind}.")
        if whole and not number.is_integer():
            raise TrackierConfigError(field, f"must be a whole number, got {value!r}", f"Pass {field} as {kind}.")
        number = int(number) if whole else number
    if (at_least is not None and number < at_least) or (above is not None and number <= above) or (
        at_most is not None and number > at_most
    ):
        low = f">= {at_least}" if at_least is not None else (f"> {above}" if above is not None else "")
        bounds = " and ".join(b for b in (low, f"<= {at_most}" if at_most is not None else "") if b)
        raise TrackierConfigError(field, f"must be {bounds}, got {value!r}", f"Pass {field} within that range.")
    return number


def _number_from_text(field: str, value: str, *, whole: bool, kind: str) -> Any:
    """The number a text spells (ASCII digits, an optional sign, point and exponent), only when exact: a
    whole number from a fraction, or a float that is not the number written (more digits than a float
    holds), is refused rather than rounded. None when the text is not a number."""
    text = value.strip()
    if not _NUMBER_TEXT.fullmatch(text):
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise TrackierConfigError(field, f"must be a finite number, got {value!r}", f"Pass {field} as {kind}.")
        return None
    exact = Decimal(text)
    if exact.is_zero():
        return 0 if whole else 0.0
    if exact.adjusted() > MAX_EXPONENT:
        raise TrackierConfigError(field, f"must be a finite number, got {value!r}", f"Pass {field} as {kind}.")
    if whole:
        if exact != exact.to_integral_value():
            raise TrackierConfigError(field, f"must be a whole number, got {value!r}", f"Pass {field} as {kind}.")
        return int(exact)
    number = float(exact)
    if not math.isfinite(number) or Decimal(repr(number)) != exact:
        raise TrackierConfigError(
            field, f"{value!r} cannot be sent exactly as a number (it would be rounded to {number!r})",
            f"Pass {field} with at most 15 significant digits.",
        )
    return number


def check_seconds(field: str, value: Any, *, at_least: float = 0, at_most: float | None = None) -> float:
    """A duration in seconds from a number or a ``timedelta``, checked like ``check_number``."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    return float(check_number(field, value, at_least=at_least, at_most=at_most, required=True))


def check_flag(field: str, value: Any) -> bool | None:
    """``True``, ``False`` or None; anything else (``"no"``, ``0``) is refused rather than read as truthy."""
    if value is None or isinstance(value, bool):
        return value
    raise TrackierConfigError(field, f"must be True or False, got {value!r}", f"Pass {field}=True or False.")


def check_choice(field: str, value: Any, allowed: Collection[str]) -> str | None:
    """One of ``allowed`` (surrounding whitespace removed), or None when absent or blank."""
    text = check_text(field, value)
    if text is not None and text not in allowed:
        raise TrackierConfigError(field, f"{text!r} is not allowed", f"Use one of: {', '.join(allowed)}.")
    return text


def require_choice(field: str, value: Any, allowed: Collection[str]) -> str:
    """Like ``check_choice``, but absent or blank is an error."""
    choice = check_choice(field, value, allowed)
    if choice is None:
        raise TrackierConfigError(field, "is required", f"Use one of: {', '.join(allowed)}.")
    return choice


def _items(field: str, values: Any, what: str) -> list[tuple[str, Any]]:
    """``(field[i], item)`` for a list, tuple or set; a comma-separated string gives its non-blank parts.

    A string holding brackets, braces or quotes (a list rendered by a template, ``"[1, 2]"``) is read as a
    JSON list or refused: it is never split on its commas.
    """
    if values is None or values == "":
        return []
    if isinstance(values, str):
        if _LIST_MARKS.isdisjoint(values):
            return [(field, part) for part in values.split(",") if part.strip()]
        values = _json_list(field, values, what)
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise TrackierConfigError(
            field, f"must be a list of {what}, got {type(values).__name__}",
            f"Pass a list such as [...] or a comma-separated string of {what}.",
        )
    return [(f"{field}[{index}]", item) for index, item in enumerate(values)]


def _json_list(field: str, text: str, what: str) -> list[Any]:
    fix = (f"Render a list as JSON (e.g. {{{{ ti.xcom_pull(...) | tojson }}}}), or pass a comma-separated string "
           f"of {what} such as 1,2.")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise TrackierConfigError(field, f"{text[:80]!r} looks like a list but is not JSON", fix) from None
    if not isinstance(parsed, list):
        raise TrackierConfigError(field, f"{text[:80]!r} is JSON but not a list", fix)
    return parsed


def check_choices(field: str, values: Any, allowed: Collection[str] | None = None) -> list[str]:
    """Names from a list, a comma-separated string or a JSON list as text, each checked (and one of ``allowed``
    when given)."""
    names: list[str] = []
    for where, item in _items(field, values, "names"):
        name = check_choice(where, item, allowed) if allowed is not None else check_text(where, item)
        if name is None:
            raise TrackierConfigError(where, "is empty", f"Remove it or name a value of {field}.")
        names.append(name)
    return names


def check_dotted_path(field: str, value: Any) -> str:
    """An import path such as ``my_package.checks.enough_rows``: identifiers joined by dots."""
    text = require_text(field, value)
    if not _DOTTED_PATH.fullmatch(text):
        raise TrackierConfigError(
            field, f"{text!r} is not an import path", "Pass a function or its path, e.g. 'my_pkg.checks.enough_rows'."
        )
    return text


def check_id(field: str, value: Any) -> str:
    """One object id (numeric or hash), as text: a whole number >= 0 or text without control or invisible
    characters (zero-width space, no-break space, ...)."""
    if isinstance(value, bool) or not isinstance(value, (str, Integral, type(None))):
        raise TrackierConfigError(
            field, f"must be an id (text or a whole number), got {type(value).__name__}", f"Pass the {field}."
        )
    if isinstance(value, Integral):
        return str(check_number(field, value, whole=True, at_least=0))
    text = check_text(field, value)
    if text is None:
        raise TrackierConfigError(field, "is required" if value is None else "is empty", f"Pass the {field}.")
    hidden = next((c for c in text if c != " " and unicodedata.category(c) in _INVISIBLE_IN_IDS), None)
    if hidden is not None:
        raise TrackierConfigError(
            field, f"contains the invisible character U+{ord(hidden):04X} in {text!r}",
            "Remove it (copying from a web page can bring a zero-width or no-break space).",
        )
    return text


def check_ids(field: str, values: Any) -> list[str] | None:
    """Ids from a list, a single id, a comma-separated string or a JSON list as text, each checked; None when
    there are none."""
    if isinstance(values, Integral) and not isinstance(values, bool):
        values = [values]
    ids = [check_id(where, item) for where, item in _items(field, values, "ids")]
    return ids or None


def check_url(field: str, value: Any) -> str | None:
    """An ``http(s)://host[:port][/path]`` URL (the only kind requests can call), or None when absent.

    A refused URL is quoted without its user, password, query and fragment (``scrubbing.redact_url``): they
    may hold a credential.
    """
    from trackier_provider.scrubbing import redact_url  # the scrubber imports Airflow's masker

    text = check_text(field, value, secret=True)
    if text is None:
        return None
    fix = "Use an address such as https://api.trackier.com."
    shown = repr(redact_url(text))
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise TrackierConfigError(field, f"{shown} is not a valid URL ({exc})", fix) from None
    if parts.scheme.lower() not in URL_SCHEMES:
        raise TrackierConfigError(field, f"{shown} does not start with http:// or https://", fix)
    if not parts.hostname or not port_ok or any(c.isspace() for c in text):
        raise TrackierConfigError(field, f"{shown} has no valid host[:port]", fix)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise TrackierConfigError(field, f"{shown} may not carry a query, a fragment or credentials", fix)
    return text


def check_mapping(field: str, value: Any) -> dict[str, Any] | None:
    """A dict with text keys (no brackets, which would change a PHP-style query), or None when absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TrackierConfigError(
            field, f"must be a dict, got {type(value).__name__}", f'Pass {field} as a dict such as {{"name": "..."}}.'
        )
    for key in value:
        name = require_text(f"{field} key", key)
        if "[" in name or "]" in name:
            raise TrackierConfigError(f"{field} key", f"{key!r} may not contain [ or ]", "Nest a dict instead.")
    return dict(value)


def check_json(field: str, value: Any, depth: int = 0) -> Any:
    """A value JSON can carry exactly: dicts with text keys, lists, text, finite numbers, booleans, None.

    Free text may hold line breaks (descriptions) but not unencodable surrogates.
    """
    if depth > MAX_DEPTH:
        raise TrackierConfigError(field, f"nests deeper than {MAX_DEPTH} levels", "Flatten the value.")
    if value is None or isinstance(value, (bool, Integral)):
        return value
    if isinstance(value, str):
        if any(unicodedata.category(c) == "Cs" for c in value):
            raise TrackierConfigError(field, "contains an unpaired surrogate character", "Pass valid Unicode text.")
        return value
    if isinstance(value, Real):
        return check_number(field, value)
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TrackierConfigError(f"{field} key", f"must be text, got {type(key).__name__}")
        return {key: check_json(f"{field}.{key}", item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [check_json(f"{field}[{i}]", item, depth + 1) for i, item in enumerate(value)]
    raise TrackierConfigError(
        field, f"{type(value).__name__} cannot be sent as JSON", "Use dicts, lists, text, numbers, booleans or None."
    )


def password_ok(password: Any) -> bool:
    """True when ``password`` meets Trackier's rule for publisher and advertiser passwords."""
    return (
        isinstance(password, str)
        and 8 <= len(password) <= 16
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
        and any(c in PASSWORD_SPECIALS for c in password)
        and not any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in password)
    )


def check_password(password: Any, field: str = "password") -> str:
    """The password unchanged, or Trackier's "Password criteria not met!" (never the password) for a bad one."""
    if not password_ok(password):
        raise TrackierConfigError(field, PASSWORD_MESSAGE, PASSWORD_RULE)
    return password  # type: ignore[no-any-return]


def check_email(email: Any, field: str = "email") -> str:
    """An email address without surrounding whitespace; refused unless it looks like one."""
    text = require_text(field, email)
    if not _EMAIL.fullmatch(text):
        raise TrackierConfigError(field, f"{text!r} is not a valid email address", "Use e.g. name@example.com.")
    return text


def check_payouts(payouts: Any, field: str = "payouts") -> list[dict[str, Any]]:
    """A campaign's payouts: a non-empty list of objects with a number >= 0 payout and revenue and a geo list."""
    if not isinstance(payouts, (list, tuple)) or not payouts:
        raise TrackierConfigError(field, "must be a non-empty list of payout objects", 'e.g. [{"payout": 1.2, '
                                  '"revenue": 1.5, "geo": ["US"]}]')
    checked = []
    for index, item in enumerate(payouts):
        where = f"{field}[{index}]"
        if not isinstance(item, Mapping):
            raise TrackierConfigError(where, f"must be an object, got {type(item).__name__}")
        payout = check_json(where, item)
        for name in ("payout", "revenue"):
            if payout.get(name) is None:
                raise TrackierConfigError(f"{where}.{name}", "is required", "Pass a number >= 0.")
            payout[name] = check_number(f"{where}.{name}", payout[name], at_least=0)
        if not isinstance(payout.get("geo"), list):
            raise TrackierConfigError(f"{where}.geo", "must be a list of country codes", 'Use ["ALL"] or ["US", ...].')
        payout["geo"] = check_choices(f"{where}.geo", payout["geo"])
        checked.append(payout)
    return checked


def publisher_problems(row: Mapping[str, Any]) -> list[str]:
    """Every reason a publisher row (name, email, password, ...) would be rejected, for bulk CSV checks.

    Returns messages such as ``"password: Password criteria not met!"``; never the password itself.
    """
    problems: list[str] = []
    checks = (
        lambda: require_text("name", row.get("name")),
        lambda: check_email(row.get("email")),
        lambda: check_password(row.get("password")),
        lambda: check_choice("status", row.get("status"), USER_STATUSES),
    )
    for check in checks:
        try:
            check()
        except TrackierConfigError as exc:
            problems.append(f"{exc.field}: {exc.problem}")
    return list(dict.fromkeys(problems))



def is_templated(value: Any) -> bool:
    """True for a string still holding Jinja (not yet rendered)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def holds_template(value: Any) -> bool:
    """True when ``value`` or any string inside it (lists, tuples, sets, dict keys and values, nested) still
    holds Jinja: an argument that can only be checked after rendering."""
    if isinstance(value, Mapping):
        return any(holds_template(k) or holds_template(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(holds_template(item) for item in value)
    return is_templated(value)


__all__ = [
    "DIRECTIONS",
    "PASSWORD_MESSAGE",
    "PASSWORD_RULE",
    "USER_STATUSES",
    "check_choice",
    "check_choices",
    "check_dotted_path",
    "check_email",
    "check_flag",
    "check_id",
    "check_ids",
    "check_json",
    "check_mapping",
    "check_number",
    "check_password",
    "check_payouts",
    "check_seconds",
    "check_text",
    "check_url",
    "holds_template",
    "is_templated",
    "password_ok",
    "publisher_problems",
    "refuse_control_characters",
    "require_choice",
    "require_text",
]
