from finsight.kit.domain import Domain, data_permissions

DOMAIN = Domain(
    "budgets",
    routers=("finsight.budgets.router:router",),
    tags=(("budgets", "Monthly budgets per category, their spending and pace"),),
    permissions=data_permissions(
        "budgets", "See budgets and their spending", "Create, change and delete budgets"
    ),
)
