from finsight.kit.domain import EVERY_ROLE, MANAGERS, OWNER, Domain, Permission

DOMAIN = Domain(
    "organizations",
    routers=(
        "finsight.organizations.router:router",
        "finsight.organizations.members_router:router",
    ),
    tags=(
        ("organizations", "Organizations (tenants)"),
        ("members", "Members of your organization"),
    ),
    permissions=(
        Permission("organization:read", "See the organization's profile and settings", EVERY_ROLE),
        Permission(
            "organization:write", "Change the organization's profile and settings", MANAGERS
        ),
        Permission("organization:delete", "Delete the organization", frozenset({OWNER})),
        Permission("members:read", "List members and their roles", MANAGERS | {"analyst"}),
        Permission("members:write", "Add and remove members and change their roles", MANAGERS),
    ),
)
