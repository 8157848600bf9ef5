from finsight.kit.domain import Domain, data_permissions

DOMAIN = Domain(
    "transactions",
    routers=("finsight.transactions.router:router",),
    tags=(("transactions", "Transactions: filters, edits, export, transfers"),),
    permissions=data_permissions(
        "transactions",
        "See and export transactions",
        "Categorize, annotate, delete and restore transactions",
    ),
)
