"""Running the merchants step and reading what it stored, straight on a tenant's schema."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from finsight.analytics.merchant_store import run_merchants
from finsight.analytics.models import AnalyticsRun, Merchant, MerchantKey
from finsight.analytics.steps import RunScope
from finsight.db import platform_session
from finsight.ingestion.models import ImportBatch
from finsight.organizations.service import get_organization
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.api import TEST_ACTOR

ACTOR = TEST_ACTOR


def run_step(slug: str, batch: uuid.UUID | None = None) -> dict[str, int]:
    with tenant_session(slug) as session:
        run = AnalyticsRun(kind="merchants", status="running")
        session.add(run)
        session.flush()
        return run_merchants(session, run, RunScope(as_of=date.today(), import_batch_id=batch))


def make_batch(slug: str, account: uuid.UUID) -> uuid.UUID:
    with tenant_session(slug) as session:
        batch = ImportBatch(
            account_id=account, status="succeeded", file_sha256=uuid.uuid4().hex, file_size=1
        )
        session.add(batch)
        session.flush()
        return batch.id


def org_id(slug: str) -> uuid.UUID:
    with platform_session() as session:
        return get_organization(session, slug).id


def merchants(slug: str) -> dict[str, list[str]]:
    """Merchant name -> its keys (sorted)."""
    with tenant_session(slug) as session:
        rows = session.execute(
            select(Merchant.name, MerchantKey.key).join(
                MerchantKey, MerchantKey.merchant_id == Merchant.id
            )
        ).all()
    found: dict[str, list[str]] = {}
    for name, key in rows:
        found.setdefault(name, []).append(key)
    return {name: sorted(keys) for name, keys in found.items()}


def merchant_ids(slug: str) -> dict[str, uuid.UUID]:
    with tenant_session(slug) as session:
        return dict(session.execute(select(Merchant.name, Merchant.id)).all())


def row_merchants(slug: str) -> dict[uuid.UUID, tuple[str | None, str | None]]:
    """Transaction id -> (merchant_key, merchant name)."""
    with tenant_session(slug) as session:
        rows = session.execute(
            select(Transaction.id, Transaction.merchant_key, Merchant.name).outerjoin(
                Merchant, Merchant.id == Transaction.merchant_id
            )
        ).all()
    return {row_id: (key, name) for row_id, key, name in rows}
