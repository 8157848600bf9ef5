"""The CRD: a valid CustomResourceDefinition whose schema accepts the examples, refuses bad
specs, and agrees with the operator and the platform on slugs and defaults."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from finsight.organizations.service import PLANS
from finsight.tenancy.names import SLUG_PATTERN
from finsight_operator.spec import OrganizationSpecModel

ROOT = Path(__file__).resolve().parents[2]
CRD_PATH = ROOT / "crds" / "organizations.finsight.io.yaml"


@pytest.fixture(scope="module")
def crd() -> dict[str, Any]:
    return yaml.safe_load(CRD_PATH.read_text())


@pytest.fixture(scope="module")
def schema(crd) -> dict[str, Any]:
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def validate(schema: dict[str, Any], document: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(schema).validate(document)


def apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """What the API server does with `default`: fill absent fields, recursively."""
    if schema.get("type") != "object" or not isinstance(value, dict):
        return value
    result = dict(value)
    for key, child in (schema.get("properties") or {}).items():
        if key not in result and "default" in child:
            result[key] = child["default"]
        if key in result:
            result[key] = apply_defaults(child, result[key])
    return result


def test_crd_is_a_valid_custom_resource_definition(crd):
    kubernetes_validate.validate(crd, "1.35", strict=True)
    version = crd["spec"]["versions"][0]
    assert crd["spec"]["scope"] == "Cluster"
    assert crd["spec"]["names"]["shortNames"] == ["org", "orgs"]
    assert version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Ready",
        "Phase",
        "Plan",
        "Schema",
        "Age",
    ]


def test_examples_validate_against_the_schema(schema):
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document.get("kind") == "Organization":
                validate(schema, document)


@pytest.mark.parametrize(
    "spec",
    [
        {},  # no owner
        {"owner": "owner@acme.example", "plan": "gold"},
        {"owner": "owner@acme.example", "deletionPolicy": "Keep"},
        {"owner": "owner@acme.example", "workers": {"replicas": 21}},
        {"owner": "owner@acme.example", "workers": {"resources": {"limits": {"cpu": "lots"}}}},
        {"owner": "owner@acme.example", "alerting": {"rules": [{"name": "x", "expr": "up"}]}},
        {"owner": "owner@acme.example", "database": {"cluster": "Not A Name"}},
        {"owner": "nobody"},
    ],
)
def test_schema_refuses_bad_specs(schema, spec):
    with pytest.raises(jsonschema.ValidationError):
        validate(
            schema,
            {
                "apiVersion": "finsight.io/v1",
                "kind": "Organization",
                "metadata": {"name": "acme"},
                "spec": spec,
            },
        )


def test_defaults_agree_with_the_operator(schema):
    spec_schema = schema["properties"]["spec"]
    defaulted = apply_defaults(spec_schema, {"owner": "owner@acme.example"})
    model = OrganizationSpecModel.model_validate({"owner": "owner@acme.example"})
    assert defaulted == {
        "owner": "owner@acme.example",
        "plan": model.plan,
        "database": {"cluster": model.database.cluster},
        "workers": {"replicas": model.workers.replicas},
        "alerting": {"defaults": model.alerting.defaults, "rules": [], "financialRules": []},
        "deletionPolicy": model.deletion_policy,
        "suspended": model.suspended,
    }
    assert spec_schema["properties"]["plan"]["enum"] == list(PLANS)


def test_cel_rules_guard_the_slug_and_the_cluster(schema):
    rule = schema["x-kubernetes-validations"][0]["rule"]
    pattern = re.search(r"matches\('([^']+)'\)", rule).group(1)
    assert pattern == SLUG_PATTERN.pattern  # the platform's slug rule, word for word
    assert "!self.metadata.name.contains('--')" in rule
    cluster = schema["properties"]["spec"]["properties"]["database"]["properties"]["cluster"]
    assert cluster["x-kubernetes-validations"][0]["rule"] == "self == oldSelf"


def test_chart_carries_the_same_crd():
    copied = ROOT / "charts" / "finsight" / "crds" / CRD_PATH.name
    assert copied.read_text() == CRD_PATH.read_text(), "run `make chart-crds`"
