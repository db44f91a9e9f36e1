"""Trackier's own documented answers, replayed: the emulator answering an operation with the spec's example.

Trackier's OpenAPI spec carries example answers (real-looking ids, HTML-escaped text, fields left null) for
some of its operations. They are the closest thing to the real API there is, and the spec is not shipped
with this package: an ``example`` fault rule names the spec's path (the ``admin-openapi-*.yaml`` file, or
the folder holding it) and the catalogue operation to replay, and the spec is read when the rule is added::

    emu.add_fault({"kind": "example", "operation": "incent_offers.list", "spec": "trackier-api/",
                   "records": 250, "times": 10})

Every request for that operation (its method and path template, any ids) is answered with the example,
after the key and IP checks; other requests are served as usual. A list operation's example is paged the way
the catalogue says the operation pages: its records (``records``: repeated, each copy with its own id, up
to that many) are spread over pages of the requested ``limit``, and the paging fields the example itself
carries (a total, ``perPage``, ``currentPage``, ``lastId``, ``nextPageToken``/``hasNextPage``) are set for
each page. Fields the example leaves out stay out: an example without a total is replayed without one.
``gap: {"page": 2, "missing": 1}`` leaves the last record(s) of one page out, as a server losing records
mid-list would. ``example`` picks one of several examples by its name in the spec (default: the first).

``spec_examples(path)`` lists every example of a 2xx JSON answer in the spec with its catalogue operation;
``tests/test_spec_examples.py`` replays them all through the provider. Reading the spec needs PyYAML (which
Airflow installs); the rest of the emulator needs only the standard library.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from trackier_provider.api.catalogue import OPERATIONS
from trackier_provider.api.model import Operation
from trackier_provider.emulator.errors import validation_error
from trackier_provider.emulator.http import Response, json_response
from trackier_provider.emulator.paging import decode_token, encode_token

SPEC_GLOB = "admin-openapi-*.yaml"
#: The fields of an ``example`` fault rule (besides those every rule takes).
FIELDS = ("operation", "spec", "example", "records", "gap")
#: Spellings of a path in the spec that differ from the catalogue's template.
SPEC_PATH_ALIASES = {"/v2/jobs/:id": "/v2/jobs/{id}"}
#: Media types whose examples are JSON answers. The spec declares the clicks log's JSON answer (its schema
#: and examples) under ``application/xml`` as well: an example there counts when it is JSON.
JSON_MEDIA = "application/json"
ALSO_JSON_MEDIA = ("application/xml",)
_PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class Example:
    """One documented answer: the operation it answers, where it sits in the spec and the answer itself."""

    operation: str
    #: The example's name in the spec (``example-1``, ``Example 1``, ...).
    name: str
    status: int
    media: str
    #: ``examples`` (the media's named examples), ``example`` (its single one) or ``x-examples`` (the
    #: answer schema's examples, a Stoplight extension).
    source: str
    answer: Any

    @property
    def key(self) -> str:
        """The example's place in its operation's answer: ``application/json x-examples/Example 1``."""
        return f"{self.media} {self.source}/{self.name}"

    @property
    def label(self) -> str:
        """A name unique in the spec: ``incent_offers.list 200 application/json examples/example-1``."""
        return f"{self.operation} {self.status} {self.key}"


def spec_file(path: str | Path) -> Path:
    """The Admin API spec at ``path``: the file itself, or the newest ``admin-openapi-*.yaml`` in a folder."""
    location = Path(path).expanduser()
    if location.is_dir():
        found = sorted(location.glob(SPEC_GLOB))
        if not found:
            raise FileNotFoundError(f"no {SPEC_GLOB} in {location}")
        return found[-1]
    if not location.is_file():
        raise FileNotFoundError(f"Trackier's OpenAPI spec not found at {location}")
    return location


def _operation_index() -> dict[tuple[str, str], str]:
    return {(op.method, _PLACEHOLDER.sub("{}", op.path)): name for name, op in OPERATIONS.items()}


def operation_of(method: str, spec_path: str) -> str | None:
    """The catalogue operation a spec path answers (placeholders may be named differently), or None."""
    path = SPEC_PATH_ALIASES.get(spec_path, spec_path)
    return _operation_index().get((method.upper(), _PLACEHOLDER.sub("{}", path)))


def _json_value(media: str, value: Any) -> Any:
    """The example as a JSON value, or None when it is not one (text that is not JSON, under XML)."""
    if media == JSON_MEDIA:
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, (dict, list)) else None


def _media_examples(media: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    for name, entry in (media.get("examples") or {}).items():
        if isinstance(entry, Mapping) and "value" in entry:
            yield "examples", str(name), entry["value"]
    if "example" in media:
        yield "example", "example", media["example"]
    schema = media.get("schema")
    if isinstance(schema, Mapping):
        for name, value in (schema.get("x-examples") or {}).items():
            yield "x-examples", str(name), value


@lru_cache(maxsize=4)
def _load(file: str, stamp: int) -> tuple[tuple[Example, ...], tuple[str, ...]]:
    import yaml  # Airflow's dependency; only reading the spec needs it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(file, encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader (the C one when available)
    found: list[Example] = []
    unmapped: list[str] = []
    for spec_path, item in (spec.get("paths") or {}).items():
        for method, operation in (item or {}).items():
            if not isinstance(operation, Mapping) or method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not str(status).startswith("2") or not isinstance(response, Mapping):
                    continue
                for media_type, media in (response.get("content") or {}).items():
                    if media_type != JSON_MEDIA and media_type not in ALSO_JSON_MEDIA:
                        continue
                    for source, name, value in _media_examples(media or {}):
                        answer = _json_value(media_type, value)
                        if answer is None:
                            continue
                        op_name = operation_of(method, spec_path)
                        if op_name is None:
                            unmapped.append(f"{method.upper()} {spec_path}")
                            continue
                        found.append(Example(op_name, name, int(status), media_type, source, answer))
    return tuple(found), tuple(unmapped)


def spec_examples(path: str | Path) -> tuple[Example, ...]:
    """Every example of a 2xx JSON answer in the spec at ``path``, with its catalogue operation (read once
    per version of the file). A documented path the catalogue lacks is an error: the catalogue is complete."""
    file = spec_file(path)
    examples, unmapped = _load(str(file.resolve()), file.stat().st_mtime_ns)
    if unmapped:
        raise LookupError(f"examples of operations the catalogue lacks: {sorted(set(unmapped))}")
    return examples


@lru_cache(maxsize=256)
def _template(path: str) -> re.Pattern[str]:
    return re.compile("".join(
        "[^/]+" if _PLACEHOLDER.fullmatch(part) else re.escape(part) for part in re.split(r"(\{\w+\})", path)
    ))


def _whole(spec: Mapping[str, Any], name: str, *, least: int) -> int | None:
    value = spec.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise validation_error(f'"{name}" must be a whole number >= {least}')
    return value


@dataclass(frozen=True)
class Replay:
    """How one ``example`` fault rule answers: the operation, its example and the paging knobs."""

    operation: Operation
    example: Example
    spec: str
    records: int | None = None
    gap_page: int | None = None
    gap_missing: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True for a request to this operation (its method and path template, any ids)."""
        return method == self.operation.method and _template(self.operation.path).fullmatch(path) is not None

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-friendly data."""
        gap = {"page": self.gap_page, "missing": self.gap_missing} if self.gap_page is not None else None
        return {"operation": self.operation.name, "spec": self.spec, "example": self.example.key,
                "records": self.records, "gap": gap}

    # --------------------------------------------------------------------------------------------- answers
    def rows(self) -> list[Any]:
        """The example's records, repeated up to ``records`` (each copy after the first with its own id)."""
        found = _dig(self.example.answer, self.operation.records_at)
        if not isinstance(found, list):
            return []
        if self.records is None or not found:
            return copy.deepcopy(found)
        ids = [r.get("id") for r in found if isinstance(r, Mapping)]
        span = max((i for i in ids if isinstance(i, int) and not isinstance(i, bool)), default=0) + 1
        out = []
        for index in range(self.records):
            record = copy.deepcopy(found[index % len(found)])
            round_ = index // len(found)
            if round_ and isinstance(record, dict) and record.get("id") is not None:
                ident = record["id"]
                record["id"] = ident + round_ * span if isinstance(ident, int) else f"{ident}-{round_}"
            out.append(record)
        return out

    def answer(self, query: Mapping[str, list[str]]) -> Any:
        """The example answer for one request (one page of it, for a paged list)."""
        answer = copy.deepcopy(self.example.answer)
        at = self.operation.records_at
        if at is None or not isinstance(_dig(answer, at), list):
            return answer  # not a list, or a list the example does not hold as one: sent as documented
        rows = self.rows()
        pages = self.operation.pages
        if pages is None:
            _put(answer, at, rows)
            return answer
        limit = _number(query, "limit") or pages.default_limit or len(rows) or 1
        if pages.style == "page":
            number = _number(query, "page") or 1
            start = (number - 1) * limit
        elif pages.style == "keyset":
            last = _first(query, "lastId")
            start = next((i + 1 for i, r in enumerate(rows) if isinstance(r, Mapping) and str(r.get("id")) == last),
                         0) if last else 0
            number = start // limit + 1
        else:
            token = _first(query, "pageToken")
            start = int(decode_token(token).get("offset", 0)) if token else 0
            number = start // limit + 1
        page = rows[start:start + limit]
        if number == self.gap_page:
            page = page[: max(0, len(page) - self.gap_missing)]
        _put(answer, at, page)
        self._paging_fields(answer, pages.total, rows, page, number, limit, start)
        return answer

    def _paging_fields(self, answer: dict[str, Any], total_at: str | None, rows: list[Any], page: list[Any],
                       number: int, limit: int, start: int) -> None:
        """Set the paging fields the example carries (and only those) for this page."""
        for dotted in filter(None, (total_at, "pagination.total", "pagination.totalCount")):
            if _dig(answer, dotted) is not None:
                _put(answer, dotted, len(rows))
        for dotted, value in (("pagination.perPage", limit), ("pagination.currentPage", number),
                              ("page", number), ("limit", limit)):
            if isinstance(_dig(answer, dotted), int):
                _put(answer, dotted, value)
        more = start + limit < len(rows)
        if "lastId" in answer:
            last = page[-1] if page else None
            answer["lastId"] = last.get("id") if isinstance(last, Mapping) and more else None
        if "hasNextPage" in answer:
            answer["hasNextPage"] = more
        if "nextPageToken" in answer:
            answer["nextPageToken"] = encode_token({"offset": start + limit}) if more else None


