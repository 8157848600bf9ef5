"""Every permission of the product, and the built-in roles (DESIGN §5).

A permission is `resource:action`. Each endpoint declares the one it needs; each domain declares
its permissions, and which built-in roles hold them, in its own `domain.py`.
"""

from __future__ import annotations

from types import MappingProxyType

from finsight.domains import all_domains
from finsight.kit.domain import OWNER, Permission


def _declared() -> tuple[Permission, ...]:
    """Every domain's permissions (reports' and alerts', held by roles since the first
    release, now declared by those domains too)."""
    permissions = [p for domain in all_domains() for p in domain.permissions]
    names = [p.name for p in permissions]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RuntimeError(f"permissions declared twice: {', '.join(repeated)}")
    return tuple(permissions)


_PERMISSIONS = _declared()

# permission -> what it allows (shown by GET /api/permissions)
PERMISSIONS: MappingProxyType[str, str] = MappingProxyType(
    {p.name: p.description for p in _PERMISSIONS}
)

ALL_PERMISSIONS = frozenset(PERMISSIONS)

BUILTIN_ROLES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        role: frozenset(p.name for p in _PERMISSIONS if role in p.roles)
        for role in ("owner", "admin", "analyst", "viewer")
    }
)

OWNER_ROLE = OWNER


def unknown_permissions(permissions: set[str] | frozenset[str]) -> list[str]:
    return sorted(set(permissions) - ALL_PERMISSIONS)
