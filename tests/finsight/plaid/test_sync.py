"""Syncing an item against the local Plaid, through plaid-python: pages, changes, errors."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from finsight.accounts.models import Account
from finsight.dev.plaid_emulator import PlaidEmulator, transaction
from finsight.plaid.models import PlaidAccount, PlaidItem
from finsight.plaid.sync import RetryLater, run_sync
from finsight.tenancy import tenant_session
from finsight.transactions.models import Transaction

from support.ledger import insert_transactions
from support.plaid import connect_test_bank, item_row

pytestmark = pytest.mark.integration

TODAY = date.today()


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _bank(emulator: PlaidEmulator, item_db: PlaidItem):
    return emulator.banks.items[item_db.item_id]


def _rows(slug: str, *, include_deleted: bool = False) -> list[Transaction]:
    with tenant_session(slug) as session:
        query = select(Transaction).order_by(Transaction.transaction_date, Transaction.id)
        if not include_deleted:
            query = query.where(Transaction.deleted_at.is_(None))
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def _accounts(slug: str, item_id: uuid.UUID) -> dict[str, uuid.UUID]:
    with tenant_session(slug) as session:
        return {
            plaid_id: account_id
            for plaid_id, account_id in session.execute(
                select(PlaidAccount.plaid_account_id, PlaidAccount.account_id).where(
                    PlaidAccount.item_id == item_id
                )
            )
        }


def _balance(slug: str, account_id: uuid.UUID) -> Decimal:
    with tenant_session(slug) as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account.current_balance


def test_first_sync_pages_until_done_and_saves_the_cursor_with_the_rows(emulator, org):
    item_id = connect_test_bank(org)
    item = item_row(org, item_id)
    bank = _bank(emulator, item)
    checking = bank.accounts[0].account_id
    many = [
        transaction(
            checking, amount=1 + n / 100, day=TODAY - timedelta(days=n % 40), name=f"SHOP {n}"
        )
        for n in range(1200)
    ]
    emulator.banks.add(bank, *many)
    expected = len(bank.log)

    assert run_sync(org, item_id) == "succeeded"

    rows = _rows(org)
    assert len(rows) == expected
    item = item_row(org, item_id)
    assert item.sync_state == "succeeded"
    assert item.cursor == str(expected)
    assert item.last_sync["pages"] >= 3  # pages of 500
    assert item.last_sync["added"] == expected
    assert item.last_synced_at is not None
    # Plaid's positive amount is money out: ours is negative.
    shop = next(r for r in rows if r.description_raw == "SHOP 5")
    assert shop.amount == Decimal("-1.05")
    assert shop.source_key is not None
    # The bank's category and merchant name are kept as the bank's.
    coffee = [r for r in rows if r.description_raw.startswith("STARBUCKS")]
    if coffee:
        assert coffee[0].merchant == "Starbucks"
        assert coffee[0].original_category == "FOOD_AND_DRINK > FOOD_AND_DRINK_COFFEE"
    # The balance is the sum of what landed.
    accounts = _accounts(org, item_id)
    total = sum((r.amount for r in rows if r.account_id == accounts[checking]), Decimal(0))
    assert _balance(org, accounts[checking]) == total

    # Again: nothing new at Plaid, nothing changes here.
    assert run_sync(org, item_id) == "succeeded"
    assert len(_rows(org)) == expected
    assert item_row(org, item_id).last_sync["added"] == 0


def test_modified_and_removed_rows_change_the_books(emulator, org):
    item_id = connect_test_bank(org)
    bank = _bank(emulator, item_row(org, item_id))
    checking = bank.accounts[0].account_id
    lunch = transaction(checking, amount=20, day=TODAY - timedelta(days=2), name="LUNCH PLACE")
    taxi = transaction(checking, amount=35, day=TODAY - timedelta(days=2), name="TAXI CO")
    emulator.banks.add(bank, lunch, taxi)
    run_sync(org, item_id)
    account_id = _accounts(org, item_id)[checking]
    before = _balance(org, account_id)

    emulator.banks.modify(bank, {**lunch, "amount": 25.5})
    emulator.banks.remove(bank, taxi["transaction_id"], checking)
    assert run_sync(org, item_id) == "succeeded"

    rows = {r.description_raw: r for r in _rows(org)}
    assert rows["LUNCH PLACE"].amount == Decimal("-25.5")
    assert "TAXI CO" not in rows
    gone = [r for r in _rows(org, include_deleted=True) if r.description_raw == "TAXI CO"]
    assert len(gone) == 1 and gone[0].deleted_at is not None
    assert _balance(org, account_id) == before - Decimal("5.5") + Decimal(35)
    last = item_row(org, item_id).last_sync
    assert (last["modified"], last["removed"]) == (1, 1)


def test_pending_becomes_posted_keeping_a_persons_edits_and_counted_once(emulator, org):
    item_id = connect_test_bank(org)
    bank = _bank(emulator, item_row(org, item_id))
    card = bank.accounts[1].account_id
    pending = transaction(
        card, amount=42, day=TODAY - timedelta(days=1), name="HARDWARE STORE", pending=True
    )
    emulator.banks.add(bank, pending)
    run_sync(org, item_id)
    (row,) = [r for r in _rows(org) if r.description_raw == "HARDWARE STORE"]
    assert row.pending
    # A person categorizes it and writes a note while it is pending.
    with tenant_session(org) as session:
        category = session.scalar(select(Transaction.category_id).where(Transaction.id == row.id))
        from finsight.categories.models import Category

        chosen = session.scalar(select(Category.id).where(Category.name == "Home maintenance"))
        assert chosen is not None and chosen != category
        stored = session.get(Transaction, row.id)
        assert stored is not None
        stored.category_id, stored.category_source = chosen, "user"
        stored.notes, stored.tags = "for the shelf", ["diy"]
        stored.user_fields = ["category_id", "notes", "tags"]

    emulator.banks.post(bank, pending, amount=43.5, date=TODAY.isoformat())
    assert run_sync(org, item_id) == "succeeded"

    rows = [r for r in _rows(org) if r.description_raw == "HARDWARE STORE"]
    assert len(rows) == 1  # never both
    (posted,) = rows
    assert posted.id == row.id  # the same row, now posted
    assert not posted.pending
    assert posted.amount == Decimal("-43.5")
    assert (posted.category_id, posted.notes, posted.tags) == (chosen, "for the shelf", ["diy"])
    assert posted.source_key != pending["transaction_id"]
    assert item_row(org, item_id).last_sync["posted"] == 1


def test_a_mutation_during_pagination_restarts_from_the_saved_cursor(emulator, org):
    item_id = connect_test_bank(org)
    bank = _bank(emulator, item_row(org, item_id))
    checking = bank.accounts[0].account_id
    emulator.banks.add(
        bank,
        *[transaction(checking, amount=n + 1, day=TODAY, name=f"ROW {n}") for n in range(700)],
    )
    emulator.banks.mutate_during_pagination = 1
    assert run_sync(org, item_id) == "succeeded"
    assert len(_rows(org)) == len(bank.log)  # the restart read every page once, applied once
    assert emulator.banks.mutate_during_pagination == 0


@pytest.mark.parametrize(
    ("status", "error_type", "code"),
    [
        (429, "RATE_LIMIT_EXCEEDED", "TRANSACTIONS_LIMIT"),
        (500, "API_ERROR", "INTERNAL_SERVER_ERROR"),
    ],
)
def test_rate_limits_and_plaid_errors_back_off_then_succeed(
    emulator, org, status, error_type, code
):
    item_id = connect_test_bank(org)
    emulator.banks.fail_next("/transactions/sync", status, error_type, code)
    with pytest.raises(RetryLater) as later:
        run_sync(org, item_id)
    assert later.value.countdown >= 1
    item = item_row(org, item_id)
    assert item.sync_state == "queued"
    assert code in (item.sync_error or "")
    assert _rows(org) == []
    assert run_sync(org, item_id) == "succeeded"
    assert len(_rows(org)) == len(_bank(emulator, item).log)


def test_backoff_gives_up_after_the_last_attempt(emulator, org, monkeypatch):
    monkeypatch.setenv("PLAID_MAX_ATTEMPTS", "2")
    from finsight.config import get_settings

    get_settings.cache_clear()
    item_id = connect_test_bank(org)
    for _ in range(2):
        emulator.banks.fail_next("/transactions/sync", 503, "API_ERROR", "INTERNAL_SERVER_ERROR")
    with pytest.raises(RetryLater):
        run_sync(org, item_id)
    assert run_sync(org, item_id) == "failed"
    item = item_row(org, item_id)
    assert item.sync_state == "failed"
    assert item.status == "healthy"  # Plaid's trouble, not the item's
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ITEM_LOGIN_REQUIRED", "login_required"),
        ("PENDING_EXPIRATION", "pending_expiration"),
        ("PENDING_DISCONNECT", "pending_disconnect"),
        ("USER_PERMISSION_REVOKED", "permission_revoked"),
        ("USER_ACCOUNT_REVOKED", "account_revoked"),
    ],
)
def test_item_errors_fail_the_sync_and_change_the_items_health(emulator, org, code, status):
    item_id = connect_test_bank(org)
    bank = _bank(emulator, item_row(org, item_id))
    bank.error = code
    assert run_sync(org, item_id) == "failed"
    item = item_row(org, item_id)
    assert (item.sync_state, item.status, item.error_code) == ("failed", status, code)
    assert _rows(org) == []
    # Repaired at the bank: the next sync succeeds and the item is healthy again where the
    # error was a sign-in.
    bank.error = None
    assert run_sync(org, item_id) == "succeeded"
    if status == "login_required":
        assert item_row(org, item_id).status == "healthy"


def test_transfers_between_linked_accounts_are_paired(emulator, org):
    item_id = connect_test_bank(org)
    bank = _bank(emulator, item_row(org, item_id))
    checking, card = bank.accounts[0].account_id, bank.accounts[1].account_id
    day = TODAY - timedelta(days=1)
    emulator.banks.add(
        bank,
        transaction(checking, amount=250, day=day, name="PAYMENT TO CREDIT CARD"),
        transaction(card, amount=-250, day=day, name="PAYMENT THANK YOU"),
    )
    run_sync(org, item_id)
    sides = [r for r in _rows(org) if r.description_raw.startswith("PAYMENT")]
    assert len(sides) == 2
    assert sides[0].transfer_id is not None and sides[0].transfer_id == sides[1].transfer_id
    assert item_row(org, item_id).last_sync["transfers"] == 1


def test_rows_already_there_from_a_statement_file_are_claimed_not_doubled(emulator, org):
    from finsight.plaid.service import AccountLink

    # An account fed by CSV so far, with two rows the bank will send too.
    with tenant_session(org) as session:
        account = Account(name="Old checking", type="checking", currency="USD")
        session.add(account)
        session.flush()
        account_id = account.id
    day = TODAY - timedelta(days=5)
    insert_transactions(
        org,
        account_id,
        [
            {"day": day, "amount": "-12.00", "description": "CORNER CAFE"},
            {"day": day - timedelta(days=1), "amount": "-80.00", "description": "GROCER"},
        ],
    )
    # The item maps its checking account onto it (the bank's id is known once created).
    public_item = emulator.banks.create_item("ins_109509")
    bank_checking = public_item.accounts[0].account_id
    public_item.log.clear()
    emulator.banks.add(
        public_item,
        # Posted a day later than the file's date: still the same row.
        transaction(bank_checking, amount=12, day=day + timedelta(days=1), name="CORNER CAFE #12"),
        transaction(bank_checking, amount=80, day=day - timedelta(days=1), name="GROCER 55"),
        transaction(bank_checking, amount=7, day=day, name="NEW ROW"),
    )
    token = emulator.banks.public_token_for(public_item)
    from finsight.kit.identity import OrgRef
    from finsight.plaid import service
    from finsight.tenancy import tenant_unit

    from support.plaid import ACTOR

    with tenant_unit(org) as unit:
        item = service.connect(
            unit.session,
            OrgRef(unit.org_id, org, org, unit.location.cluster),
            token,
            actor=ACTOR,
            links=[AccountLink(bank_checking, account_id)],
        )
        item_id = item.id
    assert run_sync(org, item_id) == "succeeded"
    rows = [r for r in _rows(org) if r.account_id == account_id]
    assert sorted(r.description_raw for r in rows) == ["CORNER CAFE", "GROCER", "NEW ROW"]
    assert all(r.source_key for r in rows)  # claimed: later changes find them
    assert item_row(org, item_id).last_sync["claimed"] == 2
    assert _balance(org, account_id) == Decimal("-99.00")
    # And a later modification of a claimed row reaches it.
    with tenant_session(org) as session:
        count = session.scalar(select(func.count()).select_from(PlaidItem))
    assert count == 1


def test_secrets_rotate_rewraps_access_tokens_and_they_still_work(emulator, org, monkeypatch):
    """`finsight secrets rotate` covers plaid_items.access_token (declared by the domain): its
    rotation of one tenant's column, as the command runs it for every tenant."""
    import json

    from finsight.config import get_settings
    from finsight.crypto.envelope import envelope
    from finsight.crypto.keys import generate_symmetric
    from finsight.crypto.secret_columns import SecretColumn, registered_columns, rotate_column
    from finsight.tenancy import TenantNames

    column = SecretColumn("tenant", "plaid_items", "access_token")
    assert column in registered_columns()
    keys = {"k-old": generate_symmetric(), "k-new": generate_symmetric()}
    monkeypatch.setenv("DATA_ENCRYPTION_KEYS", json.dumps(keys))
    monkeypatch.setenv("DATA_ENCRYPTION_KEY_ID", "k-old")
    get_settings.cache_clear()
    try:
        item_id = connect_test_bank(org)
        assert item_row(org, item_id).access_token_key_id == "k-old"
        schema = TenantNames.for_slug(org).schema
        with tenant_session(org) as session:
            assert rotate_column(session, column, envelope(), "k-new", schema=schema) == 1
        assert item_row(org, item_id).access_token_key_id == "k-new"
        assert run_sync(org, item_id) == "succeeded"  # the rewrapped token still opens
    finally:
        monkeypatch.delenv("DATA_ENCRYPTION_KEYS")
        monkeypatch.delenv("DATA_ENCRYPTION_KEY_ID")
        get_settings.cache_clear()


