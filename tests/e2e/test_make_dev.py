"""`finsight dev` (what `make dev` runs) as a user runs it: no DATABASE_URL or REDIS_URL, a
fresh data folder, Ctrl-C to stop, and a second start that finds the same data."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from finsight.embedded import free_port

from support.processes import finsight_command

pytestmark = pytest.mark.slow

START_TIMEOUT = 180.0


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "DATABASE_URL",
            "MIGRATION_DATABASE_URL",
            "REDIS_URL",
            "JWT_SECRET",
            "DEMO_PASSWORD",
            "ENVIRONMENT",
        )
    }
    env.update(DATA_DIR=str(data_dir), ENVIRONMENT="development", LOG_LEVEL="WARNING")
    return env


class Dev:
    def __init__(self, data_dir: Path, port: int, log: Path, web_port: int) -> None:
        self.port = port
        self.log = log
        self._out = log.open("wb")
        # cwd: a folder without a .env, so only the environment given here counts.
        self.process = subprocess.Popen(
            finsight_command(
                "dev",
                "--data-dir",
                str(data_dir),
                "--api-port",
                str(port),
                "--web-port",
                str(web_port),
            ),
            env=_env(data_dir),
            cwd=data_dir.parent,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            # The banner comes once the API answers: everything has started.
            if "finsight dev" in self.output() and "REDIS_URL=" in self.output():
                return
            time.sleep(0.2)
        raise AssertionError(f"finsight dev did not start:\n{self.output()}")

    def interrupt(self) -> int:
        os.kill(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=90)
        finally:
            self._out.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                child.kill()
            self.process.kill()
            self.process.wait()
        self._out.close()


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Another shell's command, joining the running dev stores (no DATABASE_URL)."""
    return subprocess.run(
        finsight_command(*args),
        env={**_env(data_dir), "COLUMNS": "200"},
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _login(port: int, password: str) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/api/auth/login",
        json={"email": "demo@example.com", "password": password, "organization": "demo"},
        timeout=30,
    )


def test_dev_runs_stops_cleanly_and_keeps_its_data(tmp_path):
    data_dir = tmp_path / "data"
    port, web_port = free_port(), free_port()
    dev = Dev(data_dir, port, tmp_path / "dev-1.log", web_port)
    try:
        dev.wait_ready()
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        banner = dev.output()
        # The dashboard's address comes first in the banner, and it answers.
        assert banner.index("Dashboard") < banner.index("API docs"), banner
        assert f"http://127.0.0.1:{web_port}" in banner
        sign_in = httpx.get(f"http://127.0.0.1:{web_port}/login", timeout=10)
        assert sign_in.status_code == 200 and "Sign in" in sign_in.text
        password = re.search(r"demo@example\.com / (\S+) \(shown once\)", banner)
        assert password, banner
        token = _login(port, password.group(1))
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]

        secret = data_dir / "jwt-secret"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        listed = _cli(data_dir, "org", "list")
        assert listed.returncode == 0, listed.stderr
        assert re.search(r"│ demo\s+│ Demo Inc\.", listed.stdout), listed.stdout
        created = _cli(
            data_dir,
            "org",
            "create",
            "kept",
            "--name",
            "Kept",
            "--owner-email",
            "owner@kept.example.com",
        )
        assert created.returncode == 0, created.stderr
        # Commands that need Redis find the running stack too (its port changes every start).
        state = data_dir / "dev.json"
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
        redis_url = re.search(r"REDIS_URL=(\S+)", banner)
        assert redis_url and json.loads(state.read_text())["redis_url"] == redis_url.group(1)
        queued = _cli(data_dir, "analytics", "run", "--org", "demo", "--no-wait")
        assert queued.returncode == 0, queued.stderr
        assert "queued on org.demo" in queued.stdout and not queued.stderr, queued.stderr

        started = psutil.Process(dev.process.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in started)
        for part in ("serve api", "serve web", "serve worker", "serve beat", "redis-server"):
            assert part in names, names
        started.append(psutil.Process(_postmaster_pid(data_dir)))
    except BaseException:
        dev.kill()
        raise

    assert dev.interrupt() == 0, dev.output()
    _gone, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    assert not (data_dir / "dev.json").exists()  # a stopped stack is not offered to commands

    again = Dev(data_dir, port, tmp_path / "dev-2.log", web_port)
    try:
        again.wait_ready()
        output = again.output()
        assert "demo organization exists" in output
        assert "shown once" not in output
        # Same data, same signing key: the old token and password still work.
        me = httpx.get(
            f"http://127.0.0.1:{port}/api/users/me",
            headers={"Authorization": f"Bearer {access}"},
            timeout=30,
        )
        assert me.status_code == 200, me.text
        assert _login(port, password.group(1)).status_code == 200
        listed = _cli(data_dir, "org", "list")
        assert "kept" in listed.stdout and "demo" in listed.stdout

        # A child that dies takes everything down, with a non-zero exit.
        started = psutil.Process(again.process.pid).children(recursive=True)
        started.append(psutil.Process(_postmaster_pid(data_dir)))
        beat = next(p for p in started if "serve beat" in " ".join(p.cmdline()))
        beat.kill()
        assert again.process.wait(timeout=90) == 1
        again.kill()  # closes its log
    except BaseException:
        again.kill()
        raise
    assert "beat exited unexpectedly" in again.output()
    _gone, alive = psutil.wait_procs(started, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
