from finsight.kit.domain import Domain

TENANT_PING_TASK = "finsight.tenant.ping"

DOMAIN = Domain("worker", task_modules=("finsight.worker.diagnostics",))
