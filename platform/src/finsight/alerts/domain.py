from finsight.kit.domain import ADMIN, OWNER, Domain, Permission, Schedule, data_permissions

ROWS_LANDED_TASK = "finsight.alerts.rows_landed"
ON_EVENT_TASK = "finsight.alerts.on_event"
EVALUATE_TASK = "finsight.alerts.evaluate"
DELIVER_TASK = "finsight.alerts.deliver"
SWEEP_TASK = "finsight.alerts.sweep"
EVALUATE_DUE_TASK = "finsight.alerts.evaluate_due"

DOMAIN = Domain(
    "alerts",
    routers=(
        "finsight.alerts.router:router",
        "finsight.alerts.rules_router:router",
        "finsight.alerts.channels_router:router",
    ),
    tags=(("alerts", "Alert rules, alerts, notification channels, routes and hours"),),
    task_modules=("finsight.alerts.tasks",),
    schedules=(
        # Deliveries whose task was lost or whose retry is due; escalations, windows opening
        # and repeats of unacknowledged alerts.
        Schedule("alerts-sweep", SWEEP_TASK, 30.0),
        # Time-based conditions (budget pace, missed payments) for every organization.
        Schedule("alerts-evaluate-due", EVALUATE_DUE_TASK, 900.0),
    ),
    permissions=(
        *data_permissions(
            "alerts",
            "See alerts, alert rules, channels and routes",
            "Acknowledge and resolve alerts; create and change alert rules",
        ),
        Permission(
            "alerts:admin",
            "Manage notification channels, routes, business and quiet hours",
            frozenset({OWNER, ADMIN}),
        ),
    ),
    on_rows_landed=(ROWS_LANDED_TASK,),
    on_events=(ON_EVENT_TASK,),
    switch="enable_alerts",
    secret_columns=(
        ("tenant", "notification_channels", "target"),
        ("tenant", "notification_channels", "secret"),
        ("tenant", "notification_channels", "previous_secret"),
    ),
)
