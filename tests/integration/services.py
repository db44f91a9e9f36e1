"""Servers for a distributed Airflow on loopback: PostgreSQL, Redis and an S3-compatible object store.

Each one runs from its ordinary distribution (PostgreSQL and Redis from their Debian packages, moto's S3 server
from PyPI) in a directory of its own under the cluster's throwaway root, listens on 127.0.0.1 only, on a free
port, and is stopped on exit. PostgreSQL refuses to run as root, and neither server needs to: when this runs as
root they run as the users their Debian packages created (``postgres``, ``redis``).

Why moto's server for S3: it is a pip install (no binary download, which this machine's network rules would
not allow for MinIO), speaks the S3 REST API that s3fs/botocore use, and keeps objects in its own process, so
every Airflow process reaches the files only over HTTP, as with a real bucket. Its objects live in memory and
vanish with the process: nothing to clean up.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

INSTALL_SERVERS = "apt-get update && apt-get install -y postgresql redis-server"
INSTALL_PYTHON = "pip install -e '.[distributed]'"


class Unavailable(Exception):
    """A server or a Python package the distributed setup needs is not installed; the message says how to."""


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, check: Callable[[], Any], timeout: float, poll: float = 0.2,
               alive: Callable[[], str | None] | None = None) -> Any:
    """Poll ``check`` until it returns something truthy (exceptions count as not yet); fail after ``timeout``.

    ``alive`` returns why waiting is pointless (a process exited), or None.
    """
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as error:
            last, result = error, None
        if result:
            return result
        dead = alive() if alive else None
        if dead:
            raise RuntimeError(f"{dead} while waiting for {what}")
        time.sleep(poll)  # polling a server's state: waiting is the point, not a timing fix
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last!r})" if last else ""))


def service_user(preferred: str) -> pwd.struct_passwd | None:
    """The account a server runs as: ``preferred`` (else ``nobody``) when we are root, None (ourselves) otherwise."""
    if os.geteuid() != 0:
        return None
    for name in (preferred, "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise Unavailable(f"running as root, and neither a {preferred!r} nor a 'nobody' user exists to run it as")


def owned_dir(path: Path, user: pwd.struct_passwd | None) -> Path:
    """Create ``path`` (0700) owned by ``user``."""
    path.mkdir(mode=0o700, parents=True, exist_ok=False)
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def as_user(user: pwd.struct_passwd | None) -> dict[str, Any]:
    """``subprocess`` arguments that run a command as ``user`` (nothing when that is ourselves)."""
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


class Process:
    """A process started in its own session (so its children are stopped with it), output to a log file."""

    def __init__(self, name: str, args: Sequence[str], log_path: Path, *, env: dict[str, str] | None = None,
                 cwd: Path | None = None, **popen: Any) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[Any] = open(log_path, "w")  # closed in stop()
        self.proc = subprocess.Popen(list(args), env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, **popen)
        self.pid = self.proc.pid

    def exited(self) -> str | None:
        code = self.proc.poll()
        return None if code is None else f"{self.name} exited with {code}"

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the process group, SIGKILL after ``timeout``."""
        if self.proc.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Children that outlived their parent (a task runner, a gunicorn worker) are in the same group.
        _signal_group(self.pid, signal.SIGKILL)
        self._log.close()

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie of ours is dead for this purpose.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory (Debian: /usr/lib/postgresql/<version>/bin)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    raise Unavailable(f"PostgreSQL is not installed (no pg_ctl/initdb): {INSTALL_SERVERS}")


def redis_server() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise Unavailable(f"Redis is not installed (no redis-server): {INSTALL_SERVERS}")
    return found


