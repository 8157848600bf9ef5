"""Every values file in ci/ lints and renders, and every object rendered is valid: built-in
kinds for each Kubernetes version the chart supports (kubernetes-validate, strict), custom
resources against their CRDs' openAPIV3Schema (the Prometheus Operator's real CRDs, and ours)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from support.helm import (
    CHART,
    CI_VALUES,
    FIXTURES,
    KUBERNETES_VERSIONS,
    ROOT,
    Manifest,
    chart_copy_with_monitoring,
    helm,
    render,
)

CUSTOM_RESOURCE_DEFINITIONS = [
    FIXTURES / "crds" / "monitoring.coreos.com_servicemonitors.yaml",
    FIXTURES / "crds" / "monitoring.coreos.com_podmonitors.yaml",
    FIXTURES / "crds" / "monitoring.coreos.com_prometheusrules.yaml",
    ROOT / "crds" / "organizations.finsight.io.yaml",
]
CI_IDS = [path.stem for path in CI_VALUES]


def _strict(schema: Any) -> Any:
    """The API server's strict field validation: an object schema listing its properties takes
    no others, unless it says it keeps unknown fields."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


@functools.cache
def crd_validators() -> dict[tuple[str, str], jsonschema.Draft7Validator]:
    """(apiVersion, kind) -> a validator of that custom resource."""
    validators = {}
    for path in CUSTOM_RESOURCE_DEFINITIONS:
        crd = next(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = _strict(version["schema"]["openAPIV3Schema"])
                validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft7Validator(
                    schema
                )
    return validators


def validate_custom_resource(document: Manifest) -> None:
    key = (document["apiVersion"], document["kind"])
    assert key in crd_validators(), f"no CRD known for {key}"
    errors = sorted(crd_validators()[key].iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{document['kind']}/{document['metadata']['name']} "
        f"{'.'.join(map(str, e.path))}: {e.message}"
        for e in errors
    )


@pytest.fixture(scope="module")
def chart_with_monitoring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chart_copy_with_monitoring(tmp_path_factory.mktemp("chart"))


@functools.cache
def _rendered(
    chart: Path, values: Path | None, kube_version: str | None = None
) -> tuple[Manifest, ...]:
    files = (values,) if values else ()
    return tuple(render(chart=chart, values_files=files, kube_version=kube_version))


def test_kubernetes_validate_knows_every_supported_version():
    """Otherwise it would validate against some other version's schemas (or refuse)."""
    known = {version.rsplit(".", 1)[0] for version in kubernetes_validate.utils.all_versions()}
    assert set(KUBERNETES_VERSIONS) <= known, sorted(known)


def test_there_are_ci_values_for_the_documented_scenarios():
    assert {"minimal-values", "everything-on-values", "existing-secrets-values"} <= set(CI_IDS)


@pytest.mark.parametrize("values", [None, *CI_VALUES], ids=["defaults", *CI_IDS])
def test_helm_lint_strict(values):
    args = ["lint", "--strict", str(CHART)] + (["--values", str(values)] if values else [])
    assert "0 chart(s) failed" in helm(*args).stdout


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values", [None, *CI_VALUES], ids=["defaults", *CI_IDS])
def test_every_rendered_object_is_valid(chart_with_monitoring, values, version):
    documents = _rendered(chart_with_monitoring, values, version)
    assert documents
    for document in documents:
        if (document["apiVersion"], document["kind"]) in crd_validators():
            validate_custom_resource(document)
        else:
            kubernetes_validate.validate(copy.deepcopy(document), version, strict=True)


def test_the_chart_refuses_kubernetes_older_than_it_supports():
    result = helm("template", "acme", str(CHART), "--kube-version", "1.29", check=False)
    assert result.returncode != 0
    assert "incompatible with Kubernetes v1.29" in result.stderr


def test_everything_on_renders_every_kind(chart_with_monitoring):
    everything = CHART / "ci" / "everything-on-values.yaml"
    kinds = {doc["kind"] for doc in _rendered(chart_with_monitoring, everything)}
    assert kinds >= {
        "CustomResourceDefinition",
        "Deployment",
        "Job",
        "Service",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "ServiceMonitor",
        "PodMonitor",
        "PrometheusRule",
        "Organization",
        "ClusterRole",
        "ClusterRoleBinding",
    }


def test_examples_are_valid_organizations():
    """The Organization CRD's validator is the one the chart's custom resources meet too."""
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == "Organization":
                validate_custom_resource(document)


def test_the_crd_validator_refuses_a_field_the_crd_does_not_have():
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "x"},
        "spec": {"selector": {}, "endpoints": [{"port": "http", "intervall": "30s"}]},
    }
    with pytest.raises(AssertionError, match="intervall"):
        validate_custom_resource(monitor)


def test_declared_organizations_are_kept_and_checked_against_the_crd():
    sets = ("organizations[0].name=acme", "organizations[0].spec.owner=owner@acme.example.com")
    [org] = [d for d in render(sets=sets) if d["kind"] == "Organization"]
    assert org["metadata"]["name"] == "acme"
    # Never deleted by helm (uninstall, an entry leaving the list): deleting a tenant is deliberate.
    assert org["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    validate_custom_resource(org)
    [bad] = [
        d
        for d in render(sets=(*sets, "organizations[0].spec.plan=gold"))
        if d["kind"] == "Organization"
    ]
    with pytest.raises(AssertionError, match="plan"):
        validate_custom_resource(bad)
