"""A small synchronous Kubernetes client for the few kinds the operator owns.

Authentication, TLS and token refresh are the official client library's (its ApiClient and
Configuration); the requests themselves are plain JSON on the REST paths, so every kind is
handled alike and applied with server-side apply.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import urllib3
from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration
from kubernetes.client.exceptions import ApiException
from kubernetes.utils import parse_quantity

Manifest = dict[str, Any]

REQUEST_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)


@dataclass(frozen=True)
class Kind:
    api_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        root = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced:
            if not namespace:
                raise ValueError(f"{self.kind} {name!r} needs a namespace")
            root += f"/namespaces/{namespace}"
        path = f"{root}/{self.plural}"
        if name:
            path += f"/{name}"
            if subresource:
                path += f"/{subresource}"
        return path


NAMESPACE = Kind("v1", "Namespace", "namespaces", namespaced=False)
SECRET = Kind("v1", "Secret", "secrets", namespaced=True)
CONFIG_MAP = Kind("v1", "ConfigMap", "configmaps", namespaced=True)
RESOURCE_QUOTA = Kind("v1", "ResourceQuota", "resourcequotas", namespaced=True)
NETWORK_POLICY = Kind("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", namespaced=True)
DEPLOYMENT = Kind("apps/v1", "Deployment", "deployments", namespaced=True)
PROMETHEUS_RULE = Kind(
    "monitoring.coreos.com/v1", "PrometheusRule", "prometheusrules", namespaced=True
)
ORGANIZATION = Kind("finsight.io/v1", "Organization", "organizations", namespaced=False)
# Only with operator.manageCRDs: the operator applies the chart's CRD at start.
CUSTOM_RESOURCE_DEFINITION = Kind(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    namespaced=False,
)

KINDS = {
    (k.api_version, k.kind): k
    for k in (
        NAMESPACE,
        SECRET,
        CONFIG_MAP,
        RESOURCE_QUOTA,
        NETWORK_POLICY,
        DEPLOYMENT,
        PROMETHEUS_RULE,
        ORGANIZATION,
        CUSTOM_RESOURCE_DEFINITION,
    )
}


def kind_of(manifest: Mapping[str, Any]) -> Kind:
    return KINDS[(manifest["apiVersion"], manifest["kind"])]


def load_configuration() -> Configuration:
    """In a cluster its service account, outside one the kubeconfig ($KUBECONFIG, read now:
    the client library reads it once, at import)."""
    configuration = Configuration()
    try:
        kube_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except kube_config.ConfigException:
        kube_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=os.environ.get("KUBECONFIG") or None,
            client_configuration=configuration,
        )
    return configuration


class KubeError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Kubernetes API error {status}: {message}" if status else message)
        self.status = status
        self.message = message

    @property
    def transient(self) -> bool:
        """Worth retrying: no answer, throttled, a conflict, or a server-side failure."""
        return self.status in (0, 409, 429) or self.status >= 500


class Outcome(StrEnum):
    UNCHANGED = "unchanged"
    CREATED = "created"
    UPDATED = "updated"


# Maps whose values are resource quantities: the API server stores those in canonical form
# (`cpu: "0.25"` comes back as `250m`, `1024Mi` as `1Gi`).
QUANTITY_MAPS = frozenset({"requests", "limits", "hard"})


def contains(actual: Any, desired: Any, *, quantities: bool = False) -> bool:
    """Whether `actual` (as the API server returns it) holds everything `desired` says.

    The server adds defaults of its own, drops empty lists and maps (`ingress: []` is not
    stored) and canonicalizes quantities; none of that is drift."""
    if isinstance(desired, Mapping):
        return isinstance(actual, Mapping) and all(
            contains(actual[key], value, quantities=quantities or key in QUANTITY_MAPS)
            if key in actual
            else _empty(value)
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(desired)
            and all(contains(a, d) for a, d in zip(actual, desired, strict=True))
        )
    if quantities and actual != desired:
        return _same_quantity(actual, desired)
    return bool(actual == desired)


def _empty(value: Any) -> bool:
    return isinstance(value, (list, Mapping)) and not value


def _same_quantity(actual: Any, desired: Any) -> bool:
    try:
        return bool(parse_quantity(actual) == parse_quantity(desired))  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return False


class Kube:
    def __init__(self, api: ApiClient, *, field_manager: str) -> None:
        self.api = api
        self.field_manager = field_manager

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Manifest | None:
        """One API call; the decoded answer, or None for 404. Other failures raise KubeError."""
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            serialized = self.api.param_serialize(
                method=method,
                resource_path=path,
                query_params=list((query or {}).items()),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(*serialized, _request_timeout=REQUEST_TIMEOUT)
            response.read()  # type: ignore[no-untyped-call]
        except ApiException as exc:
            raise KubeError(exc.status or 0, str(exc.reason)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise KubeError(0, f"Kubernetes API unreachable: {exc}") from exc
        if response.status == 404:
            return None
        payload = response.data or b""
        if not 200 <= response.status < 300:
            message = payload.decode(errors="replace")
            with contextlib.suppress(ValueError, AttributeError):
                message = json.loads(payload).get("message") or message
            raise KubeError(response.status, message)
        decoded = json.loads(payload) if payload else {}
        return decoded if isinstance(decoded, dict) else {}

    def get(self, kind: Kind, name: str, namespace: str | None = None) -> Manifest | None:
        return self.request("GET", kind.path(namespace, name))

    def create(self, manifest: Manifest) -> Manifest:
        kind = kind_of(manifest)
        metadata = manifest["metadata"]
        created = self.request(
            "POST",
            kind.path(metadata.get("namespace")),
            body=manifest,
            query={"fieldManager": self.field_manager},
        )
        if created is None:
            raise KubeError(
                404,
                f"cannot create {kind.kind} {metadata['name']!r}: its namespace or API is missing",
            )
        return created

    def apply(self, manifest: Manifest) -> Manifest:
        """Server-side apply: our fields become the manifest's, others' fields stay."""
        kind = kind_of(manifest)
        metadata = manifest["metadata"]
        applied = self.request(
            "PATCH",
            kind.path(metadata.get("namespace"), metadata["name"]),
            body=manifest,
            query={"fieldManager": self.field_manager, "force": "true"},
            content_type="application/apply-patch+yaml",
        )
        # A real API server creates on apply; a minimal one (as in tests) answers 404.
        return applied if applied is not None else self.create(manifest)

    def ensure(self, manifest: Manifest) -> tuple[Manifest, Outcome]:
        """Create the object, or bring back what drifted; leave an object that matches alone."""
        kind = kind_of(manifest)
        metadata = manifest["metadata"]
        current = self.get(kind, metadata["name"], metadata.get("namespace"))
        if current is None:
            try:
                return self.create(manifest), Outcome.CREATED
            except KubeError as exc:
                if exc.status != 409:  # created meanwhile: fall through to apply
                    raise
        elif contains(current, manifest):
            return current, Outcome.UNCHANGED
        return self.apply(manifest), Outcome.UPDATED

    def delete(self, kind: Kind, name: str, namespace: str | None = None) -> bool:
        """Delete (in the background); False if it was already gone."""
        return (
            self.request(
                "DELETE", kind.path(namespace, name), body={"propagationPolicy": "Background"}
            )
            is not None
        )

    def patch_status(
        self, kind: Kind, name: str, status: Mapping[str, Any], namespace: str | None = None
    ) -> Manifest | None:
        return self.request(
            "PATCH",
            kind.path(namespace, name, "status"),
            body={"status": dict(status)},
            content_type="application/merge-patch+json",
        )

    def has_api(self, api_version: str) -> bool:
        """Whether the API server serves a group/version (e.g. a CRD's) right now."""
        path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        return self.request("GET", path) is not None
