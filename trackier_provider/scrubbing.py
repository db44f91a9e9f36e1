"""The one scrubber for credentials in Trackier's answers, used wherever an answer can reach XCom, a log or
an exception text.

Trackier returns a credential through these fields (from the Admin API spec):

- ``password``: echoed back by publisher, advertiser and team-member answers on some panels;
- ``data.key``: the API key in the answer of ``POST /v2/login``;
- ``security_token`` (advertisers' ``meta.security_token``): the token of an advertiser's postback URL;
- ``apiKey`` / ``api_key`` / ``token`` / ``secret`` spellings, and the same names as query parameters
  inside URLs that answers carry (postback and pixel logs hold whole postback URLs with
  ``security_token=...``).

A secret field is removed from the copy that is returned, a secret query parameter inside a string is
replaced by ``***``, and every value found is registered with Airflow's masker first, so a value that
reaches a log by another route is masked there too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trackier_provider.version_compat import mask_secret

#: Field names (compared case-insensitively, ignoring ``_`` and ``-``) whose values are credentials.
SECRET_NAMES = frozenset(
    {"password", "passwd", "apikey", "xapikey", "securitytoken", "token", "accesstoken", "secret", "clientsecret"}
)
#: Paths (from the top of an answer) of credentials whose field name alone is too common to treat as secret.
SECRET_PATHS = frozenset({("data", "key")})
REDACTED = "***"

_SECRET_PARAM = re.compile(
    r"(?i)(?P<name>(?:[a-z]*[_-]?)?(?:pass(?:w(?:or)?d)?|api[_-]?key|token|secret)(?:%5B%5D|\[\])?)="
    r"(?P<value>[^&\s#\"'<>]+)"
)
_SECRET_JSON = re.compile(
    r"(?i)(?P<name>\"(?:[a-z]*[_-]?)?(?:password|api[_-]?key|token|secret|key)\"\s*:\s*)\"(?P<value>[^\"]*)\""
)


def is_secret_name(name: Any) -> bool:
    """True for a field name that holds a credential (``password``, ``apiKey``, ``security_token``...)."""
    return isinstance(name, str) and re.sub(r"[_\-\s]", "", name).casefold() in SECRET_NAMES


def _mask(value: Any) -> None:
    if isinstance(value, str) and value:
        mask_secret(value)


def scrub_text(text: str) -> str:
    """``text`` with secret query parameters (``security_token=...``) and JSON fields replaced by ``***``."""

    def param(match: re.Match[str]) -> str:
        _mask(match.group("value"))
        return f"{match.group('name')}={REDACTED}"

    def field(match: re.Match[str]) -> str:
        _mask(match.group("value"))
        return f'{match.group("name")}"{REDACTED}"'

    return _SECRET_JSON.sub(field, _SECRET_PARAM.sub(param, text))


def mask_credentials(value: Any) -> None:
    """Register every credential inside ``value`` (e.g. a request body) with Airflow's masker."""
    scrub(value)


def scrub(value: Any, _path: tuple[str, ...] = ()) -> Any:
    """A copy of a decoded answer without credentials (see the module docstring), safe for XCom and logs."""
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for name, item in value.items():
            where = (*_path, str(name))
            if is_secret_name(name) or where in SECRET_PATHS:
                _mask(item)
                continue
            out[name] = scrub(item, where)
        return out
    if isinstance(value, list):
        return [scrub(item, _path) for item in value]
    if isinstance(value, str) and ("=" in value or '"' in value):
        return scrub_text(value)
    return value


__all__ = ["REDACTED", "SECRET_NAMES", "is_secret_name", "mask_credentials", "scrub", "scrub_text"]
