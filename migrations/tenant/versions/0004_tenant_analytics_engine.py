"""tenant schema: merchants, categorization (rules, models, proposals), forecasts, anomalies

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-24

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None

COMMON = """
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def upgrade() -> None:
    op.execute(f"""
    -- A merchant: a group of cleaned descriptor keys. Its name is the cleaner's until a person
    -- renames it; a person's merge or split pins the keys it moved, and runs leave pins alone.
    CREATE TABLE merchants (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        name_source text NOT NULL DEFAULT 'cleaner' CHECK (name_source IN ('cleaner', 'user')),
        {COMMON}
    );
    CREATE INDEX ix_merchants_name ON merchants (lower(name));

    CREATE TABLE merchant_keys (
        key text PRIMARY KEY,
        merchant_id uuid NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
        -- The cleaner's display spelling of this key (the most used one).
        display text NOT NULL,
        pinned boolean NOT NULL DEFAULT false,
        {COMMON}
    );
    CREATE INDEX ix_merchant_keys_merchant ON merchant_keys (merchant_id);

    ALTER TABLE transactions
        ADD COLUMN merchant_key text,
        ADD COLUMN merchant_id uuid REFERENCES merchants (id) ON DELETE SET NULL,
        -- The model's (or a rule's: 1) confidence in category_id; null for bank and user.
        ADD COLUMN category_confidence real,
        ADD COLUMN category_rule_id uuid,
        -- Merchant category code (ISO 18245) where the source carries one.
        ADD COLUMN mcc smallint CHECK (mcc BETWEEN 0 AND 9999);
    CREATE INDEX ix_transactions_merchant ON transactions (merchant_id, transaction_date DESC);
    -- The review queue: live rows without a category, or with one the model was unsure of.
    CREATE INDEX ix_transactions_review ON transactions (transaction_date DESC, id DESC)
        WHERE deleted_at IS NULL AND (category_id IS NULL OR category_source = 'model');

    CREATE TABLE category_rules (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        position integer NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        conditions jsonb NOT NULL,
        actions jsonb NOT NULL,
        stop_processing boolean NOT NULL DEFAULT false,
        created_by uuid,
        deleted_at timestamptz,
        {COMMON}
    );
    CREATE INDEX ix_category_rules_position ON category_rules (position, id)
        WHERE deleted_at IS NULL;

    -- Consistent corrections for one merchant propose a rule; a person accepts or dismisses it.
    CREATE TABLE rule_proposals (
        id uuid PRIMARY KEY,
        merchant_id uuid NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
        category_id uuid NOT NULL REFERENCES categories (id),
        support integer NOT NULL,
        status text NOT NULL DEFAULT 'proposed'
            CHECK (status IN ('proposed', 'accepted', 'dismissed')),
        rule_id uuid REFERENCES category_rules (id) ON DELETE SET NULL,
        decided_by uuid,
        decided_at timestamptz,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_rule_proposals_pair ON rule_proposals (merchant_id, category_id);

    -- Versions of the tenant's classifier; the newest is used. content is a signed pickle
    -- (HMAC with the platform's secret), read only by this tenant's role.
    CREATE TABLE category_models (
        id uuid PRIMARY KEY,
        version integer NOT NULL UNIQUE,
        labels integer NOT NULL,
        classes integer NOT NULL,
        metrics jsonb NOT NULL DEFAULT '{{}}',
        content bytea NOT NULL,
        signature text NOT NULL,
        run_id uuid REFERENCES analytics_runs (id) ON DELETE SET NULL,
        {COMMON}
    );

    -- The latest forecast run's answer, replaced as a whole by each run.
    CREATE TABLE forecasts (
        id uuid PRIMARY KEY,
        run_id uuid REFERENCES analytics_runs (id) ON DELETE SET NULL,
        scope text NOT NULL CHECK (scope IN ('account', 'category')),
        account_id uuid REFERENCES accounts (id),
        category_id uuid REFERENCES categories (id),
        currency char(3) NOT NULL,
        month date NOT NULL,
        point numeric(19, 4) NOT NULL,
        lower numeric(19, 4) NOT NULL,
        upper numeric(19, 4) NOT NULL,
        recurring numeric(19, 4) NOT NULL DEFAULT 0,
        method text NOT NULL,
        {COMMON}
    );
    CREATE INDEX ix_forecasts_scope ON forecasts (scope, month);

    CREATE TABLE anomalies (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('spike', 'outlier', 'duplicate',
                                           'large_first_charge', 'category_pace')),
        -- One anomaly per kind and subject: a run finding it again does not duplicate it.
        dedupe_key text NOT NULL UNIQUE,
        transaction_id uuid REFERENCES transactions (id) ON DELETE CASCADE,
        related_ids uuid[] NOT NULL DEFAULT '{{}}',
        account_id uuid REFERENCES accounts (id),
        category_id uuid REFERENCES categories (id),
        merchant text,
        occurred_on date NOT NULL,
        amount numeric(19, 4),
        currency char(3),
        score double precision NOT NULL,
        reason text NOT NULL,
        details jsonb NOT NULL DEFAULT '{{}}',
        status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'dismissed')),
        feedback_by uuid,
        feedback_at timestamptz,
        run_id uuid REFERENCES analytics_runs (id) ON DELETE SET NULL,
        {COMMON}
    );
    CREATE INDEX ix_anomalies_listing ON anomalies (occurred_on DESC, id DESC);

    -- Outbox of what the engine found, for the alerting issue to route (delivered_at set then).
    CREATE TABLE analytics_events (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        subject_id uuid,
        payload jsonb NOT NULL,
        delivered_at timestamptz,
        {COMMON}
    );
    CREATE INDEX ix_analytics_events_pending ON analytics_events (id) WHERE delivered_at IS NULL;
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE analytics_events, anomalies, forecasts, category_models, rule_proposals,
        category_rules;
    ALTER TABLE transactions DROP COLUMN mcc, DROP COLUMN category_rule_id,
        DROP COLUMN category_confidence, DROP COLUMN merchant_id, DROP COLUMN merchant_key;
    DROP TABLE merchant_keys, merchants;
    """)
