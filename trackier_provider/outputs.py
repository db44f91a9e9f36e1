"""The one output writer of every fetch operator: records streamed to JSON Lines or CSV, atomically.

Targets are local paths, fsspec URLs (``s3://``, ``gs://``, ``memory://``, ``file://``, ...) resolved with
fsspec's default credentials, or an ``ObjectStoragePath`` (which brings its Airflow connection).

- Streaming: records are written a page (or a batch) at a time as they arrive, so memory is bounded by the page
  being written plus the answers fetched ahead (``max_bytes_ahead``, see ``TrackierHook.iter_pages``), however
  many rows. JSON Lines pages read raw are written as the server's bytes (``msgspec.Raw``), never re-encoded.
- Checked first: the format comes from ``output_format`` or the file's extension, and an extension this module
  does not write (``.parquet``, ``.xlsx``, ``.json``, ``.zst``, ...) or a path ending in ``/`` is refused by
  ``output_spec`` without any I/O (so in an operator's ``__init__`` for a static path). An existing directory
  (or a file where the parent directory should be) is refused by ``write_pages`` before it takes the first
  page, so before a lazy fetch has sent any request.
- Atomic: rows go to a hidden temporary file ``.<name>.trackier-tmp-<32 hex digits>`` in the same directory
  or bucket and are moved to the final name only after the last row; on failure the temporary file is
  removed, so a failed or retried task never leaves a partial file under the final name. A try killed
  outright (SIGKILL, a lost worker) cannot clean up: the next write of the same target removes the
  temporary files of that target, and only those, before it starts. One writer per target at a time is
  assumed (as Airflow runs one try of a task at a time): a second concurrent writer would lose its file.
- CSV header: the keys of the first record, in order, plus a last column ``_extra``. A key that first
  appears in a later record is not silently dropped: it goes, JSON-encoded with the record's other new keys,
  into ``_extra`` (empty when there are none). Nested values (lists, objects) are JSON-encoded in their cell.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import logging
import os
import posixpath
import re
import stat
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import msgspec

from trackier_provider.exceptions import TrackierConfigError
from trackier_provider.validation import check_text

log = logging.getLogger(__name__)

Format = Literal["jsonl", "csv"]
FORMATS: tuple[str, ...] = ("jsonl", "csv")
COMPRESSIONS: tuple[str | None, ...] = ("gzip", "infer", None)
EXTRA_COLUMN = "_extra"
#: File extensions (before an optional ``.gz``) and the format each one means.
FORMAT_EXTENSIONS: dict[str, str] = {"jsonl": "jsonl", "ndjson": "jsonl", "csv": "csv"}
#: Compression extensions that are recognised only to be refused: gzip is the one compression written.
OTHER_COMPRESSIONS = frozenset({"bz2", "xz", "lzma", "zst", "zstd", "lz4", "br", "snappy", "zip", "7z", "tgz", "z"})
SUPPORTED = "JSON Lines (.jsonl, .ndjson) and CSV (.csv), each optionally gzip-compressed (.gz)"
_EXTENSION = re.compile(r"[a-z][a-z0-9]{0,9}")
#: What follows ``.<name>`` in a temporary file's name: a fixed mark and exactly 32 hex digits, so the temporary
#: files of one target can never match those of another target (or a user's file).
_TEMPORARY_MARK = ".trackier-tmp-"
_TEMPORARY_SUFFIX = "[0-9a-f]{32}"


@dataclass(frozen=True)
class OutputSpec:
    """Where and how a fetch writes its records; built (and validated) before any request."""

    target: Any
    format: Format
    gzip: bool

    @property
    def uri(self) -> str:
        """The target as a string for XCom and logs (a password in the URL replaced by ``***``)."""
        return display_uri(self.target)


def output_uri(target: Any) -> str:
    """A stable string for a target: URLs as given, local paths made absolute, ObjectStoragePath as str."""
    if isinstance(target, str):
        if "://" in target:
            return target
        return os.path.abspath(os.path.expanduser(target))
    if getattr(target, "protocol", None) is not None:  # an ObjectStoragePath (a UPath; PathLike on 2.11)
        return str(target)
    if isinstance(target, os.PathLike):
        return os.path.abspath(os.fspath(target))
    return str(target)


def asset_uri(target: Any) -> str:
    """The URI of the Asset (Dataset) a static output declares: local paths become ``file://`` URIs."""
    uri = output_uri(target)
    return uri if "://" in uri else f"file://{uri}"


def display_uri(target: Any) -> str:
    """``output_uri`` with a password in the URL (``ftp://user:pass@host/...``) replaced by ``***``."""
    uri = output_uri(target)
    parts = urlsplit(uri) if "://" in uri else None
    if parts is None or parts.password is None:
        return uri
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _name(target: Any) -> str:
    uri = output_uri(target)
    return uri.rstrip("/").rsplit("/", 1)[-1].lower()


