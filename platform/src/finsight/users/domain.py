from finsight.kit.domain import Domain

DOMAIN = Domain("users", routers=("finsight.users.router:router",), tags=(("users", "You"),))
