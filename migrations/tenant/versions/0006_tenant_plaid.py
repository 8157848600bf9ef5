"""tenant schema: bank sync with Plaid (items, their accounts, sync state), bank row keys

Revision ID: t0005_plaid
Revises: t0005_firsthour
Create Date: 2026-12-08

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0005_plaid"
down_revision = "t0005_firsthour"
branch_labels = None
depends_on = None

COMMON = """
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def upgrade() -> None:
    op.execute(f"""
    -- A connection to one institution at Plaid (an "item").
    CREATE TABLE plaid_items (
        id uuid PRIMARY KEY,
        item_id text NOT NULL UNIQUE,
        institution_id text,
        institution_name text NOT NULL,
        -- Envelope-encrypted (finsight.crypto, fs1:/fs2:); `finsight secrets rotate` rewraps it.
        access_token text NOT NULL,
        -- The key that wraps it, beside it (derived, so a rewrap can never leave it stale).
        access_token_key_id text GENERATED ALWAYS AS (split_part(access_token, ':', 2)) STORED,
        -- Health, from Plaid's item errors and webhooks: anything but 'healthy' needs a person.
        status text NOT NULL DEFAULT 'healthy' CHECK (status IN (
            'healthy', 'login_required', 'pending_expiration', 'pending_disconnect',
            'permission_revoked', 'account_revoked', 'new_accounts_available', 'error')),
        error_code text,
        error_message text,
        consent_expires_at timestamptz,
        -- The last (or current) sync.
        sync_state text NOT NULL DEFAULT 'queued' CHECK (sync_state IN (
            'queued', 'syncing', 'succeeded', 'failed', 'stale')),
        -- Plaid's /transactions/sync cursor, saved with the rows it brought.
        cursor text,
        sync_attempts integer NOT NULL DEFAULT 0,
        sync_requested_at timestamptz,
        sync_started_at timestamptz,
        sync_finished_at timestamptz,
        last_synced_at timestamptz,
        sync_error text,
        last_sync jsonb NOT NULL DEFAULT '{{}}',
        created_by uuid,
        deleted_at timestamptz,
        {COMMON}
    );
    -- Linking one institution twice makes duplicate items at Plaid: refused.
    CREATE UNIQUE INDEX uq_plaid_items_institution ON plaid_items (institution_id)
        WHERE deleted_at IS NULL;
    CREATE INDEX ix_plaid_items_sync ON plaid_items (sync_state, updated_at)
        WHERE deleted_at IS NULL;

    -- Each account of an item, mapped to the finsight account its rows land in.
    CREATE TABLE plaid_accounts (
        id uuid PRIMARY KEY,
        item_id uuid NOT NULL REFERENCES plaid_items (id) ON DELETE CASCADE,
        plaid_account_id text NOT NULL UNIQUE,
        account_id uuid NOT NULL REFERENCES accounts (id),
        name text NOT NULL,
        mask text,
        type text NOT NULL,
        subtype text,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_plaid_accounts_account ON plaid_accounts (account_id);

    -- A source's own id for a row (Plaid's transaction_id): modified and removed rows, and a
    -- pending row's posted successor, are found by it.
    ALTER TABLE transactions ADD COLUMN source_key text;
    CREATE UNIQUE INDEX uq_transactions_source_key ON transactions (source_key, account_id)
        WHERE source_key IS NOT NULL AND deleted_at IS NULL;
    """)


def downgrade() -> None:
    op.execute("""
    DROP INDEX uq_transactions_source_key;
    ALTER TABLE transactions DROP COLUMN source_key;
    DROP TABLE plaid_accounts;
    DROP TABLE plaid_items;
    """)
