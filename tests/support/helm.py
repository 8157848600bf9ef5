"""helm (from `make tools`) on charts/finsight: render, lint, and walk what it renders."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "finsight"
HELM = ROOT / ".tools" / "helm"
FIXTURES = ROOT / "tests" / "fixtures"
CI_VALUES = sorted((CHART / "ci").glob("*.yaml"))
# The Kubernetes versions the chart supports (Chart.yaml kubeVersion and the README).
KUBERNETES_VERSIONS = ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]

Manifest = dict[str, Any]


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), f"{HELM} is missing: run `make tools`"
    result = subprocess.run([str(HELM), *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr or result.stdout
    return result


def render(
    *,
    chart: Path = CHART,
    values_files: tuple[Path, ...] = (),
    sets: tuple[str, ...] = (),
    release: str = "acme",
    namespace: str = "finsight",
    show_only: str | None = None,
    kube_version: str | None = None,
) -> list[Manifest]:
    args = ["template", release, str(chart), "--namespace", namespace, "--include-crds"]
    if kube_version:
        args += ["--kube-version", kube_version]
    for path in values_files:
        args += ["--values", str(path)]
    for value in sets:
        args += ["--set", value]
    if show_only:
        args += ["--show-only", show_only]
    return [doc for doc in yaml.safe_load_all(helm(*args).stdout) if doc]


def chart_copy_with_monitoring(target: Path) -> Path:
    """The chart with a small fixture rule file and dashboard in files/monitoring/, so the
    monitoring templates render something without depending on the repository's monitoring/."""
    chart = target / "finsight"
    shutil.copytree(CHART, chart)
    for kind, pattern in (("rules", "*.yaml"), ("dashboards", "*.json")):
        # The fixtures alone: the repository's copies (make chart-monitoring) are left out.
        for copied in (chart / "files" / "monitoring" / kind).glob(pattern):
            copied.unlink()
        for source in (FIXTURES / "monitoring" / kind).glob(pattern):
            shutil.copy(source, chart / "files" / "monitoring" / kind / source.name)
    return chart


def find(documents: list[Manifest], kind: str, name: str | None = None) -> list[Manifest]:
    return [
        doc
        for doc in documents
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def one(documents: list[Manifest], kind: str, name: str) -> Manifest:
    [found] = find(documents, kind, name)
    return found


def pod_specs(documents: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """(kind/name, pod spec) of every workload rendered."""
    for doc in documents:
        spec = doc.get("spec") or {}
        if doc["kind"] in ("Deployment", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", spec["template"]["spec"]
        elif doc["kind"] == "Pod":
            yield f"Pod/{doc['metadata']['name']}", spec


def containers(pod: Manifest) -> list[Manifest]:
    return [*(pod.get("initContainers") or []), *pod["containers"]]


def env_of(container: Manifest) -> dict[str, Manifest]:
    return {entry["name"]: entry for entry in container.get("env") or []}
