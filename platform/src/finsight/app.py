"""create_app(): the FastAPI application — routers, middleware, problem handlers, metrics."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from finsight import __version__
from finsight.accounts.institutions_router import router as institutions_router
from finsight.accounts.router import router as accounts_router
from finsight.analytics.anomalies.router import router as anomalies_router
from finsight.analytics.categorization.router import router as categorization_router
from finsight.analytics.forecasting.router import router as forecast_router
from finsight.analytics.merchants_router import router as merchants_router
from finsight.analytics.router import router as analytics_router
from finsight.api.middleware import RequestContextMiddleware
from finsight.api.problems import install_problem_handlers
from finsight.audit.router import router as audit_router
from finsight.auth.router import router as auth_router
from finsight.categories.router import router as categories_router
from finsight.config import get_settings
from finsight.ingestion.router import router as imports_router
from finsight.observability.health import metrics_router
from finsight.observability.health import router as health_router
from finsight.observability.logging import configure_logging
from finsight.observability.metrics import register_scrape_collectors
from finsight.organizations.members_router import router as members_router
from finsight.organizations.router import router as organizations_router
from finsight.rbac.router import router as roles_router
from finsight.transactions.router import router as transactions_router
from finsight.users.router import router as users_router

DESCRIPTION = """
Multi-tenant financial analytics.

**Authentication**: `POST /api/auth/login` returns an access token; send it as
`Authorization: Bearer <token>`. The token chooses the organization: tenant endpoints act on the
token's organization, and `POST /api/auth/switch` gives a token for another one you belong to.

**Errors** are RFC 9457 problem documents (`application/problem+json`) with a stable `code`,
the offending `field` where there is one, and the `request_id` to quote when reporting.

**Permissions**: each endpoint names the one permission it needs (`GET /api/permissions`).
"""

TAGS = [
    {"name": "auth", "description": "Sign in, token refresh, sign out, organization switch"},
    {"name": "users", "description": "You"},
    {"name": "organizations", "description": "Organizations (tenants)"},
    {"name": "members", "description": "Members of your organization"},
    {"name": "roles", "description": "Roles and permissions"},
    {"name": "institutions", "description": "Banks and card issuers"},
    {"name": "accounts", "description": "Accounts and their balances"},
    {"name": "categories", "description": "The category tree"},
    {"name": "transactions", "description": "Transactions: filters, edits, export, transfers"},
    {"name": "imports", "description": "Statement imports and saved column mappings"},
    {"name": "analytics", "description": "Analytics runs and recurring charges and income"},
    {"name": "audit", "description": "The tamper-evident audit log"},
    {"name": "operations", "description": "Health, readiness and metrics"},
]


def operation_id(route: APIRoute) -> str:
    """The route's name: `organization.create` for writes (also its audit action), the
    function name for reads. Stable ids make generated clients readable."""
    return route.name


def create_app() -> FastAPI:
    settings = get_settings()
    settings.require_safe_secrets()
    configure_logging(settings)
    app = FastAPI(
        title="finsight API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url="/docs",
        redoc_url="/redoc",
        generate_unique_id_function=operation_id,
    )
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)
    app.include_router(health_router)
    if settings.enable_monitoring:
        register_scrape_collectors()
        app.include_router(metrics_router)
    for router in (
        auth_router,
        users_router,
        organizations_router,
        members_router,
        roles_router,
        institutions_router,
        accounts_router,
        categories_router,
        transactions_router,
        imports_router,
        audit_router,
    ):
        app.include_router(router)
    if settings.enable_analytics:
        app.include_router(analytics_router)
        app.include_router(forecast_router)
        app.include_router(categorization_router)
        app.include_router(merchants_router)
        app.include_router(anomalies_router)
    return app
