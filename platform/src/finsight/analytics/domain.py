from finsight.kit.domain import Domain, Schedule, data_permissions

RUN_ANALYTICS_TASK = "finsight.analytics.run"
REQUEUE_STALE_ANALYTICS_TASK = "finsight.analytics.requeue_stale"
REFRESH_ANALYTICS_TASK = "finsight.analytics.refresh"
ROWS_LANDED_TASK = "finsight.analytics.rows_landed"

DOMAIN = Domain(
    "analytics",
    routers=(
        "finsight.analytics.router:router",
        "finsight.analytics.forecasting.router:router",
        "finsight.analytics.categorization.router:router",
        "finsight.analytics.merchants_router:router",
        "finsight.analytics.anomalies.router:router",
    ),
    tags=(("analytics", "Analytics runs and recurring charges and income"),),
    task_modules=("finsight.analytics.tasks",),
    schedules=(
        Schedule("requeue-stale-analytics", REQUEUE_STALE_ANALYTICS_TASK, 60.0),
        # Hourly, so each organization's daily refresh comes about a day after its last run
        # (spread over the day, not all at midnight).
        Schedule("refresh-analytics", REFRESH_ANALYTICS_TASK, 3600.0),
    ),
    permissions=data_permissions(
        "analytics",
        "See categorization, recurring charges, forecasts and anomalies",
        "Run analytics, manage rules and give feedback",
    ),
    on_rows_landed=(ROWS_LANDED_TASK,),
    switch="enable_analytics",
)
