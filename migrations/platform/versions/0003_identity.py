"""identity: email outbox, invitations, two-factor sign-in

Revision ID: p0002_identity
Revises: p0002
Create Date: 2026-12-07
"""

from alembic import op

revision = "p0002_identity"
down_revision = "p0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- Mail waiting to be sent, written in the transaction that decides to send it; a task
    -- (and a sweeper for what a lost task left) delivers it.
    CREATE TABLE platform.email_outbox (
        id uuid PRIMARY KEY,
        org_id uuid REFERENCES platform.orgs (id) ON DELETE SET NULL,
        kind text NOT NULL,
        to_address text NOT NULL,
        subject text NOT NULL,
        text_body text NOT NULL,
        html_body text,
        attachments jsonb NOT NULL DEFAULT '[]',
        -- The body carries a secret (a single-use link): erased once delivered.
        sensitive boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ix_email_outbox_pending ON platform.email_outbox (created_at)
        WHERE status = 'pending';

    CREATE TABLE platform.invitations (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES platform.orgs (id) ON DELETE CASCADE,
        email text NOT NULL,
        -- A deleted custom role takes its (closed) invitations with it; open ones block it.
        role_id uuid NOT NULL REFERENCES platform.roles (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        invited_by uuid REFERENCES platform.users (id) ON DELETE SET NULL,
        invited_by_name text NOT NULL DEFAULT '',
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accepted_by uuid REFERENCES platform.users (id) ON DELETE SET NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- One open invitation per person and organization: inviting again renews it.
    CREATE UNIQUE INDEX uq_invitations_open ON platform.invitations (org_id, lower(email))
        WHERE accepted_at IS NULL AND revoked_at IS NULL;

    ALTER TABLE platform.users
        ADD COLUMN totp_secret bytea,
        ADD COLUMN totp_pending_secret bytea,
        ADD COLUMN totp_enabled_at timestamptz,
        -- The last TOTP time step accepted: a code works once.
        ADD COLUMN totp_last_step bigint;

    CREATE TABLE platform.recovery_codes (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
        code_hash bytea NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ix_recovery_codes_user_id ON platform.recovery_codes (user_id);

    ALTER TABLE platform.orgs ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE platform.orgs DROP COLUMN require_two_factor;
    DROP TABLE platform.recovery_codes;
    ALTER TABLE platform.users DROP COLUMN totp_secret, DROP COLUMN totp_pending_secret,
        DROP COLUMN totp_enabled_at, DROP COLUMN totp_last_step;
    DROP TABLE platform.invitations;
    DROP TABLE platform.email_outbox;
    """)
