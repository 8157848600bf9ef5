"""tenant schema: alert rules, alerts, notification channels, routes, deliveries, in-app feed

Revision ID: t0006_alerts
Revises: t0005_budgets
Create Date: 2026-12-08

Runs as the tenant's role with search_path set to its schema: names are unqualified.
"""

from alembic import op

revision = "t0006_alerts"
down_revision = "t0005_budgets"
branch_labels = None
depends_on = None

COMMON = """
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
"""


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE alert_rules (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        kind text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        enabled boolean NOT NULL DEFAULT true,
        params jsonb NOT NULL DEFAULT '{{}}',
        repeat_interval_minutes integer NOT NULL DEFAULT 240
            CHECK (repeat_interval_minutes BETWEEN 5 AND 10080),
        -- Rules kept by the cluster (the Organization's spec.alerting): not editable by people.
        managed_by text CHECK (managed_by IN ('kubernetes')),
        managed_key text,
        -- Transactions created up to here have been looked at by this rule.
        watermark timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        {COMMON}
    );
    CREATE UNIQUE INDEX ux_alert_rules_managed ON alert_rules (managed_by, managed_key)
        WHERE deleted_at IS NULL AND managed_by IS NOT NULL;

    CREATE TABLE alerts (
        id uuid PRIMARY KEY,
        rule_id uuid NOT NULL REFERENCES alert_rules (id),
        -- The condition (one per rule and subject); its fingerprint says whether it changed.
        dedup_key text NOT NULL,
        fingerprint text NOT NULL,
        status text NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        title text NOT NULL,
        body text NOT NULL DEFAULT '',
        details jsonb NOT NULL DEFAULT '{{}}',
        fired_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        last_notified_at timestamptz,
        notifications integer NOT NULL DEFAULT 0,
        acknowledged_at timestamptz,
        acknowledged_by uuid,
        acknowledged_by_email text,
        resolved_at timestamptz,
        resolved_by uuid,
        resolved_by_email text,
        resolution text CHECK (resolution IN ('dismissed', 'cleared')),
        {COMMON}
    );
    -- At most one open alert per condition; resolved ones stay as history.
    CREATE UNIQUE INDEX ux_alerts_open ON alerts (rule_id, dedup_key) WHERE status <> 'resolved';
    CREATE INDEX ix_alerts_condition ON alerts (rule_id, dedup_key, id DESC);
    CREATE INDEX ix_alerts_listing ON alerts (id DESC);
    CREATE INDEX ix_alerts_open ON alerts (status, fired_at) WHERE status <> 'resolved';

    CREATE TABLE notification_channels (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('email', 'slack', 'webhook', 'in_app')),
        -- email: {{"addresses": [...], "roles": [...]}}; others: display details only.
        config jsonb NOT NULL DEFAULT '{{}}',
        -- Envelope-encrypted (finsight.crypto): the URL of Slack and webhook endpoints (a Slack
        -- incoming-webhook URL is itself a credential) and the webhook's whsec_ signing secret;
        -- the previous secret keeps signing too until it expires (rotation).
        target text,
        secret text,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        failing_since timestamptz,
        created_by uuid,
        deleted_at timestamptz,
        {COMMON}
    );

    CREATE TABLE alert_routes (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        severities text[] NOT NULL,
        -- Empty: every rule.
        rule_ids uuid[] NOT NULL DEFAULT '{{}}',
        channel_ids uuid[] NOT NULL,
        time_window text NOT NULL DEFAULT 'always' CHECK (time_window IN
            ('always', 'business_hours', 'outside_business_hours', 'outside_quiet_hours')),
        -- 0: when the alert fires; N: when it is still unacknowledged N minutes later.
        escalate_after_minutes integer NOT NULL DEFAULT 0
            CHECK (escalate_after_minutes BETWEEN 0 AND 10080),
        enabled boolean NOT NULL DEFAULT true,
        deleted_at timestamptz,
        {COMMON}
    );

    -- One row: business hours and quiet hours, read in the organization's time zone.
    CREATE TABLE alert_settings (
        id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        business_days integer[] NOT NULL DEFAULT '{{1,2,3,4,5}}',
        business_start time NOT NULL DEFAULT '09:00',
        business_end time NOT NULL DEFAULT '17:00',
        quiet_start time,
        quiet_end time,
        {COMMON}
    );

    -- Which route has been told about which alert (escalation steps happen once).
    CREATE TABLE alert_route_marks (
        alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        route_id uuid NOT NULL REFERENCES alert_routes (id) ON DELETE CASCADE,
        notified_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (alert_id, route_id)
    );

    -- The outbox: written in the transaction that fired the alert, sent after commit.
    CREATE TABLE alert_deliveries (
        id uuid PRIMARY KEY,
        channel_id uuid NOT NULL REFERENCES notification_channels (id),
        route_id uuid REFERENCES alert_routes (id) ON DELETE SET NULL,
        kind text NOT NULL CHECK (kind IN ('alert', 'repeat', 'escalation', 'test')),
        event_type text NOT NULL,
        alert_ids uuid[] NOT NULL DEFAULT '{{}}',
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        sent_at timestamptz,
        {COMMON}
    );
    CREATE INDEX ix_alert_deliveries_due ON alert_deliveries (next_attempt_at)
        WHERE status = 'pending';
    CREATE INDEX ix_alert_deliveries_channel ON alert_deliveries (channel_id, id DESC);

    -- Every attempt, written before the request goes out: one without an outcome was cut off
    -- (its worker died mid-send).
    CREATE TABLE alert_delivery_attempts (
        id uuid PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        outcome text CHECK (outcome IN ('sent', 'retry', 'failed', 'refused', 'gone')),
        status_code integer,
        error text,
        {COMMON}
    );
    CREATE INDEX ix_alert_delivery_attempts ON alert_delivery_attempts (delivery_id, attempt);

    CREATE TABLE in_app_notifications (
        id uuid PRIMARY KEY,
        delivery_id uuid UNIQUE REFERENCES alert_deliveries (id) ON DELETE SET NULL,
        severity text NOT NULL,
        title text NOT NULL,
        body text NOT NULL DEFAULT '',
        link text,
        {COMMON}
    );
    CREATE INDEX ix_in_app_notifications ON in_app_notifications (id DESC);

    -- Each member's "seen up to" mark of the in-app feed.
    CREATE TABLE in_app_seen (
        user_id uuid PRIMARY KEY,
        seen_at timestamptz NOT NULL
    );
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE in_app_seen, in_app_notifications, alert_delivery_attempts, alert_deliveries,
        alert_route_marks, alert_settings, alert_routes, notification_channels, alerts,
        alert_rules;
    """)
