"""tenant schema: institutions, accounts, column mappings, import batches, transactions

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-24

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

import sqlalchemy as sa
from alembic import op

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None

COMMON = """
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""

KNOWN_INSTITUTIONS = [("Chase", "chase"), ("Discover", "discover"), ("Capital One", "capital_one")]


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE financial_institutions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
        -- Ties an institution to a statement format's bank, to refuse another bank's file.
        code text CHECK (code IN ('chase', 'discover', 'capital_one')),
        website text,
        deleted_at timestamptz,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_financial_institutions_name ON financial_institutions (lower(name))
        WHERE deleted_at IS NULL;

    CREATE TABLE accounts (
        id uuid PRIMARY KEY,
        institution_id uuid REFERENCES financial_institutions (id),
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
        type text NOT NULL CHECK (type IN ('checking', 'savings', 'credit_card', 'loan',
                                           'investment', 'cash', 'other')),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{{3}}$'),
        mask text CHECK (mask ~ '^[0-9A-Za-z]{{2,8}}$'),
        opening_balance numeric(19, 4) NOT NULL DEFAULT 0,
        -- opening_balance + the sum of its live transactions, kept by the same transactions
        -- that change them, so listing accounts never sums a million rows.
        current_balance numeric(19, 4) NOT NULL DEFAULT 0,
        deleted_at timestamptz,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_accounts_name ON accounts (lower(name)) WHERE deleted_at IS NULL;

    CREATE TABLE column_mappings (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        name text NOT NULL,
        mapping jsonb NOT NULL,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_column_mappings_name ON column_mappings (account_id, lower(name));

    CREATE TABLE import_batches (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        format text,
        requested_format text,
        on_error text NOT NULL CHECK (on_error IN ('reject', 'skip')),
        mapping_id uuid REFERENCES column_mappings (id),
        filename text,
        file_sha256 text NOT NULL,
        file_size bigint NOT NULL,
        rows_total integer NOT NULL DEFAULT 0,
        rows_processed integer NOT NULL DEFAULT 0,
        bytes_processed bigint NOT NULL DEFAULT 0,
        inserted integer NOT NULL DEFAULT 0,
        duplicates integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        warnings jsonb NOT NULL DEFAULT '[]',
        error text,
        attempts integer NOT NULL DEFAULT 0,
        requested_by uuid,
        timings jsonb NOT NULL DEFAULT '{{}}',
        started_at timestamptz,
        finished_at timestamptz,
        {COMMON}
    );
    CREATE INDEX ix_import_batches_account ON import_batches (account_id, created_at DESC);
    CREATE INDEX ix_import_batches_created ON import_batches (created_at DESC, id DESC);

    -- The uploaded file, kept until the import ends: workers may run in another pod.
    CREATE TABLE import_files (
        batch_id uuid PRIMARY KEY REFERENCES import_batches (id) ON DELETE CASCADE,
        content bytea NOT NULL
    );

    CREATE TABLE transactions (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id),
        import_batch_id uuid REFERENCES import_batches (id),
        transaction_date date NOT NULL,
        posted_date date,
        amount numeric(19, 4) NOT NULL,
        currency char(3) NOT NULL,
        description_raw text NOT NULL,
        description text NOT NULL,
        merchant text,
        original_category text,
        category_id uuid REFERENCES categories (id),
        category_source text CHECK (category_source IN ('bank', 'rule', 'model', 'user')),
        bank_id text,
        bank_type text,
        check_number text,
        -- Per account: the bank's id where the format has one, else a digest of the row and
        -- its ordinal among identical rows of the same file (two identical coffees both stay).
        fingerprint bytea NOT NULL,
        pending boolean NOT NULL DEFAULT false,
        notes text,
        tags text[] NOT NULL DEFAULT '{{}}',
        excluded boolean NOT NULL DEFAULT false,
        transfer_id uuid,
        -- Fields a person set: rules and models never overwrite them.
        user_fields text[] NOT NULL DEFAULT '{{}}',
        deleted_at timestamptz,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_transactions_fingerprint ON transactions (account_id, fingerprint);
    CREATE INDEX ix_transactions_account_date ON transactions (account_id, transaction_date DESC, id DESC);
    CREATE INDEX ix_transactions_date ON transactions (transaction_date DESC, id DESC);
    CREATE INDEX ix_transactions_category ON transactions (category_id);
    CREATE INDEX ix_transactions_batch ON transactions (import_batch_id);
    CREATE INDEX ix_transactions_search ON transactions USING gin (
        to_tsvector('simple', description || ' ' || coalesce(merchant, '')));
    """)
    insert = sa.text("INSERT INTO financial_institutions (name, code) VALUES (:name, :code)")
    for name, code in KNOWN_INSTITUTIONS:
        op.execute(insert.bindparams(name=name, code=code))


def downgrade() -> None:
    op.execute("""
    DROP TABLE transactions, import_files, import_batches, column_mappings, accounts,
               financial_institutions;
    """)