def _extension(name: str) -> str | None:
    """The file extension of ``name`` without the dot, or None (no dot, a dot file, a date like ``.2026-11``)."""
    extension = posixpath.splitext(name)[1][1:]
    return extension if _EXTENSION.fullmatch(extension) else None


def output_spec(
    target: Any, output_format: str | None = None, compression: str | None = "infer", *, field: str = "output_path"
) -> OutputSpec:
    """Validate the output settings without touching storage; ``field`` is the argument errors name.

    The format comes from ``output_format`` or else the extension (``.jsonl``/``.ndjson``: JSON Lines, ``.csv``:
    CSV, none: JSON Lines), gzip from ``compression`` or else ``.gz``. Anything else is refused, so a file name
    never promises a format the file is not in.
    """
    if isinstance(target, os.PathLike) and not _is_storage_path(target):
        target = os.fspath(target)
    if isinstance(target, str):
        target = check_text(field, target)
    if target is None:
        raise TrackierConfigError(field, "is empty", "Pass a path or URL, or leave it unset to use XCom.")
    if not isinstance(target, str) and not _is_storage_path(target):
        raise TrackierConfigError(
            field, f"must be a path, a URL or an ObjectStoragePath, got {type(target).__name__}",
            "Pass e.g. '/data/trackier/conversions.jsonl.gz' or 's3://bucket/trackier/conversions.jsonl.gz'.",
        )
    too_long = [part for part in str(_path_part(target)).split("/") if len(part.encode("utf-8")) > MAX_NAME_BYTES]
    if too_long:
        raise TrackierConfigError(
            field, f"the name {too_long[0][:40]!r}... is longer than {MAX_NAME_BYTES} bytes", "Use a shorter name."
        )
    check_format(output_format, compression)
    if isinstance(target, str) and target.rstrip().endswith("/"):
        raise TrackierConfigError(
            field, f"{display_uri(target)!r} ends with '/', so it names a directory, not a file",
            "Add the file name, e.g. .../data.jsonl.gz.",
        )
    name = _name(target)
    use_gzip = compression == "gzip" or (compression == "infer" and name.endswith(".gz"))
    stem = name[: -len(".gz")] if name.endswith(".gz") else name
    extension = _extension(stem)
    if compression == "infer" and extension in OTHER_COMPRESSIONS:
        raise TrackierConfigError(
            "compression", f"the extension .{extension} of {name!r} asks for a compression that is not supported",
            f"Supported: {SUPPORTED}. Use .gz, or pass compression=None to write uncompressed under this name.",
        )
    fmt = output_format or (FORMAT_EXTENSIONS.get(extension) if extension else "jsonl")
    if fmt is None:
        writing = field == "output_path"  # read_records has no output_format to suggest
        override = " or pass output_format='jsonl' or 'csv' to write that format under this name" if writing else ""
        raise TrackierConfigError(
            field, f"the extension .{extension} of {name!r} names a format that is not supported",
            f"Supported: {SUPPORTED}. Rename the file{override}.",
        )
    if isinstance(target, str):
        _check_protocol(field, target)
    return OutputSpec(target, fmt, use_gzip)  # type: ignore[arg-type]


def _check_protocol(field: str, target: str) -> None:
    """Refuse a URL whose protocol fsspec does not know, or whose backend package is not installed, without
    importing anything (``s3://`` needs ``s3fs``, ``gs://`` ``gcsfs``, ...)."""
    from fsspec.core import split_protocol
    from fsspec.registry import known_implementations, registry

    chain, _ = split_protocol(target)
    for protocol in (chain or "").split("::"):
        if not protocol or protocol in registry:
            continue
        known = known_implementations.get(protocol)
        shown = display_uri(target)
        if known is None:
            raise TrackierConfigError(
                field, f"{shown!r} uses the protocol {protocol}://, which fsspec does not know",
                "Use a local path or a URL of an installed fsspec filesystem (file://, memory://, s3://, gs://, ...).",
            )
        module = str(known.get("class", "")).rpartition(".")[0]
        if not module or importlib.util.find_spec(module.split(".")[0]) is None:
            hint = known.get("err") or f"Install the package that provides {protocol}://."
            raise TrackierConfigError(
                field, f"{shown!r} needs the {module.split('.')[0] or protocol} package, which is not installed",
                f"{hint} (on every worker), or use another target.",
            )


def check_format(output_format: Any, compression: Any) -> None:
    """``output_format`` (None, ``"jsonl"``, ``"csv"``) and ``compression`` (``"gzip"``, ``"infer"``, None)
    checked on their own, so a bad one fails even while ``output_path`` is unset or templated."""
    if not (compression is None or (isinstance(compression, str) and compression in COMPRESSIONS)):
        raise TrackierConfigError("compression", f"{compression!r} is not supported", "Use 'gzip', 'infer' or None.")
    if not (output_format is None or (isinstance(output_format, str) and output_format in FORMATS)):
        raise TrackierConfigError("output_format", f"{output_format!r} is not supported", "Use 'jsonl' or 'csv'.")


