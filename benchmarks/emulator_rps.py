"""Requests per second of the Trackier emulator for a small paginated GET over keep-alive HTTP/1.1.

Starts the emulator in this process (its own event-loop thread) and drives it from several client
processes, each holding keep-alive connections with raw sockets so that the client is not the
bottleneck. Run: ``python benchmarks/emulator_rps.py [--seconds 5] [--clients 3] [--connections 4]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import selectors
import socket
import time

from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

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


def main() -> None:
    """Run the benchmark and print requests/second."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=3, help="client processes")
    parser.add_argument("--connections", type=int, default=4, help="keep-alive connections per client")
    args = parser.parse_args()
    config = EmulatorConfig(api_key="bench-key")
    with TrackierEmulator(config, port=0) as emulator:
        counts: mp.Queue = mp.Queue()
        procs = [mp.Process(target=client, args=(emulator.port, config.api_key, args.seconds, args.connections,
                                                 counts)) for _ in range(args.clients)]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        results = [counts.get() for _ in procs]
        elapsed = time.perf_counter() - started
        for proc in procs:
            proc.join()
    total = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    rps = total / args.seconds
    print(f"GET {PATH}: {total} requests in {args.seconds:.1f}s ({elapsed:.1f}s wall) with "
          f"{args.clients} client processes x {args.connections} keep-alive connections, {errors} non-200")
    print(f"requests/second: {rps:,.0f}")


if __name__ == "__main__":
    main()
