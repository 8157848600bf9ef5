"""organization time zone: schedules, business hours and month boundaries run in it

Revision ID: p0004_org_time_zone
Revises: p0002_identity
Create Date: 2026-12-08
"""

from alembic import op

revision = "p0004_org_time_zone"
down_revision = "p0002_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An IANA name (America/New_York); validated by the service against the tz database.
    op.execute("ALTER TABLE platform.orgs ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'")


def downgrade() -> None:
    op.execute("ALTER TABLE platform.orgs DROP COLUMN time_zone")
