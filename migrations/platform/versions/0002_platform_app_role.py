"""the application's role: DML on the platform tables, only SELECT and INSERT on the audit log

Revision ID: p0002
Revises: p0001
Create Date: 2026-12-07

Migrations run as the owner of the platform schema (MIGRATION_DATABASE_URL); the api, workers,
operator and CLI log in as another role that is a member of `finsight_app`, which gets only what
they need. Owning the audit log is what allows disabling its triggers, so the application's
login must not own it (nor be a member of its owner): then no SQL it runs, injected or not, can
rewrite or truncate the chain. (With a single role, DATABASE_URL = MIGRATION_DATABASE_URL, the
grants below are harmless and change nothing.)
"""

from alembic import op

revision = "p0002"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    DO $$ BEGIN
        CREATE ROLE finsight_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$;
    GRANT USAGE ON SCHEMA platform TO finsight_app;
    -- Provisioning a tenant creates its schema and makes its role a member of finsight_tenant.
    DO $$ BEGIN
        EXECUTE format('GRANT CREATE ON DATABASE %I TO finsight_app', current_database());
    END $$;
    GRANT finsight_tenant TO finsight_app WITH ADMIN OPTION;

    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA platform TO finsight_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA platform TO finsight_app;
    -- Tables later migrations create (as this same owner) get the same grants.
    ALTER DEFAULT PRIVILEGES IN SCHEMA platform
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO finsight_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA platform GRANT USAGE, SELECT ON SEQUENCES TO finsight_app;

    -- Read-only for the application: the migration history, and the audit log beyond appending.
    REVOKE INSERT, UPDATE, DELETE ON platform.alembic_version FROM finsight_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON platform.audit_log FROM finsight_app;
    -- The application is no longer the audit log's owner, so row security applies to it: it
    -- serves every chain (platform admins, the platform's own chain, verification).
    CREATE POLICY application_all_entries ON platform.audit_log TO finsight_app
        USING (true) WITH CHECK (true);
    """)


def downgrade() -> None:
    op.execute("""
    DROP POLICY application_all_entries ON platform.audit_log;
    ALTER DEFAULT PRIVILEGES IN SCHEMA platform REVOKE ALL ON TABLES FROM finsight_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA platform REVOKE ALL ON SEQUENCES FROM finsight_app;
    REVOKE ALL ON ALL TABLES IN SCHEMA platform FROM finsight_app;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA platform FROM finsight_app;
    REVOKE USAGE ON SCHEMA platform FROM finsight_app;
    DO $$ BEGIN
        EXECUTE format('REVOKE CREATE ON DATABASE %I FROM finsight_app', current_database());
    END $$;
    """)
