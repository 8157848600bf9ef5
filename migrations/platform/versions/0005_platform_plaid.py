"""platform: which organization a Plaid item belongs to (a webhook names only the item)

Revision ID: p0005_plaid
Revises: p0004_org_time_zone
Create Date: 2026-12-08
"""

from alembic import op

revision = "p0005_plaid"
down_revision = "p0004_org_time_zone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE platform.plaid_item_index (
        item_id text PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES platform.orgs (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ix_plaid_item_index_org ON platform.plaid_item_index (org_id);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE platform.plaid_item_index")
