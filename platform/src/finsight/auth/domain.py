from finsight.kit.domain import Domain, Schedule

PURGE_SESSIONS_TASK = "finsight.auth.purge_expired_sessions"

DOMAIN = Domain(
    "auth",
    routers=("finsight.auth.router:router",),
    tags=(("auth", "Sign in, token refresh, sign out, organization switch"),),
    task_modules=("finsight.auth.tasks",),
    schedules=(Schedule("purge-expired-sessions", PURGE_SESSIONS_TASK, 3600.0),),
)
