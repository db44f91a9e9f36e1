"""A small, fast asyncio HTTP/1.1 server protocol: keep-alive, pipelining, Content-Length bodies.

The standard library's ``http.server`` tops out well below the emulator's throughput target, so the
emulator speaks HTTP itself. The protocol frames requests, answers malformed ones itself (in Trackier's
error envelope, closing the connection when its framing can no longer be trusted), asks the application
for an :class:`Outcome` for every well-formed one and writes it (after a delay, cut short, or not at all).

Hostile input is bounded: a head may be :data:`MAX_HEADER_BYTES` long with :data:`MAX_HEADERS` fields,
a body :data:`MAX_BODY_BYTES`, the bodies of all connections together :data:`MAX_BUFFERED_BYTES`, a JSON body
:data:`MAX_JSON_DEPTH` levels deep, and a connection waits at most ``idle_timeout`` seconds for its next
complete request. Work the application hands back (:attr:`Outcome.work`, e.g. a long report) runs on a worker
thread, so the event loop keeps serving every other connection meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from trackier_provider.emulator.errors import ApiError, Variant, error_body, validation_error

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100
MAX_BODY_BYTES = 64 * 1024 * 1024
#: Body bytes all connections together may hold (announced by Content-Length and not yet handled).
MAX_BUFFERED_BYTES = 128 * 1024 * 1024
MAX_JSON_DEPTH = 64
DEFAULT_IDLE_TIMEOUT = 30.0
# Methods passed on to the application (which answers 405 with Allow where a path does not take one); others,
# CONNECT (the emulator is no proxy) included, get 501.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})

_TCHAR = r"[!#$%&'*+.^_`|~0-9A-Za-z-]"
_TOKEN = re.compile(f"{_TCHAR}+")
_REQUEST_LINE = re.compile(rf"({_TCHAR}+) ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
_FIELDS = re.compile(rf"(?:{_TCHAR}+:[^\x00-\x08\x0a-\x1f\x7f]*\r\n)*")  # name:value lines, no controls
_DIGITS = re.compile(r"[0-9]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    client_ip: str

    def json(self) -> Any:
        """The body decoded as JSON (None when empty).

        Raises ValueError when it is not strict JSON in UTF-8 (so ``NaN``, ``1e999`` and unpaired surrogates
        such as ``"\\ud800"`` too: no answer could carry them), and a 107 :class:`ApiError` when it nests
        deeper than :data:`MAX_JSON_DEPTH` levels (handlers would otherwise recurse into it without bound).
        """
        if not self.body.strip():
            return None
        text = self.body.decode()  # strict UTF-8: UnicodeDecodeError (a ValueError), encoded surrogates included
        try:
            value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
            deep = text.count("[") + text.count("{") > MAX_JSON_DEPTH and _too_deep(value)
        except RecursionError:
            deep = True
        if deep:
            raise validation_error(f"Request body is nested more than {MAX_JSON_DEPTH} levels deep")
        if _SURROGATE_ESCAPE.search(text):  # "\ud800" alone parses, but no answer holding it could be sent
            json.dumps(value, ensure_ascii=False).encode()  # UnicodeEncodeError (a ValueError) when unpaired
        return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text} is out of range")
    return number


def _too_deep(value: Any) -> bool:
    """True when ``value`` holds containers more than :data:`MAX_JSON_DEPTH` levels deep (no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return False


@dataclass
class Response:
    """An HTTP response: status, body and extra headers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(payload: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    """Serialise ``payload`` compactly as a JSON response."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, headers=headers or [])


def error_response(error: ApiError, variant: Variant = "errors") -> Response:
    """``error`` as Trackier's error envelope (``variant``), with its HTTP status."""
    return json_response(error_body(error.status, error.code, error.message, variant), error.status,
                         list(error.headers))


@dataclass
class Outcome:
    """What the protocol should do with a request: reply (maybe late or cut), or drop the connection.

    With ``work`` set, the protocol runs it on a worker thread and does what the :class:`Outcome` it returns
    says (the other fields are then unused).
    """

    response: Response | None
    delay: float = 0.0
    drop: bool = False
    work: Callable[[], Outcome] | None = None


Handler = Callable[[Request], Outcome]


_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


#: Final statuses whose answers never carry a body (RFC 9110 section 6.4.1).
BODYLESS = frozenset({204, 304})
_FIELD_VALUE = re.compile(r"[\x20-\x7e]*")


def encode_response(response: Response, keep_alive: bool, *, with_body: bool = True) -> bytes:
    """Serialise a response (status line, headers, and the body unless ``with_body`` is False) to bytes.

    A 204 or 304 is sent without a body (and a 204 without Content-Length). Raises ValueError for a status
    that is not a final one or a header that is not one printable line: nothing can add a header or a line.
    """
    if not 200 <= response.status <= 599:
        raise ValueError(f"{response.status} is not a final HTTP status")
    lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
    if response.status in BODYLESS:
        with_body = False
    else:
        lines.append(f"Content-Type: {response.content_type}")
    if response.status != 204:
        lines.append(f"Content-Length: {0 if response.status == 304 else len(response.body)}")
    lines.append("Server: trackier-emulator")
    for name, value in response.headers:
        if not _TOKEN.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            raise ValueError(f"header {name!r} is not one printable line")
        lines.append(f"{name}: {value}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + response.body if with_body else head


def _http_error(status: int, message: str) -> ApiError:
    """An HTTP-level refusal, sent in Trackier's envelope as a 107 VALIDATION_ERROR."""
    return ApiError(status, "107", message)


@dataclass
class Head:
    """A request's line and header fields, with how many body bytes follow and what to answer instead."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    length: int
    keep_alive: bool
    rejection: ApiError | None = None  # answered in place of the application; the framing is still sound


def parse_head(text: str) -> Head:
    """Parse a request head (latin-1 text without the blank line).

    Raises :class:`ApiError` when the framing cannot be trusted (garbage request line or header field,
    bad or conflicting Content-Length, Transfer-Encoding, too many fields, oversize body, another HTTP
    major version); returns a :class:`Head` with ``rejection`` set for a well-framed request that is
    refused (unknown method, no Host, a target that is not UTF-8).
    """
    first, _, fields = text.partition("\r\n")
    line = _REQUEST_LINE.fullmatch(first)
    if line is None:
        raise _http_error(400, "malformed request line")
    method, target, major, minor = line.groups()
    if major != "1":
        raise _http_error(505, f"HTTP/{major}.{minor} is not supported; use HTTP/1.1")
    if fields.count("\r\n") >= MAX_HEADERS:
        raise _http_error(431, f"more than {MAX_HEADERS} header fields")
    if fields and _FIELDS.fullmatch(fields + "\r\n") is None:
        raise _http_error(400, "malformed header field")
    headers: dict[str, str] = {}
    for field_line in fields.split("\r\n") if fields else ():
        name, _, value = field_line.partition(":")
        name, value = name.lower(), value.strip(" \t")
        if name in headers:
            if name == "host":
                raise _http_error(400, "more than one Host header")
            value = f"{headers[name]}, {value}"
        headers[name] = value
    http10 = minor == "0"
    length = _body_length(headers, http10)
    tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    keep_alive = "keep-alive" in tokens if http10 else "close" not in tokens
    head = Head(method, "/", "", headers, length, keep_alive)
    head.rejection = _refusal(head, target, http10)
    return head


def _body_length(headers: dict[str, str], http10: bool) -> int:
    """The body's length from Content-Length (no sign, no spaces, all copies equal); no Transfer-Encoding."""
    if "transfer-encoding" in headers:
        if "content-length" in headers or http10:
            raise _http_error(400, "Transfer-Encoding with Content-Length or on HTTP/1.0")
        codings = [coding.strip().lower() for coding in headers["transfer-encoding"].split(",")]
        if codings[-1] != "chunked":
            raise _http_error(400 if "chunked" in codings else 501, "unsupported Transfer-Encoding")
        raise _http_error(411, "chunked request bodies are not supported; send Content-Length")
    if "content-length" not in headers:
        return 0
    values = {value.strip() for value in headers["content-length"].split(",")}
    if len(values) != 1 or not _DIGITS.fullmatch(next(iter(values))):
        raise _http_error(400, "invalid Content-Length")
    digits = values.pop().lstrip("0") or "0"
    if len(digits) > len(str(MAX_BODY_BYTES)) or int(digits) > MAX_BODY_BYTES:
        raise _http_error(413, f"request body larger than {MAX_BODY_BYTES} bytes")
    return int(digits)


def _refusal(head: Head, target: str, http10: bool) -> ApiError | None:
    """Fill in the head's path and query from ``target``; the 4xx/5xx to answer instead, if any."""
    if target.startswith(("http://", "https://")):  # absolute form, as sent to a proxy
        try:
            parts = urlsplit(target)
        except ValueError:  # e.g. an unclosed "[" of an IPv6 host
            return _http_error(400, "malformed request target")
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    if not target.startswith("/"):
        return _http_error(400, "request target must be a path starting with /")
    raw_path, _, head.query = target.partition("?")
    try:
        head.path = unquote(raw_path, errors="strict")
        if "%" in head.query:
            unquote_to_bytes(head.query.replace("+", " ")).decode()
    except UnicodeDecodeError:
        return _http_error(400, "request target is not valid UTF-8 once percent-decoded")
    if head.method not in METHODS:
        return _http_error(501, f"method {head.method} is not implemented")
    if not http10 and "host" not in head.headers:
        return _http_error(400, "HTTP/1.1 requests must carry a Host header")
    return None


class Shared:
    """What the connections of one server share (all used on its event loop thread): the open connections,
    the worker threads for :attr:`Outcome.work` and the budget of request body bytes buffered at once."""

    def __init__(self, executor: Executor | None = None, max_buffered: int = MAX_BUFFERED_BYTES) -> None:
        self.connections: set[HttpProtocol] = set()
        self.executor = executor
        self.max_buffered = max_buffered
        self.buffered = 0

    def reserve(self, size: int) -> bool:
        """Take ``size`` bytes of the body budget; False (nothing taken) when that would exceed it."""
        if self.buffered + size > self.max_buffered:
            return False
        self.buffered += size
        return True

    def release(self, size: int) -> None:
        """Give back what :meth:`reserve` took."""
        self.buffered -= size


class HttpProtocol(asyncio.Protocol):
    """One client connection: parses requests in order and writes the handler's outcomes.

    Reading pauses while a delayed answer is pending or the client is not reading its answers, so a
    connection buffers at most one request. The connection is closed once ``idle_timeout`` seconds pass
    without a complete request while no answer is pending: idle keep-alive, half-open and slow clients alike.
    """

    def __init__(self, handler: Handler, shared: Shared, idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> None:
        self._handler = handler
        self._shared = shared
        self._connections = shared.connections
        self._reserved = 0  # body bytes of the budget this connection holds
        self._idle_timeout = idle_timeout
        self._buffer = bytearray()
        self._scanned = 0  # bytes at the start of the buffer already searched for the end of the head
        self._head: Head | None = None  # parsed head whose body is still arriving
        self._busy = False  # a delayed answer is pending
        self._paused = False  # the transport's write buffer is full: the client is not reading
        self._eof = False
        self._lingering = False  # answered for the last time: discarding input until the client closes
        self._closed = False
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()  # protocols are built by the server's loop
        self._timer: asyncio.TimerHandle | None = None
        self._last_request = self._loop.time()
        self._client_ip = ""

    # --- asyncio callbacks --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport and the peer address; start the idle clock."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self._client_ip = peer[0] if peer else ""
        self._connections.add(self)
        self._timer = self._loop.call_later(self._idle_timeout, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self._unreserve()
        self._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        """Buffer bytes and handle every complete request unless an answer is still pending."""
        if self._lingering:
            return
        self._buffer += data
        self._process()

    def eof_received(self) -> bool:
        """The client will send no more: answer what is pending, then close (True keeps the socket open)."""
        self._eof = True
        if self._lingering:
            self.close()
        self._process()
        return not self._closed

    def pause_writing(self) -> None:
        """The client is not reading: stop reading and answering until it catches up."""
        self._paused = True
        self._pause_reading()

    def resume_writing(self) -> None:
        """The client caught up: carry on."""
        self._paused = False
        self._resume()

    def close(self) -> None:
        """Close the connection now."""
        if self._transport is not None and not self._closed:
            self._closed = True
            self._transport.close()

    # --- requests -----------------------------------------------------------------------------
    def _process(self) -> None:
        while not (self._busy or self._paused or self._lingering or self._closed):
            try:
                taken = self._take()
            except ApiError as error:
                self._reply_and_close(error)
                return
            if taken is None:
                if self._eof:
                    self._end_of_input()
                return
            request, head = taken
            self._last_request = self._loop.time()
            outcome = Outcome(error_response(head.rejection)) if head.rejection else self._call(request)
            if outcome.work is not None:
                self._busy = True
                self._pause_reading()
                future = self._loop.run_in_executor(self._shared.executor, outcome.work)
                future.add_done_callback(lambda done, head=head: self._worked(done, head))  # type: ignore[misc]
                return
            if outcome.delay > 0:
                self._busy = True
                self._pause_reading()
                self._loop.call_later(outcome.delay, self._finish_later, outcome, head)
                return
            self._finish(outcome, head)

    def _take(self) -> tuple[Request, Head] | None:
        """The next complete request off the buffer, or None until more bytes arrive."""
        head = self._head
        if head is None:
            buffer = self._buffer
            end = buffer.find(b"\r\n\r\n", max(0, self._scanned - 3), MAX_HEADER_BYTES + 4)
            if end < 0:
                if len(buffer) >= MAX_HEADER_BYTES + 4:
                    raise _http_error(431, f"request head larger than {MAX_HEADER_BYTES} bytes")
                if buffer.find(b"\n\n", max(0, self._scanned - 1)) >= 0:
                    raise _http_error(400, "header lines must end with CRLF")
                self._scanned = len(buffer)
                return None
            head = parse_head(bytes(buffer[:end]).decode("latin-1"))
            del buffer[:end + 4]
            self._scanned = 0
            if len(buffer) < head.length:
                if not self._shared.reserve(head.length):
                    raise ApiError(503, "112", "the emulator is holding too many request bodies at once; "
                                   "retry later")
                self._reserved = head.length
                self._head = head
                if head.headers.get("expect", "").lower() == "100-continue" and self._transport is not None:
                    if head.rejection is not None:  # refuse now; the client may or may not send the body
                        raise head.rejection
                    self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if len(self._buffer) < head.length:
            return None
        body = bytes(self._buffer[:head.length])
        del self._buffer[:head.length]
        self._head = None
        self._unreserve()
        return Request(head.method, head.path, head.query, head.headers, body, self._client_ip), head

    def _call(self, request: Request) -> Outcome:
        try:
            return self._handler(request)
        except Exception:  # the handler should never raise; keep the server alive if it does
            log.exception("emulator handler failed for %s %s", request.method, request.path)
            return Outcome(error_response(ApiError(500, "112", "internal emulator error")))

    def _unreserve(self) -> None:
        self._shared.release(self._reserved)
        self._reserved = 0

    def _worked(self, done: asyncio.Future[Outcome], head: Head) -> None:
        """The worker thread finished: answer (after the outcome's delay, if any)."""
        try:
            outcome = done.result()
        except Exception:  # the work should never raise; keep the server alive if it does
            log.exception("emulator work failed for %s %s", head.method, head.path)
            outcome = Outcome(error_response(ApiError(500, "112", "internal emulator error")))
        if outcome.delay > 0:
            self._loop.call_later(outcome.delay, self._finish_later, outcome, head)
        else:
            self._finish_later(outcome, head)

    def _finish_later(self, outcome: Outcome, head: Head) -> None:
        self._busy = False
        self._finish(outcome, head)
        self._last_request = self._loop.time()
        self._resume()

    def _finish(self, outcome: Outcome, head: Head) -> None:
        if self._closed or self._transport is None:
            return
        if outcome.drop or outcome.response is None:
            self._transport.abort()
            self._closed = True
            return
        try:
            data = encode_response(outcome.response, head.keep_alive, with_body=head.method != "HEAD")
        except ValueError:  # the application never builds such an answer; keep the server alive if it does
            log.exception("emulator built an answer it cannot send for %s %s", head.method, head.path)
            data = encode_response(error_response(ApiError(500, "112", "internal emulator error")), head.keep_alive)
        self._transport.write(data)
        if not head.keep_alive:
            self._end_output()

    def _reply_and_close(self, error: ApiError) -> None:
        if self._transport is not None and not self._closed:
            self._transport.write(encode_response(error_response(error), keep_alive=False))
            self._end_output()

    def _end_output(self) -> None:
        """After the last answer: send EOF, then discard input until the client closes or the idle clock ends.

        Closing at once with unread input would make the kernel reset the connection, which can destroy the
        answer before the client reads it (a 413 for a body still being sent, say).
        """
        assert self._transport is not None
        if self._eof or not self._transport.can_write_eof():
            self.close()
            return
        self._lingering = True
        self._buffer.clear()
        self._head = None
        self._unreserve()
        self._last_request = self._loop.time()
        self._transport.write_eof()

    def _end_of_input(self) -> None:
        if self._buffer or self._head is not None:
            self._reply_and_close(_http_error(400, "the client closed its side before the request was complete"))
        else:
            self.close()

    # --- flow control and the idle clock ------------------------------------------------------
    def _pause_reading(self) -> None:
        if self._transport is not None and not self._closed:
            self._transport.pause_reading()

    def _resume(self) -> None:
        if self._busy or self._paused or self._closed or self._transport is None:
            return
        if not self._eof:
            self._transport.resume_reading()
        self._process()

    def _check_idle(self) -> None:
        if self._closed:
            return
        waited = self._loop.time() - self._last_request
        if self._busy or waited < self._idle_timeout:
            self._timer = self._loop.call_later(self._idle_timeout - (0 if self._busy else waited), self._check_idle)
            return
        assert self._transport is not None
        if self._transport.get_write_buffer_size():  # the client is not reading: nothing more can be said
            self._transport.abort()
            self._closed = True
        elif self._buffer or self._head is not None:
            self._reply_and_close(_http_error(408, f"no complete request within {self._idle_timeout:g} seconds"))
        else:
            self.close()
