from finsight.kit.domain import MANAGERS, Domain, Permission

DOMAIN = Domain(
    "rbac",
    routers=("finsight.rbac.router:router",),
    tags=(("roles", "Roles and permissions"),),
    permissions=(
        Permission("roles:read", "List roles and their permissions", MANAGERS | {"analyst"}),
        Permission("roles:write", "Create, change and delete custom roles", MANAGERS),
    ),
)
