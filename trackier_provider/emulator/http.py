"""A small, fast asyncio HTTP/1.1 server protocol: keep-alive, pipelining, Content-Length bodies.

The standard library's ``http.server`` tops out well below the emulator's throughput target, so the
emulator speaks HTTP itself. The protocol knows nothing about Trackier: it parses requests, asks the
application for an :class:`Outcome` and writes it (after a delay, cut short, or not at all).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024


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
        """The body decoded as JSON (None when empty); raises ValueError when it is not JSON."""
        if not self.body.strip():
            return None
        return json.loads(self.body)


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


@dataclass
class Outcome:
    """What the protocol should do with a request: reply (maybe late or cut), or drop the connection."""

    response: Response | None
    delay: float = 0.0
    drop: bool = False


Handler = Callable[[Request], Outcome]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def encode_response(response: Response, keep_alive: bool) -> bytes:
    """Serialise a response (status line, headers, body) to bytes."""
    lines = [
        f"HTTP/1.1 {response.status} {_reason(response.status)}",
        f"Content-Type: {response.content_type}",
        f"Content-Length: {len(response.body)}",
        "Server: trackier-emulator",
    ]
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


class HttpProtocol(asyncio.Protocol):
    """One client connection: parses requests in order and writes the handler's outcomes."""

    def __init__(self, handler: Handler, connections: set[HttpProtocol]) -> None:
        self._handler = handler
        self._connections = connections
        self._buffer = bytearray()
        self._busy = False
        self._closed = False
        self._transport: asyncio.Transport | None = None
        self._client_ip = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport and the peer address."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self._client_ip = peer[0] if peer else ""
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection."""
        self._closed = True
        self._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        """Buffer bytes and handle every complete request unless one is still pending."""
        self._buffer += data
        if not self._busy:
            self._process()

    def close(self) -> None:
        """Close the connection now."""
        if self._transport is not None and not self._closed:
            self._closed = True
            self._transport.close()

    def _process(self) -> None:
        while not self._busy and not self._closed:
            parsed = self._parse()
            if parsed is None:
                return
            request, keep_alive = parsed
            try:
                outcome = self._handler(request)
            except Exception:  # the handler should never raise; keep the server alive if it does
                log.exception("emulator handler failed for %s %s", request.method, request.path)
                outcome = Outcome(json_response({"errors": [{"statusCode": 500, "code": "112",
                                                             "codeMsg": "SERVICE_NOT_AVAILABLE",
                                                             "message": "internal emulator error"}]}, 500))
            if outcome.delay > 0:
                self._busy = True
                asyncio.get_running_loop().call_later(outcome.delay, self._finish_later, outcome, keep_alive)
                return
            self._finish(outcome, keep_alive)

    def _finish_later(self, outcome: Outcome, keep_alive: bool) -> None:
        self._busy = False
        self._finish(outcome, keep_alive)
        if not self._closed:
            self._process()

    def _finish(self, outcome: Outcome, keep_alive: bool) -> None:
        if self._closed or self._transport is None:
            return
        if outcome.drop or outcome.response is None:
            self._transport.abort()
            self._closed = True
            return
        self._transport.write(encode_response(outcome.response, keep_alive))
        if not keep_alive:
            self.close()

    def _bad_request(self, status: int, message: str) -> None:
        response = json_response({"errors": [{"statusCode": status, "code": "107",
                                              "codeMsg": "VALIDATION_ERROR", "message": message}]}, status)
        if self._transport is not None:
            self._transport.write(encode_response(response, keep_alive=False))
        self.close()

    def _parse(self) -> tuple[Request, bool] | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEADER_BYTES:
                self._bad_request(431, "request headers too large")
            return None
        head = bytes(self._buffer[:end]).decode("latin-1")
        lines = head.split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self._bad_request(400, "malformed request line")
            return None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._bad_request(411, "chunked request bodies are not supported; send Content-Length")
            return None
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            self._bad_request(400, "invalid Content-Length")
            return None
        if length > MAX_BODY_BYTES:
            self._bad_request(413, "request body too large")
            return None
        total = end + 4 + length
        if len(self._buffer) < total:
            if headers.get("expect", "").lower() == "100-continue" and self._transport is not None:
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                headers.pop("expect")
            return None
        body = bytes(self._buffer[end + 4:total])
        del self._buffer[:total]
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        path, _, query = target.partition("?")
        return Request(method.upper(), unquote(path), query, headers, body, self._client_ip), keep_alive
