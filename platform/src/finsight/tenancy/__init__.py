"""A tenant's database mechanics: names, roles, schema, migrations and the scoped session.

It knows nothing of organizations or users; finsight.organizations builds on it.
"""

from finsight.tenancy.names import TenantNames, validate_slug
from finsight.tenancy.provisioning import (
    DeletionPolicy,
    TenantState,
    deprovision_tenant,
    ensure_worker_login,
    inspect_tenant,
    provision_tenant,
)
from finsight.tenancy.session import scope_to_tenant, tenant_session

__all__ = [
    "DeletionPolicy",
    "TenantNames",
    "TenantState",
    "deprovision_tenant",
    "ensure_worker_login",
    "inspect_tenant",
    "provision_tenant",
    "scope_to_tenant",
    "tenant_session",
    "validate_slug",
]