def test_cli_lists_items_and_syncs_with_progress(emulator, org):
    from typer.testing import CliRunner

    from finsight.cli import app

    item_id = connect_test_bank(org)
    runner = CliRunner()
    listed = runner.invoke(app, ["plaid", "items", "--org", org])
    assert listed.exit_code == 0, listed.output
    assert "First Platypus Bank" in listed.output and "never" in listed.output
    synced = runner.invoke(app, ["plaid", "sync", "--org", org, "--item", str(item_id)])
    assert synced.exit_code == 0, synced.output
    expected = len(_bank(emulator, item_row(org, item_id)).log)
    assert f"First Platypus Bank: {expected} added" in synced.output
    again = runner.invoke(app, ["plaid", "items", "--org", org])
    assert "just now" in again.output
    bad = runner.invoke(app, ["plaid", "sync", "--org", org, "--item", "nope"])
    assert bad.exit_code == 1 and "error:" in bad.output
    _bank(emulator, item_row(org, item_id)).error = "ITEM_LOGIN_REQUIRED"
    failed = runner.invoke(app, ["plaid", "sync", "--org", org])
    assert failed.exit_code == 1
    assert "ITEM_LOGIN_REQUIRED" in failed.output


def test_one_sync_per_item_at_a_time(emulator, org):
    from finsight.kit.query import advisory_xact_lock

    item_id = connect_test_bank(org)
    with tenant_session(org) as holder:  # another delivery's sync, mid-way
        advisory_xact_lock(holder, f"finsight.plaid.item:{item_id}")
        assert run_sync(org, item_id) == "busy"
        assert _rows(org) == []
    assert run_sync(org, item_id) == "succeeded"


