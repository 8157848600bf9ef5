"""Accounts for tests, made directly in the tenant's schema."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from finsight.accounts.models import Account, FinancialInstitution
from finsight.tenancy import tenant_session


def make_account(slug: str, *, bank: str | None = "chase", name: str = "Sapphire") -> uuid.UUID:
    with tenant_session(slug) as session:
        institution = None
        if bank:
            institution = session.scalar(
                select(FinancialInstitution.id).where(FinancialInstitution.code == bank)
            )
        account = Account(name=name, type="credit_card", currency="USD", institution_id=institution)
        session.add(account)
        session.flush()
        return account.id