class Postgres:
    """A PostgreSQL server of its own: initdb in ``directory``, pg_ctl start/stop, password login only.

    One role and database per use: ``airflow`` (Airflow's metadata) and ``warehouse`` (the loads), each with
    its own random password; the superuser ``trackier_admin`` is used only to create them.
    """

    DATABASES = ("airflow", "warehouse")

    def __init__(self, directory: Path) -> None:
        self.bin = postgres_bin()
        self.directory = directory
        self.user = service_user("postgres")
        self.port = 0
        self.passwords = {name: secrets.token_urlsafe(18) for name in ("trackier_admin", *self.DATABASES)}
        self.started = False
        self.postmaster_pid: int | None = None

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _run(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]], cwd=self.directory, capture_output=True, text=True,
            timeout=timeout, check=False, stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "HOME": str(self.directory)},
            **as_user(self.user),
        )
        if result.returncode:
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return result.stdout

    def start(self) -> Postgres:
        owned_dir(self.directory, self.user)
        password_file = self.directory / "superuser-password"
        password_file.write_text(self.passwords["trackier_admin"] + "\n")
        password_file.chmod(0o600)
        if self.user is not None:
            os.chown(password_file, self.user.pw_uid, self.user.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "trackier_admin", f"--pwfile={password_file}",
                      "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        finally:
            password_file.unlink()
        self.port = free_port()
        options = " ".join([
            f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.directory}",
            # Every Airflow process keeps a small pool; throwaway data needs no durability.
            "-c max_connections=400", "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
        ])
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "postgres.log"), "-o", options,
                  "-w", "-t", "60", "start")
        self.started = True
        self.postmaster_pid = int((self.data / "postmaster.pid").read_text().split()[0])
        self._create_databases()
        return self

    def _create_databases(self) -> None:
        import psycopg2
        from psycopg2 import sql

        admin = psycopg2.connect(host="127.0.0.1", port=self.port, user="trackier_admin",
                                 password=self.passwords["trackier_admin"], dbname="postgres")
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                for name in self.DATABASES:
                    cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)),
                                   (self.passwords[name],))
                    cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(name)))
        finally:
            admin.close()

    def url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        """SQLAlchemy URL of ``database`` as its own role."""
        return f"{driver}://{database}:{self.passwords[database]}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str) -> Any:
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user=database,
                                password=self.passwords[database], dbname=database)

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                if self.postmaster_pid and pid_alive(self.postmaster_pid):
                    os.kill(self.postmaster_pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown
            self.started = False
        if self.postmaster_pid:
            wait_until("PostgreSQL to exit", lambda: not pid_alive(self.postmaster_pid or 0), timeout=30)

    def pids(self) -> list[int]:
        return [self.postmaster_pid] if self.postmaster_pid else []

    def tail(self, chars: int = 2000) -> str:
        log = self.directory / "postgres.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""


class Redis:
    """A Redis server of its own (the Celery broker and result backend), password required, nothing saved."""

    def __init__(self, directory: Path) -> None:
        self.binary = redis_server()
        self.directory = directory
        self.user = service_user("redis")
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.process: Process | None = None

    def start(self) -> Redis:
        owned_dir(self.directory, self.user)
        self.port = free_port()
        # The password goes in a file only the server's user can read, not on a command line others can see.
        config = self.directory / "redis.conf"
        config.write_text("\n".join([
            "bind 127.0.0.1", f"port {self.port}", "protected-mode yes", f"dir {self.directory}",
            'save ""', "appendonly no", "daemonize no", f"requirepass {self.password}", "",
        ]))
        config.chmod(0o600)
        if self.user is not None:
            os.chown(config, self.user.pw_uid, self.user.pw_gid)
        self.process = Process("redis", [self.binary, str(config)], self.directory / "redis.log",
                               cwd=self.directory, env={"PATH": os.environ.get("PATH", "")}, **as_user(self.user))
        wait_until("Redis to answer PING", self.ping, timeout=30, alive=self.process.exited)
        return self

    def ping(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()

    def url(self, db: int) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def pids(self) -> list[int]:
        return [self.process.pid] if self.process else []


class ObjectStore:
    """moto's S3 server on loopback with one bucket; ``env`` points botocore/s3fs (and nothing else) at it."""

    def __init__(self, directory: Path, bucket: str = "trackier") -> None:
        self.binary = Path(sys.executable).with_name("moto_server")
        if not self.binary.exists():
            raise Unavailable(f"moto's S3 server is not installed (no {self.binary}): {INSTALL_PYTHON}")
        self.directory = directory
        self.bucket = bucket
        self.port = 0
        self.access_key = "trackier-test"
        self.secret_key = secrets.token_urlsafe(24)
        self.process: Process | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Settings for every process that reads or writes s3:// paths: this server, static keys, no AWS config,
        no instance metadata lookups (they would leave loopback)."""
        return {
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    def start(self) -> ObjectStore:
        owned_dir(self.directory, None)
        self.port = free_port()
        self.process = Process("moto_server", [str(self.binary), "-H", "127.0.0.1", "-p", str(self.port)],
                               self.directory / "moto.log", cwd=self.directory,
                               env={**os.environ, **self.env, "TMPDIR": str(self.directory)})
        wait_until("the S3 server", lambda: self.client().list_buckets() is not None, timeout=60,
                   alive=self.process.exited)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1")

    def filesystem(self) -> Any:
        """An s3fs filesystem on this server (fresh, not fsspec's cached instance)."""
        import s3fs

        return s3fs.S3FileSystem(key=self.access_key, secret=self.secret_key, endpoint_url=self.endpoint,
                                 skip_instance_cache=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def pids(self) -> list[int]:
        return [self.process.pid] if self.process else []


#: The distributions of the ``distributed`` extra the harness imports or starts.
DISTRIBUTIONS = ("apache-airflow-providers-celery", "apache-airflow-providers-postgres",
                 "apache-airflow-providers-sqlite", "s3fs", "moto", "psycopg2-binary", "redis", "boto3")


def require_python_packages() -> None:
    """Fail with the install command when the ``distributed`` extra is missing (without importing Airflow)."""
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    for name in DISTRIBUTIONS:
        try:
            version(name)
        except PackageNotFoundError:
            missing.append(name)
    if missing:
        raise Unavailable(f"missing Python packages {missing}: {INSTALL_PYTHON}")
