"""The one scrubber for credentials in Trackier's answers, used wherever an answer can reach XCom, a log or
an exception text.

Trackier returns a credential through these fields (from the Admin API spec): ``password`` (echoed by
publisher, advertiser and team-member answers on some panels), ``data.key`` (the API key in the answer of
``POST /v2/login``), ``security_token`` (an advertiser's ``meta.security_token``, and a query parameter of the
postback URLs that postback and pixel logs carry). Panels and proxies add their own spellings, so the
scrubber works by a rule on names, not by a list of them.

The rule (:func:`is_secret_name`). A name is read as its letters and digits, lower-cased and run together
(``X-Api-Key``, ``x_api_key``, ``xApiKey`` and ``x.api.key`` all read ``xapikey``; brackets, ``?`` and ``&``
fall away too). It is secret when that contains

- ``token``, ``secret``, ``password``, ``passwd``, ``apikey``, ``credential`` or ``signature`` anywhere
  (``api_token``, ``authToken``, ``secretKey``, ``apiSecret``, ``refresh_token``, ``filters[password]``,
  ``api_key[0]``, ``securitytoken``, ``SIGNATURES``); or
- ``auth`` not followed by ``or`` (``auth``, ``oauth2``, ``basicAuth``, ``authn``, ``authentication``,
  ``unauthenticated``), or ``authoriz``/``authoris`` (``Authorization``, ``authorised``).

So ``author``, ``authors``, ``co_author``, ``authored`` and ``authority`` are data and stay, as do ``key``,
``keyword``, ``passage``, ``pass_through`` and ``monkey``. The rule errs towards removing: a field whose name
merely contains a credential word (``tokens_used``, ``secretary``) is removed too.

Where a name is secret:

- in a decoded answer (:func:`scrub`) the field is removed from the copy that is returned, nested or not;
  ``data.key`` (the login answer) is removed by its path, as ``key`` alone elsewhere is data;
- in text (:func:`scrub_text`: error bodies, connection errors, URLs inside answers) its value is replaced
  by ``***``, in every form a value follows a name: ``name=value`` query parameters, percent-encoded ones at
  any depth (``%3Fsecurity_token%3D...``, ``filters%5Bpassword%5D=...``), indexed ones (``api_key[0]=``),
  JSON and Python-repr fields (``"password": "..."``, ``'token': '...'``), with escaped quotes
  (``{\\"password\\": \\"...\\"}``); a JSON field named ``key`` is replaced in text too (an echoed login
  answer). The password of a URL (``https://user:password@host``) is replaced as well.

Every value found is registered with Airflow's masker first, so a value that reaches a log by another route
is masked there too. :func:`redact_url` shows a refused URL without its credentials, query or fragment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from trackier_provider.version_compat import mask_secret

#: Credential words found anywhere in a name (letters and digits run together, lower-cased).
SECRET_PARTS = ("token", "secret", "password", "passwd", "apikey", "credential", "signature")
#: Paths (from the top of an answer) of credentials whose field name alone is too common to treat as secret.
SECRET_PATHS = frozenset({("data", "key")})
REDACTED = "***"

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SECRET_RUN = re.compile("|".join((*SECRET_PARTS, "auth(?!or)", "authori[sz]")))

# name=value, with "=" possibly percent-encoded (%3D, %253D...); the name may be percent-encoded too. The
# value stops at the next "=" (so a long run of them is scanned once); a secret one is redacted on to _TAIL's end.
_PARAM = re.compile(
    r"(?P<name>(?:(?!%(?:25)*(?:3[dD]|26))[0-9A-Za-z_.\-\[\]%+])+)(?P<eq>=|%(?:25)*3[dD])"
    r"(?P<value>(?:(?!%(?:25)*(?:2[02367]|3[bBdD]))[^=&;\s#\"'<>\\])*)"
)
_TAIL = re.compile(r"(?:(?!%(?:25)*(?:2[02367]|3[bB]))[^&;\s#\"'<>\\])*")
# "name": value and 'name': value, quotes possibly escaped (\", \\\"...).
_FIELD = re.compile(
    r"(?P<q>\\*[\"'])(?P<name>[^\"'\\:{},\n]{1,200})(?P=q)(?P<colon>\s*:\s*)"
    r"(?:(?P<vq>\\*[\"'])(?P<value>.*?)(?<!\\)(?P=vq)|(?P<object>\{[^{}]*\})|(?P<bare>[^,}\]\s]+))",
    re.DOTALL,
)
# scheme://user:password@ : the password of a URL.
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^/\s@:?#]*:)(?P<value>[^/\s@?#]+)@")
# the separators a percent-decoded name may carry before its last part (?a=1&security_token)
_LAST_PART = re.compile(r".*[?&;/#=,]")


def is_secret_name(name: Any) -> bool:
    """True for a field name that holds a credential by the rule of the module docstring."""
    return isinstance(name, str) and _SECRET_RUN.search(_NOT_ALNUM.sub("", name.lower())) is not None


def _decoded_name(name: str) -> str:
    """A name from text, percent-decoded at any depth, without what an encoded ``?``/``&`` put before it."""
    while (decoded := unquote(name)) != name:  # each round shortens the name, so this ends
        name = decoded
    return _LAST_PART.sub("", name)


def _mask(value: Any) -> None:
    if isinstance(value, str) and value:
        mask_secret(value)
        decoded = unquote(value)
        if decoded != value:
            mask_secret(decoded)


def _redact_values(pattern: re.Pattern[str], text: str, secret: Any, tail: re.Pattern[str] | None = None) -> str:
    """``text`` with the value of every match of ``pattern`` for which ``secret(match)`` is true replaced by
    ``***`` (quotes kept; with ``tail``, up to where ``tail`` matching from the value's end ends). A match that
    is not secret is searched again from its value on, so a secret nested inside its value (an encoded URL,
    an escaped JSON text) is found too."""
    out: list[str] = []
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        group = next(name for name in ("value", "object", "bare") if match.group(name) is not None)
        start, end = match.span(group)
        out.append(text[pos:start])
        if secret(match):
            end = tail.match(text, end).end() if tail is not None else end  # type: ignore[union-attr]
            _mask(text[start:end])
            out.append(REDACTED)
            pos = end
        else:  # the name before the value is never empty, so the search moves on
            pos = start
    out.append(text[pos:])
    return "".join(out)


def scrub_text(text: str) -> str:
    """``text`` with the values of secret names (see the module docstring) replaced by ``***``."""
    text = _redact_values(_USERINFO, text, lambda match: True)
    text = _redact_values(
        _FIELD, text, lambda match: is_secret_name(match.group("name")) or match.group("name").lower() == "key"
    )
    return _redact_values(
        _PARAM, text, lambda match: is_secret_name(_decoded_name(match.group("name"))), _TAIL
    )


def redact_url(text: str) -> str:
    """``text`` (a URL) with its user and password, query and fragment replaced by ``***``: safe to quote in
    a message about why the URL is refused."""
    text = re.sub(r"^(?P<scheme>[^:/?#]*://)?[^/?#]*@", lambda m: f"{m.group('scheme') or ''}{REDACTED}@", text)
    text = re.sub(r"\?[^#]*", f"?{REDACTED}", text)
    return re.sub(r"#.*", f"#{REDACTED}", text, flags=re.DOTALL)


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
                _mask_all(item)
                continue
            out[name] = scrub(item, where)
        return out
    if isinstance(value, list):
        return [scrub(item, _path) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _mask_all(value: Any) -> None:
    """Register a removed credential with the masker: a text, or every text inside a removed object."""
    if isinstance(value, Mapping):
        for item in value.values():
            _mask_all(item)
    elif isinstance(value, list):
        for item in value:
            _mask_all(item)
    else:
        _mask(value)


__all__ = ["REDACTED", "SECRET_PARTS", "is_secret_name", "mask_credentials", "redact_url", "scrub", "scrub_text"]
