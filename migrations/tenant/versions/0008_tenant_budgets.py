"""tenant schema: budgets (a monthly limit per category and currency, optional rollover)

Revision ID: t0005_budgets
Revises: t0005_reports
Create Date: 2026-12-08

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0005_budgets"
down_revision = "t0005_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE budgets (
        id uuid PRIMARY KEY,
        category_id uuid NOT NULL REFERENCES categories (id),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        amount numeric(19, 4) NOT NULL CHECK (amount > 0),
        -- What is left at a month's end is added to the next month's limit (never a deficit).
        rollover boolean NOT NULL DEFAULT false,
        -- The first month the budget counts (its first day): rollover starts there.
        start_month date NOT NULL CHECK (extract(day FROM start_month) = 1),
        deleted_at timestamptz,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- One live budget per category and currency.
    CREATE UNIQUE INDEX ux_budgets_category_currency ON budgets (category_id, currency)
        WHERE deleted_at IS NULL;
    """)


def downgrade() -> None:
    op.execute("DROP TABLE budgets;")
