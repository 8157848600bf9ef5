"""Helm installs crds/ once and never upgrades them; with OPERATOR_MANAGE_CRDS (the chart's
operator.manageCRDs) the operator applies the chart's CRD when it starts. Run against the
emulated API server, with the CRD directory the chart mounts (charts/finsight/crds)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from finsight_operator.crds import CrdError, load_crds
from finsight_operator.kube import CUSTOM_RESOURCE_DEFINITION, contains

from support.helm import CHART, render
from support.kube_emulator import KubeEmulator, wait_for

pytestmark = pytest.mark.integration

CHART_CRDS = CHART / "crds"
NAME = "organizations.finsight.io"


def chart_crd() -> dict[str, Any]:
    return yaml.safe_load((CHART_CRDS / f"{NAME}.yaml").read_text())


def install_an_older_crd(kube: KubeEmulator) -> dict[str, Any]:
    """What `helm install` of an earlier chart left: one short name and a printer column fewer."""
    older = copy.deepcopy(chart_crd())
    older["spec"]["names"]["shortNames"] = ["org"]
    older["spec"]["versions"][0]["additionalPrinterColumns"] = older["spec"]["versions"][0][
        "additionalPrinterColumns"
    ][:1]
    kube.client().create(older)
    return older


def live_crd(kube: KubeEmulator) -> dict[str, Any] | None:
    return kube.client().get(CUSTOM_RESOURCE_DEFINITION, NAME)


def test_the_operator_upgrades_the_crd_at_start_and_then_works(
    kube, start_operator, monkeypatch, unique_slug
):
    install_an_older_crd(kube)
    assert not contains(live_crd(kube), chart_crd())
    monkeypatch.setenv("OPERATOR_MANAGE_CRDS", "true")
    monkeypatch.setenv("OPERATOR_CRD_DIR", str(CHART_CRDS))
    with start_operator():
        wait_for(
            lambda: contains(live_crd(kube), chart_crd()),
            timeout=30,
            what="the chart's CRD applied",
        )
        # Applied before watching began: the operator then reconciles as always.
        kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
        kube.wait_for_phase(unique_slug, "Ready", timeout=60)
    crd = live_crd(kube)
    assert crd["spec"]["names"]["shortNames"] == ["org", "orgs"]
    assert len(crd["spec"]["versions"][0]["additionalPrinterColumns"]) == len(
        chart_crd()["spec"]["versions"][0]["additionalPrinterColumns"]
    )


def test_a_missing_crd_is_created(kube, start_operator, monkeypatch):
    assert live_crd(kube) is None
    monkeypatch.setenv("OPERATOR_MANAGE_CRDS", "true")
    monkeypatch.setenv("OPERATOR_CRD_DIR", str(CHART_CRDS))
    with start_operator():
        wait_for(lambda: live_crd(kube), timeout=30, what="the CRD created")
    assert contains(live_crd(kube), chart_crd())


def test_without_manage_crds_the_crd_is_left_alone(kube, start_operator, monkeypatch, unique_slug):
    older = install_an_older_crd(kube)
    monkeypatch.setenv("OPERATOR_MANAGE_CRDS", "false")
    with start_operator():
        kube.create_organization(unique_slug, {"owner": f"owner@{unique_slug}.example.com"})
        kube.wait_for_phase(unique_slug, "Ready", timeout=60)
    assert live_crd(kube)["spec"]["names"]["shortNames"] == older["spec"]["names"]["shortNames"]


def test_the_chart_mounts_exactly_its_crds_where_the_operator_reads_them():
    documents = render()
    [config_map] = [
        d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-crds")
    ]
    assert config_map["data"] == {
        path.name: path.read_text().rstrip("\n") for path in CHART_CRDS.glob("*.yaml")
    }
    [operator] = [
        d
        for d in documents
        if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-operator")
    ]
    pod = operator["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["OPERATOR_MANAGE_CRDS"] == "true"
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "crds"]
    assert mount["mountPath"] == env["OPERATOR_CRD_DIR"] and mount["readOnly"] is True
    [volume] = [v for v in pod["volumes"] if v["name"] == "crds"]
    assert volume["configMap"]["name"] == config_map["metadata"]["name"]
    # A changed CRD changes the pod template, so the operator restarts and applies it.
    assert "checksum/crds" in operator["spec"]["template"]["metadata"]["annotations"]


def test_the_chart_grants_changing_only_its_own_crd():
    [role] = [
        d
        for d in render()
        if d["kind"] == "ClusterRole" and d["metadata"]["name"].endswith("-operator")
    ]
    rules = [r for r in role["rules"] if r["resources"] == ["customresourcedefinitions"]]
    writes = {verb for r in rules for verb in r["verbs"]} - {"get", "list", "watch"}
    assert writes == {"create", "patch", "update"}
    for rule in rules:
        if {"patch", "update"} & set(rule["verbs"]):
            assert rule["resourceNames"] == [NAME]
    off = [
        d
        for d in render(sets=("operator.manageCRDs=false",))
        if d["kind"] in ("ClusterRole", "ConfigMap") and "-operator" in d["metadata"]["name"]
    ]
    [role_off] = [d for d in off if d["kind"] == "ClusterRole"]
    assert not [d for d in off if d["kind"] == "ConfigMap"]
    verbs = {
        v
        for r in role_off["rules"]
        if r["resources"] == ["customresourcedefinitions"]
        for v in r["verbs"]
    }
    assert verbs == {"get", "list", "watch"}


def test_crd_files_that_cannot_be_used_are_named(tmp_path: Path):
    with pytest.raises(CrdError, match="is not a directory"):
        load_crds(tmp_path / "missing")
    with pytest.raises(CrdError, match="holds no CustomResourceDefinition"):
        load_crds(tmp_path)
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(CrdError, match=r"a\.yaml: holds something other"):
        load_crds(tmp_path)
    (tmp_path / "a.yaml").write_text("key: [unclosed\n")
    with pytest.raises(CrdError, match=r"a\.yaml: not YAML"):
        load_crds(tmp_path)
    assert [crd["metadata"]["name"] for crd in load_crds(CHART_CRDS)] == [NAME]
