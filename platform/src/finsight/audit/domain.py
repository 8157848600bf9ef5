from finsight.kit.domain import MANAGERS, Domain, Permission

DOMAIN = Domain(
    "audit",
    routers=("finsight.audit.router:router",),
    tags=(("audit", "The tamper-evident audit log"),),
    permissions=(Permission("audit:read", "Read the audit log", MANAGERS),),
)
