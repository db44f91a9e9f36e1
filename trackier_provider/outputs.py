"""The one output writer of every fetch operator: records streamed to JSON Lines or CSV, atomically.

Targets are local paths, fsspec URLs (``s3://``, ``gs://``, ``memory://``, ``file://``, ...) resolved with
fsspec's default credentials, or an ``ObjectStoragePath`` (which brings its Airflow connection).

- Streaming: records are written one at a time as they arrive, so memory stays constant however many rows.
- Atomic: rows go to a hidden temporary name in the same directory or bucket and are moved to the final
  name only after the last row; on failure the temporary file is removed, so a failed or retried task never
  leaves a partial file under the final name.
- CSV header: the keys of the first record, in order, plus a last column ``_extra``. A key that first
  appears in a later record is not silently dropped: it goes, JSON-encoded with the record's other new keys,
  into ``_extra`` (empty when there are none). Nested values (lists, objects) are JSON-encoded in their cell.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import posixpath
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Literal

from trackier_provider.exceptions import TrackierConfigError

log = logging.getLogger(__name__)

Format = Literal["jsonl", "csv"]
FORMATS: tuple[str, ...] = ("jsonl", "csv")
COMPRESSIONS: tuple[str | None, ...] = ("gzip", "infer", None)
EXTRA_COLUMN = "_extra"


@dataclass(frozen=True)
class OutputSpec:
    """Where and how a fetch writes its records; built (and validated) before any request."""

    target: Any
    format: Format
    gzip: bool

    @property
    def uri(self) -> str:
        """The target as a string for XCom and logs."""
        return output_uri(self.target)


def is_templated(value: Any) -> bool:
    """True for a string still holding Jinja (not yet rendered)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def output_uri(target: Any) -> str:
    """A stable string for a target: URLs as given, local paths made absolute, ObjectStoragePath as str."""
    if isinstance(target, str):
        if "://" in target:
            return target
        return os.path.abspath(os.path.expanduser(target))
    if isinstance(target, os.PathLike):
        return os.path.abspath(os.fspath(target))
    return str(target)


def asset_uri(target: Any) -> str:
    """The URI of the Asset (Dataset) a static output declares: local paths become ``file://`` URIs."""
    uri = output_uri(target)
    return uri if "://" in uri else f"file://{uri}"


def _name(target: Any) -> str:
    uri = output_uri(target)
    return uri.rstrip("/").rsplit("/", 1)[-1].lower()


def output_spec(target: Any, output_format: str | None = None, compression: str | None = "infer") -> OutputSpec:
    """Validate the output settings: format from the argument or the extension, gzip from the argument or ``.gz``."""
    if target is None or (isinstance(target, str) and not target.strip()):
        raise TrackierConfigError("output_path", "is empty", "Pass a path or URL, or leave it unset to use XCom.")
    name = _name(target)
    if compression not in COMPRESSIONS:
        raise TrackierConfigError("compression", f"{compression!r} is not supported", "Use 'gzip', 'infer' or None.")
    use_gzip = compression == "gzip" or (compression == "infer" and name.endswith(".gz"))
    stem = name[: -len(".gz")] if name.endswith(".gz") else name
    fmt = output_format or ("csv" if stem.endswith(".csv") else "jsonl")
    if fmt not in FORMATS:
        raise TrackierConfigError("output_format", f"{fmt!r} is not supported", "Use 'jsonl' or 'csv'.")
    return OutputSpec(target, fmt, use_gzip)  # type: ignore[arg-type]


def _filesystem(target: Any) -> tuple[Any, str]:
    """``(fsspec filesystem, path)`` for a target."""
    if hasattr(target, "fs") and hasattr(target, "path") and not isinstance(target, str):
        return target.fs, target.path  # an ObjectStoragePath: its connection-aware filesystem
    from fsspec.core import url_to_fs

    return url_to_fs(output_uri(target))


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, separators=(",", ":"))
    return value


class _CsvSink:
    """CSV rows with a header fixed by the first record (see the module docstring for later new keys)."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.writer: Any = None
        self.columns: list[str] = []
        self.known: set[str] = set()

    def write(self, record: Mapping[str, Any]) -> None:
        if self.writer is None:
            self.columns = [str(k) for k in record if k != EXTRA_COLUMN]
            self.known = set(self.columns)
            self.writer = csv.writer(self.text)
            self.writer.writerow([*self.columns, EXTRA_COLUMN])
        extra = {k: v for k, v in record.items() if k not in self.known}
        row = [_cell(record.get(c)) for c in self.columns]
        row.append(json.dumps(extra, default=str, separators=(",", ":")) if extra else "")
        self.writer.writerow(row)


class _JsonlSink:
    def __init__(self, text: IO[str]) -> None:
        self.text = text

    def write(self, record: Any) -> None:
        self.text.write(json.dumps(record, default=str, separators=(",", ":"), ensure_ascii=False))
        self.text.write("\n")


def _write_stream(raw: IO[bytes], spec: OutputSpec, records: Iterable[Any]) -> int:
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if spec.gzip else raw  # type: ignore[assignment]
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="" if spec.format == "csv" else None,
                            write_through=False)
    sink = _CsvSink(text) if spec.format == "csv" else _JsonlSink(text)
    rows = 0
    try:
        for record in records:
            if spec.format == "csv" and not isinstance(record, Mapping):
                raise TrackierConfigError("output_format", "csv needs object records", "Use output_format='jsonl'.")
            sink.write(record)
            rows += 1
        text.flush()
    finally:
        text.detach()  # leave closing of the underlying streams to the caller
        if spec.gzip:
            stream.close()  # writes the gzip trailer; does not close ``raw``
    return rows


def write_records(records: Iterable[Any], spec: OutputSpec) -> int:
    """Stream ``records`` to ``spec.target`` atomically; return the number of rows written."""
    fs, path = _filesystem(spec.target)
    directory, name = posixpath.split(path)
    temporary = posixpath.join(directory, f".{name}.{uuid.uuid4().hex}.tmp")
    if directory:
        fs.makedirs(directory, exist_ok=True)
    try:
        with fs.open(temporary, "wb") as raw:
            rows = _write_stream(raw, spec, records)
        fs.mv(temporary, path)
    except BaseException:
        _remove_quietly(fs, temporary)
        raise
    log.info("Wrote %s rows (%s%s) to %s", rows, spec.format, ", gzip" if spec.gzip else "", spec.uri)
    return rows


def _remove_quietly(fs: Any, path: str) -> None:
    try:
        if fs.exists(path):
            fs.rm(path)
    except Exception:
        log.warning("Could not remove the temporary file %s", path, exc_info=True)


def read_records(target: Any) -> Iterable[dict[str, Any]]:
    """Read back a JSON Lines or CSV file written by ``write_records`` (or any such file), streaming.

    Used by the conversion upload to take its rows from a file; gzip is detected from ``.gz``.
    """
    spec = output_spec(target)
    fs, path = _filesystem(target)
    with fs.open(path, "rb") as raw:
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if spec.gzip else raw  # type: ignore[assignment]
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="" if spec.format == "csv" else None)
        if spec.format == "csv":
            for row in csv.DictReader(text):
                extra = row.pop(EXTRA_COLUMN, None)
                record: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "")}
                if extra:
                    record.update(json.loads(extra))
                yield record
        else:
            for line in text:
                if line.strip():
                    yield json.loads(line)


__all__ = [
    "EXTRA_COLUMN",
    "FORMATS",
    "OutputSpec",
    "asset_uri",
    "is_templated",
    "output_spec",
    "output_uri",
    "read_records",
    "write_records",
]
