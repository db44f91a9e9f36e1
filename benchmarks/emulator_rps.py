"""Requests per second of the Trackier emulator for a small paginated GET over keep-alive HTTP/1.1.

Starts the emulator in this process (its own event-loop thread) and drives it from several client
processes, each holding keep-alive connections with raw sockets so that the client is not the
bottleneck. Run: ``python benchmarks/emulator_rps.py [--seconds 5] [--clients 3] [--connections 4]``.

``--framing h11`` serves the same application through a minimal HTTP/1.1 protocol built on ``h11`` instead of
the emulator's own framing (``trackier_provider.emulator.http``): the figure that decided to keep the latter.
The h11 protocol here does only what this benchmark needs (no limits, no error answers), so it is the most
h11 could do.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import h11

from trackier_provider.emulator import EmulatorConfig, TrackierEmulator
from trackier_provider.emulator.app import EmulatorApp
from trackier_provider.emulator.http import Handler, Request

PATH = "/v2/campaigns?limit=10"


def _response_complete(buffer: bytes) -> int:
    """Length of the first complete response in ``buffer`` (0 if incomplete)."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return 0
    head = buffer[:end].lower()
    start = head.find(b"content-length:")
    length = int(head[start + 15:head.find(b"\r\n", start) if b"\r\n" in head[start:] else None])
    total = end + 4 + length
    return total if len(buffer) >= total else 0


def client(port: int, key: str, seconds: float, connections: int, counts: mp.Queue) -> None:
    """Keep ``connections`` keep-alive sockets busy with one request in flight each; report the count."""
    request = (f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {key}\r\n\r\n").encode()
    selector = selectors.DefaultSelector()
    buffers: dict[socket.socket, bytes] = {}
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        buffers[sock] = b""
        sock.send(request)
    done = errors = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for key_, _ in selector.select(timeout=1):
            sock = key_.fileobj  # type: ignore[assignment]
            assert isinstance(sock, socket.socket)
            buffers[sock] += sock.recv(65536)
            size = _response_complete(buffers[sock])
            if size:
                if not buffers[sock].startswith(b"HTTP/1.1 200"):
                    errors += 1
                buffers[sock] = buffers[sock][size:]
                done += 1
                sock.send(request)
    counts.put((done, errors))


class H11Protocol(asyncio.Protocol):
    """Keep-alive HTTP/1.1 with h11: parse each request, ask the application, write its answer."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connection = h11.Connection(h11.SERVER)
        self.transport: asyncio.Transport | None = None
        self.request: h11.Request | None = None
        self.body = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.connection.receive_data(data)
        while True:
            event = self.connection.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self.request, self.body = event, bytearray()
            elif isinstance(event, h11.Data):
                self.body += event.data
            elif isinstance(event, h11.EndOfMessage):
                self.answer()
            elif isinstance(event, h11.ConnectionClosed):
                return

    def answer(self) -> None:
        assert self.request is not None
        assert self.transport is not None
        path, _, query = self.request.target.decode().partition("?")
        headers = {name.decode(): value.decode("latin-1") for name, value in self.request.headers}
        outcome = self.handler(Request(self.request.method.decode(), unquote(path), query, headers,
                                       bytes(self.body), "127.0.0.1"))
        response = outcome.response
        assert response is not None
        fields = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                  ("Server", "trackier-emulator"), *response.headers]
        out = self.connection.send(h11.Response(status_code=response.status, headers=fields)) or b""
        out += self.connection.send(h11.Data(data=response.body)) or b""
        out += self.connection.send(h11.EndOfMessage()) or b""
        self.transport.write(out)
        self.connection.start_next_cycle()


@contextmanager
def h11_server(config: EmulatorConfig) -> Iterator[int]:
    """The emulator's application served with :class:`H11Protocol` on a loop thread; yields the port."""
    app = EmulatorApp(config)
    loop = asyncio.new_event_loop()
    sock = socket.create_server(("127.0.0.1", 0))
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(loop.create_server(lambda: H11Protocol(app.handle), sock=sock))
        started.set()
        loop.run_forever()
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait()
    try:
        yield sock.getsockname()[1]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


@contextmanager
def own_server(config: EmulatorConfig) -> Iterator[int]:
    """The emulator as shipped; yields the port."""
    with TrackierEmulator(config, port=0) as emulator:
        yield emulator.port


def main() -> None:
    """Run the benchmark and print requests/second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=3, help="client processes")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections per client")
    parser.add_argument("--framing", choices=("emulator", "h11"), default="emulator",
                        help="the emulator's own HTTP/1.1 framing, or a minimal h11 protocol over the same app")
    args = parser.parse_args()
    config = EmulatorConfig(api_key="bench-key")
    with (own_server if args.framing == "emulator" else h11_server)(config) as port:
        counts: mp.Queue = mp.Queue()
        procs = [mp.Process(target=client, args=(port, config.api_key, args.seconds, args.connections,
                                                 counts)) for _ in range(args.clients)]
        started, cpu_started = time.perf_counter(), time.process_time()
        for proc in procs:
            proc.start()
        results = [counts.get() for _ in procs]
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        for proc in procs:
            proc.join()
    total = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    rps = total / args.seconds
    print(f"GET {PATH} ({args.framing} framing): {total} requests in {args.seconds:.1f}s ({elapsed:.1f}s wall) with "
          f"{args.clients} client processes x {args.connections} keep-alive connections, {errors} non-200")
    print(f"requests/second: {rps:,.0f}")
    # The server's own CPU time (the clients are other processes): steady on a machine shared with other work.
    print(f"requests per server CPU second: {total / cpu:,.0f}")


if __name__ == "__main__":
    main()
