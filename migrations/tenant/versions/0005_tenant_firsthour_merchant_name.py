"""tenant schema: a transaction carries its merchant's display name (one name everywhere)

Revision ID: t0005_firsthour
Revises: t0004
Create Date: 2026-12-08

Analytics groups rows into merchants and people rename and merge them; the transactions
domain lists, searches and exports rows without reading analytics' tables (arrows point
down), so analytics writes the merchant's name onto its rows (`merchant_name`) whenever it
places a row or a person renames, merges or splits a merchant. Search covers that name too.
Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0005_firsthour"
down_revision = "t0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE transactions ADD COLUMN merchant_name text;
    UPDATE transactions t SET merchant_name = m.name FROM merchants m WHERE t.merchant_id = m.id;
    DROP INDEX ix_transactions_search;
    CREATE INDEX ix_transactions_search ON transactions USING gin (
        to_tsvector('simple', description || ' ' || coalesce(merchant, '') || ' '
                    || coalesce(merchant_name, '')));
    """)


def downgrade() -> None:
    op.execute("""
    DROP INDEX ix_transactions_search;
    CREATE INDEX ix_transactions_search ON transactions USING gin (
        to_tsvector('simple', description || ' ' || coalesce(merchant, '')));
    ALTER TABLE transactions DROP COLUMN merchant_name;
    """)
