"""platform schema: organizations, users, roles, memberships, sessions, audit log

Revision ID: p0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

revision = "p0001"
down_revision = None
branch_labels = None
depends_on = None

COMMON = """
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE platform.orgs (
        id uuid PRIMARY KEY,
        slug text NOT NULL,
        name text NOT NULL,
        plan text NOT NULL DEFAULT 'standard',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        schema_name text NOT NULL,
        database_cluster text NOT NULL DEFAULT 'default',
        metadata jsonb NOT NULL DEFAULT '{{}}',
        deleted_at timestamptz,
        {COMMON}
    );
    -- A deleted organization frees its slug for a new one.
    CREATE UNIQUE INDEX uq_orgs_slug_live ON platform.orgs (slug) WHERE deleted_at IS NULL;
    CREATE INDEX ix_orgs_schema_name ON platform.orgs (schema_name) WHERE deleted_at IS NULL;

    CREATE TABLE platform.users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        full_name text NOT NULL DEFAULT '',
        password_hash text,
        is_active boolean NOT NULL DEFAULT true,
        is_platform_admin boolean NOT NULL DEFAULT false,
        last_login_at timestamptz,
        password_changed_at timestamptz,
        metadata jsonb NOT NULL DEFAULT '{{}}',
        deleted_at timestamptz,
        {COMMON}
    );
    CREATE UNIQUE INDEX uq_users_email_live ON platform.users (lower(email)) WHERE deleted_at IS NULL;

    CREATE TABLE platform.roles (
        id uuid PRIMARY KEY,
        org_id uuid REFERENCES platform.orgs (id) ON DELETE CASCADE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        permissions text[] NOT NULL DEFAULT '{{}}',
        is_builtin boolean NOT NULL DEFAULT false,
        {COMMON},
        CHECK (is_builtin = (org_id IS NULL))
    );
    CREATE UNIQUE INDEX uq_roles_builtin_name ON platform.roles (name) WHERE org_id IS NULL;
    CREATE UNIQUE INDEX uq_roles_org_name ON platform.roles (org_id, lower(name)) WHERE org_id IS NOT NULL;

    INSERT INTO platform.roles (id, name, description, is_builtin) VALUES
        (gen_random_uuid(), 'owner', 'Everything, including deleting the organization', true),
        (gen_random_uuid(), 'admin', 'Everything but deleting the organization', true),
        (gen_random_uuid(), 'analyst', 'Works with the data: imports, categorizes, analyses, reports', true),
        (gen_random_uuid(), 'viewer', 'Reads the data, changes nothing', true);

    CREATE TABLE platform.memberships (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES platform.orgs (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
        role_id uuid NOT NULL REFERENCES platform.roles (id),
        {COMMON},
        UNIQUE (org_id, user_id)
    );
    CREATE INDEX ix_memberships_user_id ON platform.memberships (user_id);
    CREATE INDEX ix_memberships_role_id ON platform.memberships (role_id);

    -- A sign-in: one refresh-token family. Access tokens name it (claim `sid`), so revoking it
    -- (logout, refresh-token reuse) ends its access tokens at once.
    CREATE TABLE platform.auth_sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES platform.users (id) ON DELETE CASCADE,
        org_id uuid REFERENCES platform.orgs (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        ip text,
        user_agent text,
        {COMMON}
    );
    CREATE INDEX ix_auth_sessions_user_id ON platform.auth_sessions (user_id);
    CREATE INDEX ix_auth_sessions_expires_at ON platform.auth_sessions (expires_at);

    CREATE TABLE platform.refresh_tokens (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES platform.auth_sessions (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        {COMMON}
    );
    CREATE INDEX ix_refresh_tokens_session_id ON platform.refresh_tokens (session_id);
    """)
    _audit_log()


def _audit_log() -> None:
    op.execute("""
    -- What every tenant role may use in the platform schema: its own audit trail, nothing else.
    -- Roles are shared by every database of the cluster: another database may create it first.
    DO $$ BEGIN
        CREATE ROLE finsight_tenant NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$;
    GRANT USAGE ON SCHEMA platform TO finsight_tenant;

    CREATE TABLE platform.audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid,                       -- NULL: the platform's own chain
        seq bigint NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor_email text,
        action text NOT NULL,
        target_type text,
        target_id text,
        result text NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
        ip text,
        request_id text,
        details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE UNIQUE INDEX uq_audit_log_org_seq ON platform.audit_log (org_id, seq) NULLS NOT DISTINCT;
    CREATE INDEX ix_audit_log_org_time ON platform.audit_log (org_id, occurred_at);
    CREATE INDEX ix_audit_log_org_actor ON platform.audit_log (org_id, actor_id);
    CREATE INDEX ix_audit_log_org_action ON platform.audit_log (org_id, action);

    -- The canonical form of an entry that its hash covers: a JSON array is unambiguous, and
    -- jsonb's text form is canonical. `audit verify` recomputes it with this same function.
    CREATE FUNCTION platform.audit_entry_hash(e platform.audit_log) RETURNS text
    LANGUAGE sql STABLE AS $$
        SELECT encode(sha256(convert_to(jsonb_build_array(
            e.prev_hash, e.org_id, e.seq,
            to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            e.actor_id, e.actor_email, e.action, e.target_type, e.target_id, e.result,
            e.ip, e.request_id, e.details
        )::text, 'UTF8')), 'hex')
    $$;

    -- Chains each new entry to the last one of its organization. The advisory lock serializes
    -- writers per organization until their transaction ends, so the chain never forks.
    CREATE FUNCTION platform.audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        last_seq bigint;
        last_hash text;
    BEGIN
        PERFORM pg_advisory_xact_lock(
            hashtextextended('finsight.audit:' || coalesce(NEW.org_id::text, 'platform'), 0));
        IF NEW.org_id IS NULL THEN
            SELECT seq, hash INTO last_seq, last_hash FROM platform.audit_log
             WHERE org_id IS NULL ORDER BY seq DESC LIMIT 1;
        ELSE
            SELECT seq, hash INTO last_seq, last_hash FROM platform.audit_log
             WHERE org_id = NEW.org_id ORDER BY seq DESC LIMIT 1;
        END IF;
        NEW.seq := coalesce(last_seq, 0) + 1;
        NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
        NEW.occurred_at := coalesce(NEW.occurred_at, clock_timestamp());
        NEW.occurred_at := date_trunc('microseconds', NEW.occurred_at);
        NEW.hash := platform.audit_entry_hash(NEW);
        RETURN NEW;
    END $$;
    CREATE TRIGGER audit_log_chain BEFORE INSERT ON platform.audit_log
        FOR EACH ROW EXECUTE FUNCTION platform.audit_log_chain();

    CREATE FUNCTION platform.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON platform.audit_log
        FOR EACH ROW EXECUTE FUNCTION platform.audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON platform.audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_log_append_only();

    -- Tenant roles see and append only their own organization's entries. The owner (the
    -- application's user) is not subject to row security and serves platform admins.
    CREATE FUNCTION platform.org_id_for_role(role_name name) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = platform, pg_temp AS $$
        SELECT id FROM platform.orgs WHERE schema_name = role_name AND deleted_at IS NULL
    $$;
    REVOKE ALL ON FUNCTION platform.org_id_for_role(name) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION platform.org_id_for_role(name) TO finsight_tenant;

    ALTER TABLE platform.audit_log ENABLE ROW LEVEL SECURITY;
    CREATE POLICY tenant_own_entries ON platform.audit_log TO finsight_tenant
        USING (org_id = platform.org_id_for_role(current_user))
        WITH CHECK (org_id = platform.org_id_for_role(current_user));
    GRANT SELECT, INSERT ON platform.audit_log TO finsight_tenant;
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE platform.audit_log;
    DROP FUNCTION platform.audit_log_chain(), platform.audit_log_append_only(),
                  platform.org_id_for_role(name);
    DROP TABLE platform.refresh_tokens, platform.auth_sessions, platform.memberships,
               platform.roles, platform.users, platform.orgs;
    """)