def test_health_changes_and_sync_outcomes_are_published_as_domain_events(
    emulator, org, monkeypatch
):
    from finsight.plaid import health

    published: list[tuple[str, str | None, dict]] = []
    monkeypatch.setattr(
        health,
        "publish_event",
        lambda session, slug, event: (
            published.append((event.kind, event.subject_id, dict(event.data))) or []
        ),
    )
    item_id = connect_test_bank(org)
    bank = _bank(emulator, item_row(org, item_id))
    bank.error = "ITEM_LOGIN_REQUIRED"
    assert run_sync(org, item_id) == "failed"
    kinds = [kind for kind, _, _ in published]
    assert kinds == ["plaid.item.state_changed", "plaid.sync.failed"]
    assert published[0][1] == str(item_id)
    assert published[0][2]["status"] == "login_required"
    assert published[1][2]["code"] == "ITEM_LOGIN_REQUIRED"
    published.clear()
    bank.error = None
    assert run_sync(org, item_id) == "succeeded"
    assert [kind for kind, _, _ in published] == [
        "plaid.item.state_changed",  # login repaired: healthy again
        "plaid.sync.succeeded",
    ]
    assert published[1][2]["added"] == len(bank.log)


def test_a_worker_without_plaid_settings_leaves_the_item_alone(emulator, org, monkeypatch):
    """A worker not configured for Plaid (no credentials) takes no lock and fails nothing: the
    item stays queued for a configured worker (the stale-sync sweeper sends it again)."""
    from finsight.config import get_settings
    from finsight.plaid.tasks import sync_item

    item_id = connect_test_bank(org)
    before = item_row(org, item_id)
    for name in ("PLAID_CLIENT_ID", "PLAID_SECRET", "PLAID_HOST"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        assert sync_item(None, org_slug=org, item_id=str(item_id)) == "disabled"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    after = item_row(org, item_id)
    assert (after.sync_state, after.cursor) == (before.sync_state, before.cursor)
    assert after.sync_state == "queued"
