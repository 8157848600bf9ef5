"""tenant schema: reports and their files, report schedules, their runs and deliveries

Revision ID: t0005_reports
Revises: t0005_plaid
Create Date: 2026-12-08

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0005_reports"
down_revision = "t0005_plaid"
branch_labels = None
depends_on = None

STAMPS = """
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE report_schedules (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        kind text NOT NULL,
        formats text[] NOT NULL CHECK (cardinality(formats) >= 1),
        cadence jsonb NOT NULL,
        period text NOT NULL,
        filters jsonb NOT NULL DEFAULT '{{}}',
        recipients jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
        next_run_at timestamptz,
        last_run_at timestamptz,
        last_error text,
        created_by uuid,
        deleted_at timestamptz,
        metadata jsonb NOT NULL DEFAULT '{{}}',
        {STAMPS}
    );
    -- The beat's question every minute: which active schedules are due.
    CREATE INDEX ix_report_schedules_due ON report_schedules (next_run_at)
        WHERE status = 'active' AND deleted_at IS NULL;

    CREATE TABLE report_schedule_runs (
        id uuid PRIMARY KEY,
        schedule_id uuid NOT NULL REFERENCES report_schedules (id),
        trigger text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'manual')),
        scheduled_for timestamptz NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        status text NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued', 'running', 'sent', 'failed')),
        error text,
        finished_at timestamptz,
        {STAMPS}
    );
    -- Once per schedule and slot: two beats, a retry or a restart never send twice.
    CREATE UNIQUE INDEX uq_report_schedule_runs_slot
        ON report_schedule_runs (schedule_id, scheduled_for) WHERE trigger = 'schedule';
    CREATE INDEX ix_report_schedule_runs_schedule
        ON report_schedule_runs (schedule_id, created_at DESC);

    CREATE TABLE reports (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        format text NOT NULL CHECK (format IN ('pdf', 'xlsx', 'csv', 'json')),
        status text NOT NULL DEFAULT 'queued'
            CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        period jsonb NOT NULL,
        period_label text,
        period_start date,
        period_end date,
        filters jsonb NOT NULL DEFAULT '{{}}',
        filename text,
        mime_type text,
        size_bytes bigint,
        sha256 text,
        summary jsonb NOT NULL DEFAULT '[]',
        error text,
        requested_by uuid,
        schedule_id uuid REFERENCES report_schedules (id),
        run_id uuid REFERENCES report_schedule_runs (id),
        started_at timestamptz,
        finished_at timestamptz,
        expires_at timestamptz NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{{}}',
        {STAMPS}
    );
    CREATE INDEX ix_reports_created ON reports (created_at DESC, id DESC);
    CREATE INDEX ix_reports_expires ON reports (expires_at);
    CREATE INDEX ix_reports_run ON reports (run_id) WHERE run_id IS NOT NULL;

    CREATE TABLE report_files (
        report_id uuid PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
        content bytea NOT NULL
    );

    CREATE TABLE report_deliveries (
        id uuid PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES report_schedule_runs (id),
        schedule_id uuid NOT NULL REFERENCES report_schedules (id),
        recipient text NOT NULL,
        outbox_id uuid NOT NULL UNIQUE,
        queued_at timestamptz,
        {STAMPS},
        UNIQUE (run_id, recipient)
    );
    CREATE INDEX ix_report_deliveries_schedule
        ON report_deliveries (schedule_id, created_at DESC);
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE report_deliveries;
    DROP TABLE report_files;
    DROP TABLE reports;
    DROP TABLE report_schedule_runs;
    DROP TABLE report_schedules;
    """)