def _is_storage_path(target: Any) -> bool:
    """True for an ``ObjectStoragePath`` (anything with a filesystem and a path of its own)."""
    return hasattr(target, "fs") and hasattr(target, "path") and not isinstance(target, str)


def _path_part(target: Any) -> str:
    return str(target.path) if _is_storage_path(target) else urlsplit(str(target)).path or str(target)


def _filesystem(target: Any) -> tuple[Any, str]:
    """``(fsspec filesystem, path)`` for a target."""
    if _is_storage_path(target):
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


#: The longest file or directory name most filesystems and object stores take, in bytes.
MAX_NAME_BYTES = 255
#: Records encoded and written at once (bounds the text held besides the page itself).
WRITE_SLICE = 1000
#: One encoder for every JSON Lines row (``json.dumps`` with options would build a new one per record).
_JSON_LINE = json.JSONEncoder(default=str, separators=(",", ":"), ensure_ascii=False).encode


def _write_stream(raw: IO[bytes], spec: OutputSpec, pages: Iterable[Sequence[Any]]) -> int:
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if spec.gzip else raw  # type: ignore[assignment]
    rows = 0
    try:
        if spec.format == "jsonl":  # written in slices of a page: one write per slice, not per record
            for page in pages:
                # Records kept as sent (``msgspec.Raw``, one line each) are written as the server's bytes.
                as_sent = bool(page) and type(page[0]) is msgspec.Raw
                for start in range(0, len(page), WRITE_SLICE):
                    part = page[start:start + WRITE_SLICE]
                    if as_sent:
                        stream.write(b"\n".join([*part, b""]))  # the empty last item ends the last line
                    else:
                        stream.write(("\n".join(map(_JSON_LINE, part)) + "\n").encode("utf-8"))
                rows += len(page)
                page = part = ()  # dropped before the next page is fetched and decoded, not after it
            return rows
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        try:
            sink = _CsvSink(text)
            for page in pages:
                for record in page:
                    if not isinstance(record, Mapping):
                        raise TrackierConfigError(
                            "output_format", "csv needs object records", "Use output_format='jsonl'."
                        )
                    sink.write(record)
                    rows += 1
            text.flush()
        finally:
            text.detach()  # leave closing of the underlying streams to the caller
        return rows
    finally:
        if spec.gzip:
            stream.close()  # writes the gzip trailer; does not close ``raw``


def batches(records: Iterable[Any], size: int = 1000) -> Iterator[list[Any]]:
    """``records`` in lists of ``size`` (the last one shorter), lazily."""
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def write_records(records: Iterable[Any], spec: OutputSpec) -> int:
    """Stream ``records`` to ``spec.target`` atomically; return the number of rows written (see
    ``write_pages``, which this feeds with batches of records)."""
    return write_pages(batches(records), spec)


def write_pages(pages: Iterable[Sequence[Any]], spec: OutputSpec) -> int:
    """Stream ``pages`` (lists of records, e.g. ``TrackierHook.iter_pages``) to ``spec.target`` atomically;
    return the number of rows written.

    The target is checked (not a directory, its parent not a file) and the temporary files an earlier killed
    try left for it are removed before the first page is taken, so a lazy ``pages`` (the operators'
    paginated fetch) sends no request for a target that cannot be written.
    """
    fs, path = _filesystem(spec.target)
    directory, name = posixpath.split(path)
    _check_existing(fs, path, spec.uri, "output_path")
    temporary = posixpath.join(directory, f".{name}{_TEMPORARY_MARK}{uuid.uuid4().hex}")
    try:
        if directory:
            fs.makedirs(directory, exist_ok=True)
            _remove_stale_temporaries(fs, directory, name)
        raw = fs.open(temporary, "wb")
    except (FileExistsError, NotADirectoryError):  # local makedirs, or fsspec's open below a file
        raise TrackierConfigError(
            "output_path", f"a parent of {spec.uri} is a file, not a directory", "Pick another path."
        ) from None
    try:
        with raw:
            rows = _write_stream(raw, spec, pages)
        fs.mv(temporary, path)
    except BaseException:
        _remove_quietly(fs, temporary)
        raise
    log.info("Wrote %s rows (%s%s) to %s", rows, spec.format, ", gzip" if spec.gzip else "", spec.uri)
    return rows


#: What ``os.stat`` says a path is, for the message refusing a target that is not a regular file.
_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
)


