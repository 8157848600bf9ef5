from finsight.kit.domain import Domain

DOMAIN = Domain(
    "categories",
    routers=("finsight.categories.router:router",),
    tags=(("categories", "The category tree"),),
)
