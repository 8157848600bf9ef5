"""A tenant's database mechanics: names, roles, schema, migrations and the scoped session.

It knows nothing of organizations or users; finsight.organizations builds on it.
"""

from finsight.tenancy.directory import TenantLocation, locate
from finsight.tenancy.names import TenantNames, validate_slug
from finsight.tenancy.provisioning import (
    DeletionPolicy,
    TenantState,
    deprovision_tenant,
    ensure_worker_login,
    inspect_tenant,
    migrate_tenant,
    provision_tenant,
)
from finsight.tenancy.session import (
    TenantUnit,
    scope_to_tenant,
    scoped_session,
    tenant_session,
    tenant_unit,
)

__all__ = [
    "DeletionPolicy",
    "TenantLocation",
    "TenantNames",
    "TenantState",
    "TenantUnit",
    "deprovision_tenant",
    "ensure_worker_login",
    "inspect_tenant",
    "locate",
    "migrate_tenant",
    "provision_tenant",
    "scope_to_tenant",
    "scoped_session",
    "tenant_session",
    "tenant_unit",
    "validate_slug",
]
