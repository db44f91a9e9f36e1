"""``validate_responses``: Trackier's answers checked against the provider's schemas while tasks run.

The connection extra ``validate_responses`` (and the operator argument of the same name, which wins) is one of

- ``off`` (the default): answers are not checked;
- ``warn``: every answer with a schema (``trackier_provider.schemas``) is checked. A drift (a field of another
  type, a required field missing, a value outside its list, an envelope of another shape) is logged once when
  first seen, and a fetch operator's log ends with a summary: per operation and field path, what the schema
  expects, what came, in how many of how many records (or answers), and one example value with credentials
  masked (``trackier_provider.scrubbing``). The task goes on;
- ``fail``: the first answer that drifts raises ``TrackierSchemaDriftError`` with that answer's summary. A fetch
  to ``output_path`` then writes nothing (outputs are atomic).

A fetch operator also pushes the summary to XCom under ``schema_drift``: counts, statuses and field paths, never
a value.

What is checked: every answer's envelope, in full. Records: every record of a decoded answer. A JSON Lines
export keeps each record as the bytes the server sent (``msgspec.Raw``, see ``hooks.envelopes.decode_page``) and
never decodes it;
decoding every record there about doubles the export's time, so such pages have a sample of records
decoded and checked (``SAMPLE_PER_PAGE``, spread over the page from its first record to its last), and the
summary says how many records were checked of how many read.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from trackier_provider.api.model import dig
from trackier_provider.exceptions import TrackierSchemaDriftError
from trackier_provider.schemas import AnswerSchema, Validator, answer_for, resolve
from trackier_provider.scrubbing import REDACTED, scrub

if TYPE_CHECKING:
    from trackier_provider.version_compat import Context

log = logging.getLogger(__name__)

XCOM_KEY = "schema_drift"
_DECODE = msgspec.json.Decoder().decode
#: Records decoded and checked per page of a JSON Lines export (see the module docstring).
SAMPLE_PER_PAGE = 200
EXAMPLE_CHARS = 80
#: Drifts listed in an error message or a log line before "... and N more".
SHOWN = 20
_JSON_TYPE = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null", dict: "object",
              list: "array"}


@dataclass(frozen=True)
class Issue:
    """One way an instance breaks a schema: where, what the schema expects and what came (a type, never a value)."""

    path: str
    expected: str
    got: str


# ------------------------------------------------------------------------------------ one answer
def json_type(value: Any) -> str:
    """The JSON type of a decoded value (``string``, ``integer``, ``number``, ``object``, ...)."""
    return _JSON_TYPE.get(type(value), type(value).__name__)


def _describe(schema: Any) -> str:
    """What a (sub)schema expects, in a few words."""
    if not isinstance(schema, Mapping):
        return "any value"
    if "$ref" in schema:
        return _describe({**resolve(schema["$ref"]), **{k: v for k, v in schema.items() if k != "$ref"}})
    if "enum" in schema:
        return "one of " + ", ".join("null" if v is None else str(v) for v in schema["enum"])
    declared = schema.get("type")
    if declared is None:
        return "any value"
    return declared if isinstance(declared, str) else " or ".join(declared)


def _property(schema: Mapping[str, Any], name: str) -> Any:
    props = dict(resolve(schema["$ref"]).get("properties") or {}) if "$ref" in schema else {}
    props.update(schema.get("properties") or {})
    return props.get(name)


def _path(prefix: str, parts: Sequence[Any]) -> str:
    text = prefix
    for part in parts:
        text += "[]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(answer)"


@dataclass(frozen=True)
class Seen:
    """Where an issue was seen and the value there (None for an absent field): made into an example only for
    the first record that has the issue."""

    names: tuple[str, ...]
    value: Any = None
    absent: bool = False


def example(seen: Seen) -> str:
    """The value of ``seen`` for a log line: credentials masked the way the scrubber masks answers, cut short."""
    if seen.absent:
        return "absent"
    names, value = list(seen.names), seen.value
    nested: Any = value
    for name in reversed(names):
        nested = {name: nested}
    cleaned = dig(scrub(nested), ".".join(names)) if names else scrub(value)
    if cleaned is None and value is not None:
        return REDACTED
    text = json.dumps(cleaned, ensure_ascii=False, default=str)
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 3] + "..."


def issues(validator: Validator, instance: Any, prefix: str = "") -> dict[Issue, Seen]:
    """Every way ``instance`` breaks ``validator``'s schema, each with where it was seen (``example`` makes the
    masked example); paths start with ``prefix`` (e.g. ``conversions[]`` for a record).

    An object is explained field by field (``Validator.fields``): only the fields the compiled checks reject
    go to ``jsonschema``, so a page whose every record drifts costs little more to explain than to check."""
    fields = validator.fields() if type(instance) is dict else None
    if fields is None:
        return _explained(validator, instance, prefix)
    found: dict[Issue, Seen] = {}
    for name in sorted(fields.required - instance.keys()):
        named = fields.named.get(name)
        found[Issue(_path(prefix, [name]), f"{_describe(named.schema if named else None)}, required", "absent")] = (
            Seen((), absent=True))
    for name, value in instance.items():
        sub = fields.named.get(name, fields.other)
        if sub is not None and not sub.is_valid(value):
            for issue, seen in issues(sub, value, _path(prefix, [name])).items():
                found.setdefault(issue, seen)
    return found


def _explained(validator: Validator, instance: Any, prefix: str) -> dict[Issue, Seen]:
    """``issues`` as ``jsonschema`` finds them."""
    found: dict[Issue, Seen] = {}
    names = tuple(p for p in prefix.replace("[]", "").split(".") if p)
    for error in validator.errors(instance):
        parts = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, Mapping):
            for name in error.validator_value:
                if name not in error.instance:
                    issue = Issue(_path(prefix, [*parts, name]), f"{_describe(_property(error.schema, name))}, "
                                  "required", "absent")
                    found.setdefault(issue, Seen((), absent=True))
            continue
        got = json_type(error.instance)
        if error.validator == "enum":
            got = f"{got} outside the list"
        elif error.validator != "type":
            got = f"{got} ({error.validator} {error.validator_value!r} not met)"
        issue = Issue(_path(prefix, parts), _describe(error.schema), got)
        found.setdefault(issue, Seen((*names, *(str(p) for p in parts if not isinstance(p, int))), error.instance))
    return found


def sample(count: int, size: int = SAMPLE_PER_PAGE) -> range | list[int]:
    """Indexes of the records of a page of ``count`` to check: all, or ``size`` spread from first to last."""
    if count <= size:
        return range(count)
    return sorted({round(i * (count - 1) / (size - 1)) for i in range(size)})


@dataclass
class Finding:
    """What checking one answer found."""

    records: int = 0
    validated: int = 0
    sampled: bool = False
    #: Issues of the envelope (each counts this answer once).
    envelope: dict[Issue, str] = field(default_factory=dict)
    #: Issues of records: how many records had each, and one example.
    records_with: Counter[Issue] = field(default_factory=Counter)
    examples: dict[Issue, str] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        """True when the answer breaks its schema anywhere."""
        return bool(self.envelope or self.records_with)


def check_answer(schema: AnswerSchema, payload: Any) -> Finding:
    """Check one decoded answer (records of a JSON Lines page: a sample, see the module docstring)."""
    found = Finding()
    if not schema.envelope.is_valid(payload):
        found.envelope = {issue: example(seen) for issue, seen in issues(schema.envelope, payload).items()}
    if schema.records is None or schema.record is None:
        return found
    records = dig(payload, schema.records)
    if not isinstance(records, list):
        return found  # the envelope's issues say what came instead
    found.records = len(records)
    raw = bool(records) and type(records[0]) is msgspec.Raw  # records kept as the bytes the server sent
    chosen = sample(len(records)) if raw else range(len(records))
    found.sampled = raw and len(chosen) < len(records)
    prefix = f"{schema.records}[]"
    for index in chosen:
        record = _DECODE(records[index]) if raw else records[index]
        if schema.record.is_valid(record):
            continue
        for issue, seen in issues(schema.record, record, prefix).items():
            found.records_with[issue] += 1
            if issue not in found.examples:
                found.examples[issue] = example(seen)
    found.validated = len(chosen)
    return found


# ------------------------------------------------------------------------------------ a task's answers
@dataclass
class Drift:
    """One drift of one operation over a task: counted per record (or per answer, for the envelope)."""

    issue: Issue
    per: str  # "record" or "answer": what the count counts
    count: int = 0
    example: str = ""


@dataclass
class OperationTally:
    """The answers of one operation a task checked."""

    operation: str
    method: str
    path: str
    answers: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    records: int = 0
    validated: int = 0
    sampled: bool = False
    drift: dict[Issue, Drift] = field(default_factory=dict)

    def of(self, drift: Drift) -> int:
        """What a drift's count is out of: the records checked, or the answers (for the envelope)."""
        return self.validated if drift.per == "record" else self.answers


