"""`finsight serve operator` as the chart runs it: a process with a liveness endpoint and
Prometheus metrics, provisioning an Organization, stopped by SIGTERM."""

from __future__ import annotations

import httpx
import pytest

from finsight.embedded import free_port

from support.processes import ServerProcess, finsight_command

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_operator_process_serves_health_and_metrics(kube, test_env, tmp_path, unique_slug):
    health, metrics = free_port(), free_port()
    env = {
        **test_env,
        "KUBECONFIG": str(kube.kubeconfig),
        "OPERATOR_METRICS_PORT": str(metrics),
        "OPERATOR_DRIFT_INTERVAL_SECONDS": "5",
    }
    env.pop("KUBERNETES_SERVICE_HOST", None)
    process = ServerProcess(
        finsight_command("serve", "operator", "--host", "127.0.0.1", "--port", str(health)),
        env,
        tmp_path / "operator.log",
    )
    try:
        process.wait_http(f"http://127.0.0.1:{health}/healthz")
        assert httpx.get(f"http://127.0.0.1:{health}/healthz").status_code == 200

        kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
        kube.wait_for_phase(unique_slug, "Ready", timeout=60)

        exposed = httpx.get(f"http://127.0.0.1:{metrics}/metrics").text
        assert 'finsight_operator_reconciles_total{result="ok",trigger="create"}' in exposed
        assert "finsight_operator_reconcile_seconds_bucket" in exposed
    finally:
        code = process.stop()
    assert code == 0, process.log_tail()
