"""Every permission of the product, and the built-in roles (DESIGN §5).

A permission is `resource:action`. Each endpoint declares the one it needs.
"""

from __future__ import annotations

from types import MappingProxyType

# permission -> what it allows (shown by GET /api/permissions)
PERMISSIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "organization:read": "See the organization's profile and settings",
        "organization:write": "Change the organization's profile and settings",
        "organization:delete": "Delete the organization",
        "members:read": "List members and their roles",
        "members:write": "Add and remove members and change their roles",
        "roles:read": "List roles and their permissions",
        "roles:write": "Create, change and delete custom roles",
        "accounts:read": "See accounts, institutions and balances",
        "accounts:write": "Create, change and delete accounts",
        "transactions:read": "See and export transactions",
        "transactions:write": "Categorize, annotate, delete and restore transactions",
        "imports:read": "See imports and their results",
        "imports:write": "Import statements and manage column mappings",
        "analytics:read": "See categorization, recurring charges, forecasts and anomalies",
        "analytics:write": "Run analytics, manage rules and give feedback",
        "reports:read": "See and download reports",
        "reports:write": "Create reports and schedules",
        "alerts:read": "See alerts and alert rules",
        "alerts:write": "Manage alert rules and acknowledge alerts",
        "audit:read": "Read the audit log",
    }
)

ALL_PERMISSIONS = frozenset(PERMISSIONS)

_DATA_AREAS = ("accounts", "transactions", "imports", "analytics", "reports", "alerts")

BUILTIN_ROLES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "owner": ALL_PERMISSIONS,
        "admin": ALL_PERMISSIONS - {"organization:delete"},
        "analyst": frozenset(
            {"organization:read", "members:read", "roles:read"}
            | {f"{area}:{action}" for area in _DATA_AREAS for action in ("read", "write")}
        ),
        "viewer": frozenset({"organization:read"} | {f"{area}:read" for area in _DATA_AREAS}),
    }
)

OWNER_ROLE = "owner"


def unknown_permissions(permissions: set[str] | frozenset[str]) -> list[str]:
    return sorted(set(permissions) - ALL_PERMISSIONS)
