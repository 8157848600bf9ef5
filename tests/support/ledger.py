"""Transactions inserted straight into a tenant's tables, for tests of what reads them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from finsight.accounts.service import recompute_balance
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction


def insert_transactions(
    slug: str, account_id: uuid.UUID | str, rows: list[dict[str, Any]]
) -> list[uuid.UUID]:
    """rows: dicts with `day` (date or ISO string), `amount` (str) and any Transaction column."""
    account = uuid.UUID(str(account_id))
    ids = []
    with tenant_session(slug) as session:
        for row in rows:
            values = dict(row)
            day = values.pop("day")
            description = values.pop("description", "COFFEE SHOP")
            transaction = Transaction(
                account_id=account,
                transaction_date=day if isinstance(day, date) else date.fromisoformat(day),
                amount=Decimal(values.pop("amount")),
                currency=values.pop("currency", "USD"),
                description_raw=description,
                description=description,
                fingerprint=uuid.uuid4().bytes,
                **values,
            )
            session.add(transaction)
            session.flush()
            ids.append(transaction.id)
        recompute_balance(session, account)
    return ids