def _dig(answer: Any, dotted: str | None) -> Any:
    if dotted is None:
        return None
    for part in dotted.split("."):
        if not isinstance(answer, Mapping):
            return None
        answer = answer.get(part)
    return answer


def _put(answer: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, name = dotted.split(".")
    for part in parents:
        answer = answer[part]
    answer[name] = value


def _first(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _number(query: Mapping[str, list[str]], name: str) -> int | None:
    text = _first(query, name)
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise validation_error(f'"{name}" must be a positive integer')
    return int(text)


def parse(spec: Mapping[str, Any]) -> Replay:
    """The replay an ``example`` fault rule asks for, checked (a 107 error naming the bad field); reads the
    spec the rule names."""
    name = spec.get("operation")
    if not isinstance(name, str) or name not in OPERATIONS:
        raise validation_error('"operation" must name a catalogue operation, e.g. "incent_offers.list"')
    where = spec.get("spec")
    if not isinstance(where, str) or not where.strip():
        raise validation_error('"spec" must be the path of Trackier\'s OpenAPI spec (the file or its folder)')
    try:
        examples = [e for e in spec_examples(where) if e.operation == name]
    except (OSError, LookupError, ValueError) as error:
        raise validation_error(f'"spec" cannot be read: {error}') from None
    if not examples:
        raise validation_error(f"the spec documents no example answer for {name}")
    chosen = spec.get("example")
    if chosen is not None:
        examples = [e for e in examples if chosen in (e.name, f"{e.source}/{e.name}", e.key)]
        if not examples:
            raise validation_error(f'"example" must be the name of one of {name}\'s examples')
    operation = OPERATIONS[name]
    records = _whole(spec, "records", least=0)
    if records is not None and operation.records_at is None:
        raise validation_error(f'"records" applies to list operations; {name} is not one')
    gap = spec.get("gap")
    gap_page = gap_missing = None
    if gap is not None:
        if not isinstance(gap, Mapping) or operation.pages is None:
            raise validation_error('"gap" must be {"page": n, "missing": m}, for an operation that pages')
        gap_page = _whole(gap, "page", least=1)
        gap_missing = _whole(gap, "missing", least=1)
        if gap_page is None or gap_missing is None:
            raise validation_error('"gap" must be {"page": n, "missing": m}, for an operation that pages')
    return Replay(operation, examples[0], where, records, gap_page, gap_missing or 0)


def respond(replay: Replay, query: Mapping[str, list[str]]) -> Response:
    """The example answer to a request with this ``query`` (the caller has checked Trackier's key and IP)."""
    return json_response(replay.answer(query), replay.example.status)


__all__ = ["FIELDS", "Example", "Replay", "operation_of", "parse", "respond", "spec_examples", "spec_file"]
