"""The API's Kubernetes mode (finsight.organizations.kubernetes): organizations are requested as
Organization resources, and the operator's provisioning ends where direct provisioning does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finsight.db import get_engine, platform_session
from finsight.embedded import free_port
from finsight.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from finsight.kit.identity import Actor
from finsight.organizations.kubernetes import (
    create_organization_resource,
    delete_organization_resource,
)
from finsight.organizations.models import Membership
from finsight.organizations.service import (
    OrganizationSpec,
    create_organization,
    find_organization,
)
from finsight.tenancy import inspect_tenant


@pytest.fixture
def kubeconfig(kube, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(kube.kubeconfig))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return kube.kubeconfig


def spec(slug: str, **changes) -> OrganizationSpec:
    values = {"slug": slug, "name": "Acme", "owner_email": f"Owner@{slug}.example.com"}
    return OrganizationSpec(**{**values, **changes})


def test_create_and_delete_the_resource(kube, kubeconfig, unique_slug):
    created = create_organization_resource(spec(unique_slug, plan="free"))
    assert created["metadata"]["name"] == unique_slug
    stored = kube.organization(unique_slug)
    assert stored["spec"] == {
        "displayName": "Acme",
        "plan": "free",
        "owner": f"owner@{unique_slug}.example.com",
        "database": {"cluster": "default"},
    }
    with pytest.raises(Conflict, match="exists"):
        create_organization_resource(spec(unique_slug))

    delete_organization_resource(unique_slug)
    assert kube.organization(unique_slug) is None
    with pytest.raises(NotFound):
        delete_organization_resource(unique_slug)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "Not_A_Slug"}, "slug"),
        ({"plan": "gold"}, "plan"),
        ({"name": "  "}, "name"),
        ({"owner_email": "nobody"}, "email"),
        ({"owner_password": "a-password-in-a-resource"}, "owner_password"),
    ],
)
def test_bad_requests_are_refused_before_the_cluster(kube, kubeconfig, unique_slug, changes, field):
    slug = changes.pop("slug", unique_slug)
    with pytest.raises(InvalidInput) as caught:
        create_organization_resource(spec(slug, **changes))
    assert caught.value.errors[0]["field"] == field
    assert kube.organization(unique_slug) is None


def test_unreachable_cluster_is_a_clear_503(tmp_path, monkeypatch, unique_slug):
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{free_port()}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(config))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ServiceUnavailable, match="Kubernetes API"):
        create_organization_resource(spec(unique_slug))


def _platform_state(slug: str) -> tuple:
    with platform_session() as session:
        org = find_organization(session, slug)
        assert org is not None
        roles = sorted(
            m.role.name
            for m in session.scalars(select(Membership).where(Membership.org_id == org.id))
        )
        record = (org.name, org.plan, org.status, org.database_cluster, roles)
    with get_engine().connect() as connection:
        state = inspect_tenant(connection, slug)
    return record, (state.ready, state.role_exists, state.schema_exists, state.revision)


@pytest.mark.integration
def test_kubernetes_mode_ends_where_direct_provisioning_does(
    kube, kubeconfig, operator, unique_slug
):
    direct, via_operator = unique_slug + "d", unique_slug + "k"
    with platform_session() as session:
        create_organization(session, spec(direct), Actor.system("test"))
    create_organization_resource(spec(via_operator))
    kube.wait_for_phase(via_operator, "Ready")

    assert _platform_state(direct) == _platform_state(via_operator)
    assert _platform_state(direct)[0] == ("Acme", "standard", "active", "default", ["owner"])
