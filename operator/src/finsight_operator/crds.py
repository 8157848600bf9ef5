"""The answer to "Helm never upgrades crds/": with OPERATOR_MANAGE_CRDS the operator
server-side applies the CRDs it is given (the chart mounts its own crds/ from a ConfigMap) when it
starts, before it watches anything. So `helm upgrade` (or a rollback) that changes the CRD
restarts the operator (the pod template carries the ConfigMap's checksum), which applies it.

Apply, not replace: fields other managers own (e.g. a conversion webhook's caBundle) stay theirs.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from finsight_operator.kube import CUSTOM_RESOURCE_DEFINITION, Kube, Manifest


class CrdError(Exception):
    """A CRD file the operator cannot use: named, with the reason."""


def load_crds(directory: Path) -> list[Manifest]:
    """Every CustomResourceDefinition in the directory's *.yaml files, in name order."""
    if not directory.is_dir():
        raise CrdError(f"OPERATOR_CRD_DIR {directory} is not a directory")
    found: list[Manifest] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        except yaml.YAMLError as exc:
            raise CrdError(f"{path.name}: not YAML: {exc}") from exc
        for document in documents:
            if (
                not isinstance(document, dict)
                or document.get("apiVersion") != CUSTOM_RESOURCE_DEFINITION.api_version
                or document.get("kind") != CUSTOM_RESOURCE_DEFINITION.kind
            ):
                raise CrdError(
                    f"{path.name}: holds something other than a CustomResourceDefinition"
                )
            found.append(document)
    if not found:
        raise CrdError(f"OPERATOR_CRD_DIR {directory} holds no CustomResourceDefinition")
    return found


def apply_crds(kube: Kube, directory: Path) -> list[str]:
    """Server-side apply every CRD found; returns their names. KubeError propagates."""
    applied = []
    for crd in load_crds(directory):
        kube.apply(crd)
        applied.append(str(crd["metadata"]["name"]))
    return applied
