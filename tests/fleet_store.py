"""A Redis server of the test's own on a free loopback port, as the shared budget store (``budget_url``).

Tests that use it are skipped, with the reason, only where the ``redis-server`` binary is absent (CI installs
it before ``make test``).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackier_provider.hooks import budget_store, throttle


class BudgetRedis:
    """A running Redis (password required, nothing saved) and the ``budget_url`` that reaches it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.password = secrets.token_urlsafe(12)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BudgetRedis:
        from tests.integration.services import free_port, wait_until

        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        config = self.directory / "redis.conf"  # the password in a file, not on a command line
        config.write_text("\n".join([
            "bind 127.0.0.1", f"port {self.port}", f"dir {self.directory}", 'save ""', "appendonly no",
            f"requirepass {self.password}", "",
        ]))
        config.chmod(0o600)
        log = open(self.directory / "redis.log", "wb")  # the child keeps its copy
        self.process = subprocess.Popen(["redis-server", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        wait_until("Redis to answer PING", self.ping, timeout=30)
        return self

    def ping(self) -> bool:
        client = self.client()
        try:
            return bool(client.ping())
        except Exception:
            return False
        finally:
            client.close()

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); the store is unreachable from then on."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def dump(self) -> list[str]:
        """Every key and every value in the store, as text (for secret scans)."""
        client = self.client()
        found: list[str] = []
        try:
            for raw_key in client.scan_iter(match="*"):
                key = raw_key.decode()
                found.append(key)
                kind = client.type(raw_key).decode()
                if kind == "string":
                    found.append(client.get(raw_key).decode(errors="replace"))
                elif kind == "zset":
                    found.extend(m.decode(errors="replace") for m, _ in client.zrange(raw_key, 0, -1, withscores=True))
                else:
                    found.append(f"<unexpected {kind}>")
        finally:
            client.close()
        return found


def forget_budgets() -> None:
    """Drop this process's budgets and store clients, so each test starts as a fresh process would."""
    with throttle._BUDGETS_LOCK:
        throttle._BUDGETS.clear()
    with budget_store._STORES_LOCK:
        for store in budget_store._STORES.values():
            store.client.close()
        budget_store._STORES.clear()


@pytest.fixture
def budget_redis(tmp_path: Path) -> Iterator[BudgetRedis]:
    """A fresh Redis store for one test; the process's budgets are forgotten before and after."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    forget_budgets()
    store = BudgetRedis(tmp_path / "redis").start()
    try:
        yield store
    finally:
        store.stop()
        forget_budgets()
