from finsight.kit.domain import EVERY_ROLE, MANAGERS, Domain, Permission, Schedule

SYNC_ITEM_TASK = "finsight.plaid.sync_item"
REQUEUE_STALE_SYNCS_TASK = "finsight.plaid.requeue_stale"
REFRESH_ITEMS_TASK = "finsight.plaid.refresh"

DOMAIN = Domain(
    "plaid",
    routers=("finsight.plaid.router:router", "finsight.plaid.webhook_router:router"),
    tags=(("connections", "Bank connections (Plaid): connect, sync, reconnect, remove"),),
    task_modules=("finsight.plaid.tasks",),
    schedules=(
        # Syncs queued or running without a heartbeat too long: marked stale and sent again.
        Schedule("requeue-stale-plaid-syncs", REQUEUE_STALE_SYNCS_TASK, 60.0),
        # Hourly, so every item is synced about PLAID_REFRESH_HOURS after its last sync even
        # when a webhook was missed.
        Schedule("refresh-plaid-items", REFRESH_ITEMS_TASK, 3600.0),
    ),
    permissions=(
        Permission("connections:read", "See bank connections and their sync state", EVERY_ROLE),
        # Connecting a bank hands the organization's credentials at a bank to the platform.
        Permission("connections:write", "Connect, sync, reconnect and remove banks", MANAGERS),
    ),
    switch="plaid_enabled",
    secret_columns=(("tenant", "plaid_items", "access_token"),),
)
