"""Financial institutions: the banks accounts are held at. Three are seeded per tenant."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account, FinancialInstitution
from finsight.audit.service import record_change
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow


def list_institutions(session: Session) -> list[FinancialInstitution]:
    return list(
        session.scalars(
            select(FinancialInstitution)
            .where(FinancialInstitution.deleted_at.is_(None))
            .order_by(func.lower(FinancialInstitution.name), FinancialInstitution.id)
        )
    )


def get_institution(session: Session, institution_id: uuid.UUID) -> FinancialInstitution:
    institution = session.get(FinancialInstitution, institution_id)
    if institution is None or institution.deleted_at is not None:
        raise NotFound("institution not found")
    return institution


def live_institution(session: Session, institution_id: uuid.UUID, field: str) -> None:
    """Refuse a reference (in field `field`) to an institution that is not there."""
    found = session.scalar(
        select(FinancialInstitution.id).where(
            FinancialInstitution.id == institution_id, FinancialInstitution.deleted_at.is_(None)
        )
    )
    if found is None:
        raise InvalidInput(f"institution {institution_id} not found", field=field)


def _ensure_unique(session: Session, name: str, code: str | None, own: uuid.UUID | None) -> None:
    live = select(FinancialInstitution.id).where(FinancialInstitution.deleted_at.is_(None))
    if own is not None:
        live = live.where(FinancialInstitution.id != own)
    if session.scalar(live.where(func.lower(FinancialInstitution.name) == name.lower())):
        raise Conflict(f"an institution named {name!r} exists")
    if code and session.scalar(live.where(FinancialInstitution.code == code)):
        raise Conflict(f"an institution with code {code!r} exists")


def create_institution(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    code: str | None,
    website: str | None,
    actor: Actor,
) -> FinancialInstitution:
    _ensure_unique(session, name, code, None)
    institution = FinancialInstitution(name=name, code=code, website=website)
    session.add(institution)
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action="institution.create", target=institution
    )
    return institution


def update_institution(
    session: Session,
    org_id: uuid.UUID,
    institution: FinancialInstitution,
    changes: dict[str, Any],
    actor: Actor,
) -> FinancialInstitution:
    """`changes` holds only the fields the caller sent; null clears code and website."""
    if "name" in changes and changes["name"] is None:
        raise InvalidInput("name cannot be null", field="name")
    name = changes.get("name", institution.name)
    code = changes.get("code", institution.code)
    _ensure_unique(session, name, code, institution.id)
    for key in ("name", "code", "website"):
        if key in changes:
            setattr(institution, key, changes[key])
    session.flush()
    record_change(
        session,
        org_id=org_id,
        actor=actor,
        action="institution.update",
        target=institution,
        changed=changes,
    )
    return institution


def delete_institution(
    session: Session, org_id: uuid.UUID, institution: FinancialInstitution, actor: Actor
) -> None:
    """Soft delete; refused while live accounts are held there."""
    in_use = session.scalar(
        select(func.count()).where(
            Account.institution_id == institution.id, Account.deleted_at.is_(None)
        )
    )
    if in_use:
        raise Conflict(
            f"institution {institution.name!r} holds {in_use} account(s); move or delete them first"
        )
    institution.deleted_at = utcnow()
    session.flush()
    record_change(
        session, org_id=org_id, actor=actor, action="institution.delete", target=institution
    )
