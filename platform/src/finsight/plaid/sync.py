"""One sync of one item: /transactions/sync paged until has_more is false, then every change
applied through the ledger and the new cursor saved, in ONE database transaction.

- Exactly once: nothing is written until the last page is read, and the rows and the cursor
  commit together; a worker killed at any point leaves the books and the cursor as they were,
  and the retry reads the same changes from the same cursor.
- TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: the pages read so far are dropped and the
  pagination starts again from the saved cursor (Plaid's instruction).
- One sync per item at a time: the work holds the item's advisory lock; a second delivery finds
  it held and leaves. A killed worker's connection drops the lock.
- State (plaid_items.sync_state): queued -> syncing -> succeeded | failed (or queued again to
  back off from rate limits and Plaid 5xx); the sweeper marks lost ones stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.transactions_sync_request_options import TransactionsSyncRequestOptions
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.kit.query import try_advisory_xact_lock
from finsight.ledger.service import BankChanges, BankRow, apply_bank_changes
from finsight.observability.logging import get_logger
from finsight.plaid import client, health, tokens, wire
from finsight.plaid.models import (
    FAILED,
    HEALTHY,
    QUEUED,
    SUCCEEDED,
    SYNCING,
    PlaidAccount,
    PlaidItem,
)
from finsight.tenancy import tenant_session, tenant_unit

log = get_logger(__name__)

PAGE_SIZE = 500
MAX_RESTARTS = 5
MUTATION = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
# After these item errors a sync cannot succeed until a person acts (reconnects).
SYNC_ACTOR = Actor.system("plaid-sync")


class RetryLater(Exception):
    """A rate limit or a Plaid 5xx: the task sends the sync again after `countdown` seconds."""

    def __init__(self, countdown: float, reason: str) -> None:
        super().__init__(reason)
        self.countdown = countdown


@dataclass
class Fetched:
    cursor: str
    changes: list[wire.SyncPage] = field(default_factory=list)
    pages: int = 0
    restarts: int = 0


Progress = Callable[[int, int], None]  # (pages read, transactions read)


def _lock_name(item_id: uuid.UUID) -> str:
    return f"finsight.plaid.item:{item_id}"


def fetch(access_token: str, cursor: str | None, progress: Progress | None = None) -> Fetched:
    """Every page from `cursor` on (restarting on a mutation during pagination)."""
    api = client.api()
    fetched = Fetched(cursor or "")
    next_cursor = cursor
    count = 0
    while True:
        options = TransactionsSyncRequestOptions(include_personal_finance_category=True)
        request = TransactionsSyncRequest(
            access_token=access_token,
            count=PAGE_SIZE,
            options=options,
            **({"cursor": next_cursor} if next_cursor else {}),
        )
        try:
            # plaid-python makes the call; the body is validated here (wire.py says why).
            answer = client.call(
                "transactions_sync", api.transactions_sync, request, _preload_content=False
            )
        except client.PlaidCallError as error:
            if error.error_code != MUTATION:
                raise
            fetched.restarts += 1
            if fetched.restarts > MAX_RESTARTS:
                raise
            log.info("plaid.sync.restart", restarts=fetched.restarts)
            fetched.changes.clear()
            next_cursor, count = cursor, 0
            continue
        try:
            page = wire.SyncPage.model_validate_json(answer.data)
        finally:
            answer.release_conn()
        fetched.changes.append(page)
        fetched.pages += 1
        count += len(page.added) + len(page.modified) + len(page.removed)
        if progress is not None:
            progress(fetched.pages, count)
        next_cursor = page.next_cursor
        if not page.has_more:
            fetched.cursor = page.next_cursor
            return fetched


def _row(transaction: wire.Transaction, account_id: uuid.UUID) -> BankRow:
    day = transaction.authorized_date or transaction.date
    return BankRow(
        account_id=account_id,
        source_key=transaction.transaction_id,
        transaction_date=day,
        posted_date=None if transaction.pending else transaction.date,
        # Plaid: positive is money out of the account. Ours: negative is money out.
        amount=-Decimal(transaction.amount).quantize(Decimal("0.0001")),
        description=transaction.name,
        merchant=transaction.merchant_name,
        original_category=transaction.bank_category,
        pending=transaction.pending,
        pending_key=transaction.pending_transaction_id,
        check_number=transaction.check_number,
    )


def to_changes(session: Session, item: PlaidItem, fetched: Fetched) -> tuple[BankChanges, int]:
    """Plaid's pages -> the ledger's changes, for the item's mapped accounts; also how many
    rows belong to accounts not mapped (new accounts not yet added)."""
    accounts = {
        plaid_id: account_id
        for plaid_id, account_id in session.execute(
            select(PlaidAccount.plaid_account_id, PlaidAccount.account_id).where(
                PlaidAccount.item_id == item.id
            )
        )
    }
    changes, skipped = BankChanges(), 0
    for page in fetched.changes:
        for kind, transactions in (("added", page.added), ("modified", page.modified)):
            target = changes.added if kind == "added" else changes.modified
            for transaction in transactions:
                account_id = accounts.get(transaction.account_id)
                if account_id is None:
                    skipped += 1
                    continue
                target.append(_row(transaction, account_id))
        changes.removed.extend(removed.transaction_id for removed in page.removed)
    return changes, skipped


def _claim(org_slug: str, item_id: uuid.UUID) -> PlaidItem | None:
    """Mark the item syncing, committed at once (the API shows it while this one works)."""
    with tenant_session(org_slug) as session:
        item = session.get(PlaidItem, item_id)
        if item is None or item.deleted_at is not None:
            return None
        item.sync_state = SYNCING
        item.sync_started_at = utcnow()
        item.sync_attempts += 1
        item.sync_error = None
        session.flush()
        session.expunge(item)
        return item


def heartbeat(org_slug: str, item_id: uuid.UUID) -> None:
    with tenant_session(org_slug) as session:
        session.execute(
            update(PlaidItem).where(PlaidItem.id == item_id).values(updated_at=utcnow())
        )


def backoff_seconds(attempt: int) -> float:
    """Exponential from PLAID_RETRY_BACKOFF_SECONDS, capped below the stale threshold."""
    settings = get_settings()
    delay = settings.plaid_retry_backoff_seconds * 2 ** max(attempt - 1, 0)
    return float(min(delay, max(settings.plaid_sync_stale_seconds // 2, 1)))


def run_sync(org_slug: str, item_id: uuid.UUID, progress: Progress | None = None) -> str:
    """Sync the item now; returns its sync state afterwards ("busy" when another sync of it
    holds the lock, "missing" for a removed item). Raises RetryLater to back off."""
    with tenant_unit(org_slug) as unit:
        session = unit.session
        if not try_advisory_xact_lock(session, _lock_name(item_id)):
            log.info("plaid.sync.busy", org=org_slug, item=str(item_id))
            return "busy"
        claimed = _claim(org_slug, item_id)
        if claimed is None:
            return "missing"
        try:
            fetched = fetch(
                tokens.access_token(claimed),
                claimed.cursor,
                _with_heartbeat(org_slug, item_id, progress),
            )
        except client.PlaidCallError as error:
            return _failed_call(org_slug, item_id, error)
        item = session.get(PlaidItem, item_id, populate_existing=True)
        if item is None or item.deleted_at is not None:
            return "missing"
        changes, skipped = to_changes(session, item, fetched)
        # Each sync is its own unit of work for the ledger's event (analytics starts one run
        # per unit: the item's id would make every later sync find the first one's run).
        sync_id = uuid.uuid4()
        applied = apply_bank_changes(
            session,
            unit.org_id,
            org_slug,
            changes,
            source="plaid",
            actor=SYNC_ACTOR,
            source_id=sync_id,
            audit_details={"plaid_item": str(item.id), "institution": item.institution_name},
        )
        counts: dict[str, object] = {
            "sync_id": str(sync_id),
            "item_id": str(item.id),
            **applied.counts(),
            "skipped": skipped,
            "pages": fetched.pages,
        }
        item.cursor = fetched.cursor
        item.sync_state = SUCCEEDED
        item.sync_finished_at = item.last_synced_at = utcnow()
        item.sync_attempts = 0
        item.last_sync = counts
        if item.status in ("login_required", "error"):
            health.set_status(session, org_slug, item, HEALTHY)
        health.publish_sync(session, org_slug, item, health.SYNC_SUCCEEDED, counts)
    log.info("plaid.sync.succeeded", org=org_slug, item=str(item_id), counts=counts)
    return SUCCEEDED


def _with_heartbeat(org_slug: str, item_id: uuid.UUID, progress: Progress | None) -> Progress:
    def report(pages: int, rows: int) -> None:
        heartbeat(org_slug, item_id)
        if progress is not None:
            progress(pages, rows)

    return report


def _failed_call(org_slug: str, item_id: uuid.UUID, error: client.PlaidCallError) -> str:
    """An error answer from Plaid: back off (retryable), or fail (item errors change health)."""
    settings = get_settings()
    countdown: float | None = None
    with tenant_session(org_slug) as session:
        item = session.get(PlaidItem, item_id)
        if item is None:
            return "missing"
        if error.retryable and item.sync_attempts < settings.plaid_max_attempts:
            countdown = backoff_seconds(item.sync_attempts)
            item.sync_state = QUEUED
            item.sync_requested_at = utcnow()
            item.sync_error = f"{error.error_code}: retrying in {countdown:.0f} s"
    if countdown is not None:  # committed: the item shows queued while it waits
        raise RetryLater(countdown, error.error_code)
    with tenant_session(org_slug) as session:
        item = session.get(PlaidItem, item_id)
        if item is None:
            return "missing"
        item.sync_state = FAILED
        item.sync_finished_at = utcnow()
        item.sync_error = f"{error.error_code}: {error.message}"
        if error.error_type == "ITEM_ERROR" or error.error_code in health.STATUS_OF_CODE:
            health.set_status(
                session,
                org_slug,
                item,
                health.status_for(error.error_code),
                code=error.error_code,
                message=error.message,
            )
        health.publish_sync(
            session,
            org_slug,
            item,
            health.SYNC_FAILED,
            {"code": error.error_code, "message": error.message, "attempts": item.sync_attempts},
        )
    log.warning("plaid.sync.failed", org=org_slug, item=str(item_id), code=error.error_code)
    return FAILED


def fail_unexpected(org_slug: str, item_id: uuid.UUID, exc: Exception) -> None:
    """A bug or a database error: recorded on the item (the sweeper does not retry a failure;
    the next webhook, the daily refresh or a person does)."""
    with tenant_session(org_slug) as session:
        item = session.get(PlaidItem, item_id)
        if item is None or item.sync_state not in (SYNCING, QUEUED):
            return
        item.sync_state = FAILED
        item.sync_finished_at = utcnow()
        item.sync_error = f"{type(exc).__name__}: {exc}"[:500]
        health.publish_sync(
            session,
            org_slug,
            item,
            health.SYNC_FAILED,
            {"code": "INTERNAL", "message": str(exc)[:200]},
        )
