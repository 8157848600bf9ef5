from finsight.kit.domain import Domain, Schedule

DOMAIN = Domain(
    "notifications",
    task_modules=("finsight.notifications.tasks",),
    # Mail whose send task was lost after commit (or queued without a broker) goes out anyway.
    schedules=(Schedule("send-pending-email", "finsight.notifications.send_pending", 60.0),),
)
