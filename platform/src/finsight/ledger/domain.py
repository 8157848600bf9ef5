from finsight.kit.domain import Domain

# Rows enter the books through the ledger's services; its one endpoint is manual entry
# (POST /api/transactions, under the transactions tag).
DOMAIN = Domain("ledger", routers=("finsight.ledger.router:router",))
