from finsight.kit.domain import Domain, Schedule, data_permissions

GENERATE_TASK = "finsight.reports.generate"
RUN_SCHEDULE_TASK = "finsight.reports.run_schedule"
DISPATCH_TASK = "finsight.reports.dispatch"
SWEEP_TASK = "finsight.reports.sweep"

DOMAIN = Domain(
    "reports",
    routers=(
        "finsight.reports.router:router",
        "finsight.reports.schedules_router:router",
    ),
    tags=(
        ("reports", "Reports in PDF, Excel, CSV and JSON, made on the tenant's worker"),
        ("report-schedules", "Reports sent by email on a schedule"),
    ),
    task_modules=("finsight.reports.tasks",),
    schedules=(
        # Every minute: due schedules get their run (once per slot), lost tasks are resent.
        Schedule("dispatch-report-schedules", DISPATCH_TASK, 60.0),
        # Hourly: reports past REPORTS_RETENTION_DAYS are deleted with their files.
        Schedule("sweep-expired-reports", SWEEP_TASK, 3600.0),
    ),
    permissions=data_permissions(
        "reports",
        "See and download reports and report schedules",
        "Make reports and create, change, pause and send report schedules",
    ),
)
