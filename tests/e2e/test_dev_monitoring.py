"""`finsight dev --monitoring` (`make dev-monitoring`) with `finsight status` / `health`
(`make status`, `make health`) from another shell: Prometheus scrapes the dev api and worker
with the repository's rules, Alertmanager has its routing tree, status sees it all."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from finsight.embedded import free_port

from support.kube_emulator import wait_for
from support.processes import finsight_command

pytestmark = pytest.mark.slow

START_TIMEOUT = 180.0


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET", "DEMO_PASSWORD", "ENVIRONMENT")
    }
    env.update(
        DATA_DIR=str(data_dir), ENVIRONMENT="development", LOG_LEVEL="WARNING", COLUMNS="200"
    )
    return env


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        finsight_command(*args),
        env=_env(data_dir),
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dev_monitoring_status_and_health(tmp_path: Path):
    data_dir = tmp_path / "data"
    ports = {name: free_port() for name in ("api", "web", "prometheus", "alertmanager", "worker")}
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        dev = subprocess.Popen(
            finsight_command(
                "dev",
                "--data-dir",
                str(data_dir),
                "--api-port",
                str(ports["api"]),
                "--web-port",
                str(ports["web"]),
                "--monitoring",
                "--prometheus-port",
                str(ports["prometheus"]),
                "--alertmanager-port",
                str(ports["alertmanager"]),
                "--worker-metrics-port",
                str(ports["worker"]),
            ),
            env=_env(data_dir),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    prometheus = f"http://127.0.0.1:{ports['prometheus']}"
    try:
        wait_for(
            lambda: dev.poll() is None and "REDIS_URL=" in log.read_text(errors="replace"),
            timeout=START_TIMEOUT,
            what="finsight dev --monitoring to start",
        )
        assert f"Prometheus   {prometheus}" in log.read_text()

        status = _cli(data_dir, "status")
        assert status.returncode == 0, status.stderr
        for service in ("api", "web", "worker", "beat", "prometheus", "alertmanager"):
            assert f"│ {service} " in status.stdout, status.stdout
        assert "down" not in status.stdout, status.stdout
        assert "│ org.demo " in status.stdout and "│ default " in status.stdout
        assert "│ demo " in status.stdout  # the organizations' latest work

        health = _cli(data_dir, "health")
        assert health.returncode == 0, health.stdout + health.stderr
        assert "api: ok" in health.stdout and "worker: ok" in health.stdout

        # Prometheus scrapes both with the repository's rules; the Watchdog fires.
        def up() -> set[str] | None:
            answer = httpx.get(prometheus + "/api/v1/query", params={"query": "up == 1"}).json()
            jobs = {r["metric"]["job"] for r in answer["data"]["result"]}
            return jobs if {"finsight-api", "finsight-worker"} <= jobs else None

        wait_for(up, timeout=60, what="Prometheus to scrape the api and the worker")
        rules = httpx.get(prometheus + "/api/v1/rules").json()["data"]["groups"]
        assert {"finsight-api-slo-alerts", "finsight-workers"} <= {g["name"] for g in rules}
        alertmanager = f"http://127.0.0.1:{ports['alertmanager']}"
        assert httpx.get(alertmanager + "/-/ready").status_code == 200
    finally:
        if dev.poll() is None:
            os.kill(dev.pid, signal.SIGINT)
            try:
                dev.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(dev.pid, signal.SIGKILL)
                dev.wait()
    # Stopped: nothing to report on, and health says so.
    gone = _cli(data_dir, "health")
    assert gone.returncode == 1
    assert gone.stderr.startswith("error: no `finsight dev` is running")
