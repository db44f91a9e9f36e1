"""``TrackierEmulator``: the application served over HTTP from a background event-loop thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Any

from trackier_provider.emulator.app import EmulatorApp
from trackier_provider.emulator.config import EmulatorConfig
from trackier_provider.emulator.http import HttpProtocol, Shared
from trackier_provider.emulator.store import Store

log = logging.getLogger(__name__)

#: Worker threads for heavy answers (reports), which run off the event loop so it keeps serving.
WORKERS = 4


class TrackierEmulator:
    """A local Trackier Admin API on ``host:port`` (port 0 picks a free one), usable as a context manager.

    All control methods are thread-safe; the server runs on its own event loop thread so the calling
    test or DAG can use blocking clients against :attr:`base_url`.
    """

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0,
                 **overrides: Any) -> None:
        if config is None:
            config = EmulatorConfig(**overrides)
        elif overrides:
            raise TypeError("pass either an EmulatorConfig or keyword overrides, not both")
        self.config = config
        self.host = host
        self.port = port
        self.app = EmulatorApp(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._shared: Shared | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> TrackierEmulator:
        """Bind and serve on a daemon thread; returns once the socket accepts connections."""
        if self._thread is not None:
            return self
        sock = socket.create_server((self.host, self.port), family=_family(self.host), backlog=4096,
                                    reuse_port=False)
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop
        shared = self._shared = Shared(ThreadPoolExecutor(WORKERS, thread_name_prefix=f"trackier-emulator-{self.port}"))

        def run() -> None:
            asyncio.set_event_loop(loop)

            def protocol() -> HttpProtocol:
                return HttpProtocol(self.app.handle, shared, self.config.idle_timeout)

            self._server = loop.run_until_complete(loop.create_server(protocol, sock=sock, backlog=4096))
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"trackier-emulator-{self.port}", daemon=True)
        self._thread.start()
        ready.wait()
        log.info("Trackier emulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Close the listener and every connection, stop the loop and join its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        shared = self._shared
        assert shared is not None

        def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for connection in list(shared.connections):
                connection.close()
            loop.call_soon(loop.stop)

        loop.call_soon_threadsafe(shutdown)
        thread.join(timeout=10)
        if shared.executor is not None:
            shared.executor.shutdown(wait=False, cancel_futures=True)
        self._loop = self._thread = self._server = self._shared = None

    def __enter__(self) -> TrackierEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- addresses ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://host:port`` (IPv6 hosts bracketed)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        """The key clients must send in ``X-Api-Key``."""
        return self.config.api_key

    # --- control ------------------------------------------------------------------------------
    def add_fault(self, rule: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Add one fault rule (or a list); see ``docs/emulator.md`` for the rule shape."""
        self.app.faults.add(rule)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.app.faults.clear()

    @property
    def faults(self) -> list[dict[str, Any]]:
        """The active fault rules (``times`` = uses left)."""
        return self.app.faults.rules()

    def set_rate_limit(self, spec: dict[str, Any] | None) -> None:
        """``{"requests_per_second": float, "retry_after": "1"?}`` or None for no limit."""
        self.app.rate_limiter.configure(spec)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request log: dicts with method, path, query, key_present, status, fault."""
        return self.app.request_log.entries()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.app.request_log.clear()

    def advance_clock(self, seconds: float) -> None:
        """Move the emulated clock forward by ``seconds``."""
        self.app.clock.advance(seconds)

    def now(self) -> datetime:
        """The emulated time (aware, UTC)."""
        return self.app.clock.now()

    def reset(self) -> None:
        """Back to the seeded state: created objects, jobs, faults, rate limit, log and clock offset."""
        with self.app.store.lock:
            self.app.reset()

    @property
    def store(self) -> Store:
        """In-memory state for assertions (see :mod:`trackier_provider.emulator.store`)."""
        return self.app.store


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
