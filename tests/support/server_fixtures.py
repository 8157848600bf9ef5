"""Real server processes per xdist worker, as production runs them: `finsight serve api`,
`finsight serve worker` and `finsight serve web`. Registered for every test by tests/conftest.py."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from finsight.embedded import free_port

from support.api import Member, create_org, login
from support.processes import ServerProcess, finsight_command


@contextlib.contextmanager
def _serving(
    name: str, args: list[str], env: dict[str, str], factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`finsight serve <name> ...` on a free loopback port until the session ends."""
    port = free_port()
    server = ServerProcess(
        finsight_command("serve", name, "--host", "127.0.0.1", "--port", str(port), *args),
        env=env,
        log_path=Path(factory.mktemp(name)) / f"{name}.log",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_http(url + "/healthz")
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def api_url(test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serving("api", [], test_env, tmp_path_factory) as url:
        yield url


@pytest.fixture
def client(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as http:
        yield http


@pytest.fixture
def owner(client: httpx.Client, unique_slug: str) -> Member:
    """The owner of a fresh organization, signed in."""
    return login(client, create_org(unique_slug), unique_slug)


@pytest.fixture(scope="session")
def worker_process(
    test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A real `finsight serve worker` following every organization's queue, with its metrics
    at `worker_process.metrics_url` (for Prometheus in the monitoring tests)."""
    directory = Path(tmp_path_factory.mktemp("worker"))
    log = directory / "worker.log"
    metrics_port = free_port()
    process = ServerProcess(
        finsight_command(
            "serve",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--queue-sync-seconds",
            "0.5",
            "--metrics-port",
            str(metrics_port),
            "--metrics-dir",
            str(directory / "metrics"),
        ),
        env=test_env,
        log_path=log,
    )
    process.metrics_url = f"http://127.0.0.1:{metrics_port}"  # type: ignore[attr-defined]
    yield process
    process.stop()


@pytest.fixture(scope="session")
def web_url(
    api_url: str, test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard (`finsight serve web`) calling the api process above."""
    with _serving("web", ["--api-url", api_url], test_env, tmp_path_factory) as url:
        yield url
