from finsight.kit.domain import Domain, data_permissions

DOMAIN = Domain(
    "accounts",
    routers=("finsight.accounts.institutions_router:router", "finsight.accounts.router:router"),
    tags=(
        ("institutions", "Banks and card issuers"),
        ("accounts", "Accounts and their balances"),
    ),
    permissions=data_permissions(
        "accounts", "See accounts, institutions and balances", "Create, change and delete accounts"
    ),
)
