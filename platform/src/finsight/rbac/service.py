"""Roles: built-in and custom, and the rule that nobody grants more than they hold."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from finsight.audit.service import record_change
from finsight.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from finsight.kit.identity import Actor
from finsight.organizations.models import Membership
from finsight.rbac.models import Role
from finsight.rbac.permissions import BUILTIN_ROLES, unknown_permissions

ROLE_NAME_MAX = 64


def list_roles(session: Session, org_id: uuid.UUID) -> list[Role]:
    return list(
        session.scalars(
            select(Role)
            .where(or_(Role.org_id.is_(None), Role.org_id == org_id))
            .order_by(Role.is_builtin.desc(), func.lower(Role.name))
        )
    )


def get_role(session: Session, org_id: uuid.UUID, role_id: uuid.UUID) -> Role:
    role = session.get(Role, role_id)
    if role is None or (role.org_id is not None and role.org_id != org_id):
        raise NotFound("role not found")
    return role


def role_by_name(session: Session, org_id: uuid.UUID, name: str) -> Role:
    role = session.scalar(
        select(Role).where(
            func.lower(Role.name) == name.strip().lower(),
            or_(Role.org_id.is_(None), Role.org_id == org_id),
        )
    )
    if role is None:
        raise NotFound(f"no role named {name!r} (built-in: {', '.join(BUILTIN_ROLES)})")
    return role


def ensure_can_grant(granter_permissions: frozenset[str], role: Role) -> None:
    """Refuse to hand out a role holding a permission the granter lacks (no escalation)."""
    missing = sorted(role.permissions - granter_permissions)
    if missing:
        raise PermissionDenied(
            f"role {role.name!r} holds permissions you do not have: {', '.join(missing)}"
        )


def _validated(name: str, permissions: list[str]) -> tuple[str, list[str]]:
    name = name.strip()
    if not 1 <= len(name) <= ROLE_NAME_MAX:
        raise InvalidInput(f"role name must be 1-{ROLE_NAME_MAX} characters", field="name")
    if name.lower() in BUILTIN_ROLES:
        raise Conflict(f"{name!r} is a built-in role")
    unknown = unknown_permissions(set(permissions))
    if unknown:
        raise InvalidInput(f"unknown permissions: {', '.join(unknown)}", field="permissions")
    return name, sorted(set(permissions))


def create_role(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    description: str,
    permissions: list[str],
    granter_permissions: frozenset[str],
    actor: Actor,
) -> Role:
    name, perms = _validated(name, permissions)
    role = Role(org_id=org_id, name=name, description=description, stored_permissions=perms)
    ensure_can_grant(granter_permissions, role)
    if session.scalar(
        select(Role.id).where(Role.org_id == org_id, func.lower(Role.name) == name.lower())
    ):
        raise Conflict(f"a role named {name!r} exists")
    session.add(role)
    session.flush()
    record_change(session, org_id=role.org_id, actor=actor, action="role.create", target=role)
    return role


def update_role(
    session: Session,
    role: Role,
    *,
    name: str | None,
    description: str | None,
    permissions: list[str] | None,
    granter_permissions: frozenset[str],
    actor: Actor,
) -> Role:
    if role.is_builtin:
        raise Conflict(f"built-in role {role.name!r} cannot be changed")
    ensure_can_grant(granter_permissions, role)
    new_name, perms = _validated(
        name if name is not None else role.name,
        permissions if permissions is not None else list(role.stored_permissions),
    )
    if new_name.lower() != role.name.lower() and session.scalar(
        select(Role.id).where(Role.org_id == role.org_id, func.lower(Role.name) == new_name.lower())
    ):
        raise Conflict(f"a role named {new_name!r} exists")
    role.name, role.stored_permissions = new_name, perms
    if description is not None:
        role.description = description
    ensure_can_grant(granter_permissions, role)
    session.flush()
    record_change(session, org_id=role.org_id, actor=actor, action="role.update", target=role)
    return role


def delete_role(session: Session, role: Role, actor: Actor) -> None:
    if role.is_builtin:
        raise Conflict(f"built-in role {role.name!r} cannot be deleted")
    holders = session.scalar(select(func.count()).where(Membership.role_id == role.id)) or 0
    if holders:
        raise Conflict(f"role {role.name!r} is held by {holders} member(s); reassign them first")
    record_change(session, org_id=role.org_id, actor=actor, action="role.delete", target=role)
    session.delete(role)
    session.flush()
