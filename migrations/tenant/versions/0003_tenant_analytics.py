"""tenant schema: analytics runs and recurring streams

Revision ID: t0003
Revises: t0002
Create Date: 2026-11-24

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None

COMMON = """
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE analytics_runs (
        id uuid PRIMARY KEY,
        -- Kinds arrive with their slices of the analytics issue; the service validates them.
        kind text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        parameters jsonb NOT NULL DEFAULT '{{}}',
        model_version text,
        metrics jsonb NOT NULL DEFAULT '{{}}',
        counts jsonb NOT NULL DEFAULT '{{}}',
        timings jsonb NOT NULL DEFAULT '{{}}',
        error text,
        -- Deliveries of its task: a run that kills its worker every time is given up on.
        attempts integer NOT NULL DEFAULT 0,
        requested_by uuid,
        started_at timestamptz,
        finished_at timestamptz,
        {COMMON}
    );
    CREATE INDEX ix_analytics_runs_created ON analytics_runs (created_at DESC, id DESC);

    -- The latest recurring run's answer: replaced as a whole by each run, in its transaction.
    CREATE TABLE recurring_streams (
        id uuid PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id),
        merchant text NOT NULL,
        direction text NOT NULL CHECK (direction IN ('expense', 'income')),
        cadence text NOT NULL CHECK (cadence IN ('weekly', 'biweekly', 'semi_monthly', 'monthly',
                                                 'quarterly', 'annual')),
        average_amount numeric(19, 4) NOT NULL,
        last_amount numeric(19, 4) NOT NULL,
        currency char(3) NOT NULL,
        first_date date NOT NULL,
        last_date date NOT NULL,
        next_date date,
        status text NOT NULL CHECK (status IN ('early', 'mature', 'missed', 'cancelled')),
        occurrences integer NOT NULL,
        transaction_ids uuid[] NOT NULL DEFAULT '{{}}',
        {COMMON}
    );
    CREATE INDEX ix_recurring_streams_account ON recurring_streams (account_id);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE recurring_streams, analytics_runs;")
