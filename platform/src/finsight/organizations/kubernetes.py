"""Kubernetes mode: the API asks for an organization by creating its Organization resource, and
the operator provisions it through the same service (finsight.organizations.service).

In a cluster the API's service account is used, outside one the kubeconfig. The service
account needs get/create/delete on organizations.finsight.io.
"""

from __future__ import annotations

import os
from typing import Any

from kubernetes import config as kube_config
from kubernetes.client import ApiClient, Configuration, CustomObjectsApi
from kubernetes.client.exceptions import ApiException
from sqlalchemy.orm import Session
from urllib3.exceptions import HTTPError

from finsight.audit.service import record
from finsight.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from finsight.kit.identity import Actor
from finsight.organizations.service import PLANS, OrganizationSpec
from finsight.tenancy import validate_slug
from finsight.users.service import normalize_email

GROUP = "finsight.io"
VERSION = "v1"
PLURAL = "organizations"


def _api_client() -> ApiClient:
    configuration = Configuration()
    try:
        kube_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except kube_config.ConfigException:
        try:
            # $KUBECONFIG now: the client library reads it only once, at import.
            kube_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=os.environ.get("KUBECONFIG") or None,
                client_configuration=configuration,
            )
        except (kube_config.ConfigException, OSError) as exc:
            raise ServiceUnavailable(
                f"Kubernetes mode is on but no cluster is reachable: {exc}"
            ) from exc
    return ApiClient(configuration)


def organization_manifest(spec: OrganizationSpec) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Organization",
        "metadata": {"name": spec.slug},
        "spec": {
            "displayName": spec.name.strip(),
            "plan": spec.plan,
            "owner": normalize_email(spec.owner_email),
            "database": {"cluster": spec.database_cluster},
        },
    }


def _validate(spec: OrganizationSpec) -> None:
    validate_slug(spec.slug)
    if not spec.name.strip():
        raise InvalidInput("organization name must not be empty", field="name")
    if spec.plan not in PLANS:
        raise InvalidInput(f"plan must be one of {', '.join(PLANS)}", field="plan")
    if spec.owner_password is not None:
        # A password has no place in a resource anyone who can read it would see.
        raise InvalidInput(
            "owner_password cannot be set in Kubernetes mode: the operator generates the "
            f"owner's initial password into Secret owner-credentials of namespace org-{spec.slug}",
            field="owner_password",
        )


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(f"Kubernetes API: {exc}")


def request_organization(session: Session, spec: OrganizationSpec, actor: Actor) -> str:
    """Ask the operator for an organization (audited); returns the resource's name."""
    resource = create_organization_resource(spec)
    record(
        session,
        org_id=None,
        actor=actor,
        action="organization.create",
        target_type="organization",
        target_id=spec.slug,
        details={"slug": spec.slug, "plan": spec.plan, "mode": "kubernetes"},
    )
    return str(resource["metadata"]["name"])


def request_deletion(session: Session, slug: str, actor: Actor) -> None:
    """Delete the Organization resource (audited); its deletionPolicy decides the data's fate."""
    delete_organization_resource(slug)
    record(
        session,
        org_id=None,
        actor=actor,
        action="organization.delete",
        target_type="organization",
        target_id=slug,
        details={"slug": slug, "mode": "kubernetes"},
    )


def create_organization_resource(spec: OrganizationSpec) -> dict[str, Any]:
    """Create the Organization resource (the operator provisions it); returns it as created."""
    _validate(spec)
    with _api_client() as api:
        try:
            created = CustomObjectsApi(api).create_cluster_custom_object(
                GROUP, VERSION, PLURAL, organization_manifest(spec)
            )
        except ApiException as exc:
            if exc.status == 409:
                raise Conflict(f"organization {spec.slug!r} exists") from exc
            if exc.status in (400, 422):
                raise InvalidInput(
                    f"the Kubernetes API refused the organization: {exc.body}"
                ) from exc
            raise _unavailable(exc) from exc
        except HTTPError as exc:
            raise _unavailable(exc) from exc
    if not isinstance(created, dict):
        raise ServiceUnavailable("Kubernetes API: unexpected answer to creating an Organization")
    return created


def delete_organization_resource(slug: str) -> None:
    """Delete the Organization resource; the operator then removes the tenant following its
    spec.deletionPolicy (Retain archives the schema, Delete drops it)."""
    validate_slug(slug)
    with _api_client() as api:
        try:
            CustomObjectsApi(api).delete_cluster_custom_object(GROUP, VERSION, PLURAL, slug)
        except ApiException as exc:
            if exc.status == 404:
                raise NotFound(f"no organization {slug!r}") from exc
            raise _unavailable(exc) from exc
        except HTTPError as exc:
            raise _unavailable(exc) from exc
