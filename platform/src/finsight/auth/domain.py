from finsight.kit.domain import Domain, Schedule

PURGE_SESSIONS_TASK = "finsight.auth.purge_expired_sessions"

DOMAIN = Domain(
    "auth",
    routers=("finsight.auth.router:router", "finsight.auth.two_factor_router:router"),
    tags=(("auth", "Sign in, token refresh, sign out, organization switch"),),
    task_modules=("finsight.auth.tasks",),
    schedules=(Schedule("purge-expired-sessions", PURGE_SESSIONS_TASK, 3600.0),),
    # Two-factor secrets, sealed by finsight.crypto (ASCII bytes of the sealed string).
    secret_columns=(
        ("platform", "users", "totp_secret"),
        ("platform", "users", "totp_pending_secret"),
    ),
)