def _issue_text(issue: Issue, example: str, counted: str = "") -> str:
    """``path: expected ..., got ...[ in N of M records], e.g. <example>`` (no example for an absent field)."""
    text = f"{issue.path}: expected {issue.expected}, got {issue.got}{counted}"
    return f"{text}, e.g. {example}" if example != "absent" else text


def _count(number: int, noun: str) -> str:
    """``1 answer``, ``2,000 answers``."""
    return f"{number:,} {noun if number == 1 else noun + 's'}"


def drift_text(drift: Drift, of: int) -> str:
    """``path: expected ..., got ... in N of M records, e.g. <example>``."""
    return _issue_text(drift.issue, drift.example, f" in {drift.count:,} of {_count(of, drift.per)}")


class DriftReport:
    """Every answer one hook checked, per operation; what the summary and XCom are made of."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.operations: dict[str, OperationTally] = {}

    @property
    def drifted(self) -> bool:
        """True when any checked answer broke its schema."""
        return any(t.drift for t in self.operations.values())

    def add(self, schema: AnswerSchema, status: int, found: Finding) -> list[Drift]:
        """Count one checked answer; returns the drifts seen for the first time."""
        tally = self.operations.get(schema.operation)
        if tally is None:
            tally = self.operations[schema.operation] = OperationTally(schema.operation, schema.method, schema.path)
        tally.answers += 1
        tally.statuses[status] += 1
        tally.records += found.records
        tally.validated += found.validated
        tally.sampled = tally.sampled or found.sampled
        new = []
        counted = [(issue, "answer", 1, example) for issue, example in found.envelope.items()] + [
            (issue, "record", count, found.examples[issue]) for issue, count in found.records_with.items()]
        for issue, per, count, example in counted:
            drift = tally.drift.get(issue)
            if drift is None:
                drift = tally.drift[issue] = Drift(issue, per, example=example)
                new.append(drift)
            drift.count += count
        return new

    def lines(self) -> list[str]:
        """The summary, one line per operation and per drift."""
        drifting = sum(1 for t in self.operations.values() if t.drift)
        head = (f"Trackier answers checked against the provider's schemas (validate_responses={self.mode!r}): "
                + (f"drift in {drifting} of {_count(len(self.operations), 'operation')}" if drifting
                   else f"no drift in {_count(len(self.operations), 'operation')}"))
        out = [head]
        for tally in self.operations.values():
            statuses = ", ".join(f"HTTP {s}" for s in sorted(tally.statuses))
            line = f"  {tally.operation} ({tally.method} {tally.path}): {_count(tally.answers, 'answer')} ({statuses})"
            if tally.records:
                line += f", {tally.validated:,} of {tally.records:,} records checked"
                if tally.sampled:
                    line += f" (JSON Lines pages: a sample of up to {SAMPLE_PER_PAGE} records each)"
            out.append(line)
            drifts = list(tally.drift.values())
            out += [f"    {drift_text(d, tally.of(d))}" for d in drifts[:SHOWN]]
            if len(drifts) > SHOWN:
                out.append(f"    ... and {len(drifts) - SHOWN} more")
        return out

    def to_xcom(self) -> dict[str, Any]:
        """The summary without any value: counts, statuses and field paths."""
        return {
            "mode": self.mode,
            "drift": self.drifted,
            "operations": {
                tally.operation: {
                    "answers": tally.answers,
                    "statuses": {str(s): n for s, n in sorted(tally.statuses.items())},
                    "records": tally.records,
                    "validated": tally.validated,
                    "sampled": tally.sampled,
                    "drift": [{"path": d.issue.path, "expected": d.issue.expected, "got": d.issue.got,
                               "count": d.count, "of": tally.of(d), "per": d.per} for d in tally.drift.values()],
                }
                for tally in self.operations.values()
            },
        }


class ResponseValidator:
    """Checks the answers of one hook (``TrackierHook._decode`` calls ``check``) and keeps its report."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.report = DriftReport(mode)
        self._lock = threading.Lock()

    def check(self, operation: str, method: str, endpoint: str, status: int, payload: Any) -> None:
        """Check one successful answer to catalogue ``operation`` (``method endpoint`` as sent, for messages);
        in ``fail`` mode a drifting one raises ``TrackierSchemaDriftError``."""
        schema = answer_for(operation)
        if schema is None:
            return
        found = check_answer(schema, payload)
        with self._lock:
            new = self.report.add(schema, status, found)
        if not found.drifted:
            return
        if self.mode == "fail":
            raise TrackierSchemaDriftError(self._message(schema, method, endpoint, found))
        for drift in new:
            log.warning("Trackier's answer to %s %s (%s) drifts from the provider's schema: %s", method, endpoint,
                        schema.operation, _issue_text(drift.issue, drift.example))

    @staticmethod
    def _message(schema: AnswerSchema, method: str, endpoint: str, found: Finding) -> str:
        lines = [f"    {_issue_text(issue, example)}" for issue, example in found.envelope.items()]
        lines += [
            f"    {drift_text(Drift(issue, 'record', count, found.examples[issue]), found.validated)}"
            for issue, count in found.records_with.items()
        ]
        shown = lines[:SHOWN] + ([f"    ... and {len(lines) - SHOWN} more"] if len(lines) > SHOWN else [])
        return "\n".join([
            f"Trackier's answer to {method} {endpoint} ({schema.operation}) does not match the provider's schema "
            "(validate_responses='fail'):", *shown,
            "Stopped at this answer (an export to output_path leaves no file). validate_responses='warn' lets the "
            "task finish and list every drift; see 'Verify your panel' in the README.",
        ])


@contextmanager
def drift_summary(operator: Any, context: Context) -> Iterator[None]:
    """Around an operator's work: afterwards (also when it failed), log its hook's drift summary and push it to
    XCom (``XCOM_KEY``). Nothing happens while the hook checked no answer (``validate_responses`` off)."""
    try:
        yield
    finally:
        validator: ResponseValidator | None = operator.hook.responses
        if validator is not None:
            report = validator.report
            level = logging.WARNING if report.drifted else logging.INFO
            operator.log.log(level, "%s", "\n".join(report.lines()))
            context["ti"].xcom_push(key=XCOM_KEY, value=report.to_xcom())


__all__ = [
    "SAMPLE_PER_PAGE",
    "XCOM_KEY",
    "Drift",
    "DriftReport",
    "Finding",
    "Issue",
    "OperationTally",
    "ResponseValidator",
    "check_answer",
    "drift_summary",
    "drift_text",
    "issues",
]
