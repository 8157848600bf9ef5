from finsight.kit.domain import Domain, Schedule, data_permissions

RUN_IMPORT_TASK = "finsight.ingestion.run_import"
REQUEUE_STALE_IMPORTS_TASK = "finsight.ingestion.requeue_stale"

DOMAIN = Domain(
    "ingestion",
    routers=("finsight.ingestion.router:router",),
    tags=(("imports", "Statement imports and saved column mappings"),),
    task_modules=("finsight.ingestion.tasks",),
    schedules=(Schedule("requeue-stale-imports", REQUEUE_STALE_IMPORTS_TASK, 60.0),),
    permissions=data_permissions(
        "imports", "See imports and their results", "Import statements and manage column mappings"
    ),
)
