from finsight.kit.domain import MANAGERS, Domain, Permission, Schedule

AUDIT_CHECKPOINT_TASK = "finsight.audit.checkpoint"
# Signed checkpoints of the audit chains' heads (finsight.audit.checkpoints): what a database
# owner rewrites after this long is caught by `finsight audit verify`.
AUDIT_CHECKPOINT_EVERY_SECONDS = 300.0

DOMAIN = Domain(
    "audit",
    routers=("finsight.audit.router:router",),
    tags=(("audit", "The tamper-evident audit log"),),
    task_modules=("finsight.audit.tasks",),
    schedules=(
        Schedule("audit-checkpoint", AUDIT_CHECKPOINT_TASK, AUDIT_CHECKPOINT_EVERY_SECONDS),
    ),
    permissions=(Permission("audit:read", "Read the audit log", MANAGERS),),
)