def _check_existing(fs: Any, path: str, uri: str, field: str, *, must_exist: bool = False) -> None:
    """Refuse a target that exists but is not a regular file (a directory, a FIFO, a device, a socket, or a
    symbolic link to one), before anything is opened; with ``must_exist``, also one that does not exist."""
    try:
        info = fs.info(path)
    except (FileNotFoundError, NotADirectoryError):  # NotADirectoryError: a parent is a file
        info = None
    if info is None:
        if must_exist:
            raise TrackierConfigError(field, f"{uri} does not exist", "Check the path (and the worker's access).")
        return
    kind = info.get("type")
    if kind == "directory":
        raise TrackierConfigError(
            field, f"{uri} is an existing directory", "Name a file inside it, e.g. .../data.jsonl.gz."
        )
    if kind != "file":
        what = "not a regular file"
        mode = info.get("mode")
        if isinstance(mode, int):
            what = next((name for test, name in _SPECIAL_FILES if test(mode)), what)
        link = " (through a symbolic link)" if info.get("islink") else ""
        action = "read from" if must_exist else "replaced or written to"
        raise TrackierConfigError(
            field, f"{uri} is {what}{link}, which is not {action}",
            "Name a regular file (or a path that does not exist yet).",
        )


def _remove_stale_temporaries(fs: Any, directory: str, name: str) -> None:
    """Remove the temporary files of this target (``.<name>.trackier-tmp-<hex>``) left by a killed earlier try."""
    pattern = re.compile(re.escape(f".{name}{_TEMPORARY_MARK}") + _TEMPORARY_SUFFIX)
    try:
        entries = fs.ls(directory, detail=False)
    except FileNotFoundError:
        return
    for entry in entries:
        if pattern.fullmatch(posixpath.basename(str(entry).rstrip("/"))):
            log.info("Removing %s, left by an earlier try that was stopped while writing", entry)
            _remove_quietly(fs, str(entry))


def _remove_quietly(fs: Any, path: str) -> None:
    try:
        if fs.exists(path):
            fs.rm(path)
    except Exception:
        log.warning("Could not remove the temporary file %s", path, exc_info=True)


def read_records(target: Any, *, field: str = "conversions_path") -> Iterable[dict[str, Any]]:
    """Read back a JSON Lines or CSV file written by ``write_records`` (or any such file), streaming.

    Used by the conversion upload to take its rows from a file (``field`` is the argument errors name);
    the format comes from the extension as in ``output_spec``, gzip from ``.gz``. A file that is missing, is
    not a regular file, or cannot be read as UTF-8 (gzip) JSON Lines or CSV is a ``TrackierConfigError``
    naming the line, before the caller has used any record.
    """
    spec = output_spec(target, field=field)
    fs, path = _filesystem(target)
    _check_existing(fs, path, spec.uri, field, must_exist=True)
    line = 0
    fix = f"Check the file: {SUPPORTED}, UTF-8 text."
    try:
        with fs.open(path, "rb") as raw:
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if spec.gzip else raw  # type: ignore[assignment]
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="" if spec.format == "csv" else None)
            if spec.format == "csv":
                reader = csv.DictReader(text)
                for row in reader:
                    line = reader.line_num
                    yield _csv_record(row)
            else:
                for content in text:
                    line += 1
                    if content.strip():
                        yield json.loads(content)
    except TrackierConfigError:
        raise
    except UnicodeDecodeError:
        raise TrackierConfigError(field, f"{spec.uri} is not UTF-8 text (after line {line})", fix) from None
    except (ValueError, RecursionError, csv.Error) as exc:  # JSONDecodeError is a ValueError
        problem = f"line {max(line, 1)} of {spec.uri} is not valid {spec.format.upper()}"
        raise TrackierConfigError(field, f"{problem}: {str(exc)[:200]}", fix) from None
    except (OSError, EOFError) as exc:  # a bad or truncated gzip stream, a permission, a vanished file
        raise TrackierConfigError(field, f"{spec.uri} cannot be read: {type(exc).__name__}: {str(exc)[:200]}",
                                  fix) from None


def _csv_record(row: dict[Any, Any]) -> dict[str, Any]:
    """A CSV row as a record: empty cells left out, the ``_extra`` column's JSON object merged in. Cells beyond
    the header's columns stay under the key None (``csv.DictReader``'s way), for the caller to judge."""
    extra = row.pop(EXTRA_COLUMN, None)
    record: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "")}
    if extra:
        more = json.loads(extra)
        if not isinstance(more, dict):
            raise ValueError(f"the {EXTRA_COLUMN} column holds {type(more).__name__}, not a JSON object")
        record.update(more)
    return record


__all__ = [
    "EXTRA_COLUMN",
    "FORMATS",
    "FORMAT_EXTENSIONS",
    "OutputSpec",
    "asset_uri",
    "batches",
    "check_format",
    "display_uri",
    "output_spec",
    "output_uri",
    "read_records",
    "write_pages",
    "write_records",
]
