"""The real operator (kopf.testing.KopfRunner) against an emulated API server and the suite's
real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

# Read when finsight_operator.main is imported (kopf registers its timer then): set it first.
os.environ.setdefault("OPERATOR_DRIFT_INTERVAL_SECONDS", "1")
os.environ.setdefault("OPERATOR_RETRY_BASE_SECONDS", "0.2")
os.environ.setdefault("OPERATOR_RETRY_MAX_SECONDS", "2")

from kopf.testing import KopfRunner

from support.kube_emulator import KubeEmulator, running_emulator

OperatorFactory = Callable[[], AbstractContextManager[KopfRunner]]


@pytest.fixture
def kube() -> Iterator[KubeEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def kube_with_prometheus() -> Iterator[KubeEmulator]:
    """A cluster that has kube-prometheus-stack's PrometheusRule API."""
    with running_emulator(prometheus_operator=True) as emulator:
        yield emulator


def _operator_factory(emulator: KubeEmulator, monkeypatch: pytest.MonkeyPatch) -> OperatorFactory:
    monkeypatch.setenv("KUBECONFIG", str(emulator.kubeconfig))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)

    @contextmanager
    def run() -> Iterator[KopfRunner]:
        args = ["run", "--standalone", "--all-namespaces", "-m", "finsight_operator.main"]
        with KopfRunner(args, timeout=60) as runner:
            yield runner
        assert runner.exception is None, runner.output[-5000:]

    return run


@pytest.fixture
def start_operator(
    kube: KubeEmulator, test_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> OperatorFactory:
    """Start the operator (as often as a test likes) against `kube`."""
    return _operator_factory(kube, monkeypatch)


@pytest.fixture
def operator(start_operator: OperatorFactory) -> Iterator[KopfRunner]:
    with start_operator() as runner:
        yield runner


@pytest.fixture
def operator_with_prometheus(
    kube_with_prometheus: KubeEmulator, test_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[KopfRunner]:
    with _operator_factory(kube_with_prometheus, monkeypatch)() as runner:
        yield runner
