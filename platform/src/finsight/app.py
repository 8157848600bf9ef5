"""create_app(): the FastAPI application — routers, middleware, problem handlers, metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from finsight import __version__
from finsight.api.contract import install_contract, refuse_lax_dates
from finsight.api.control_chars import refuse_control_characters
from finsight.api.middleware import RequestContextMiddleware
from finsight.api.problems import install_problem_handlers
from finsight.config import Settings, get_settings
from finsight.domains import all_domains, import_object
from finsight.observability.health import metrics_router
from finsight.observability.health import router as health_router
from finsight.observability.logging import configure_logging
from finsight.observability.metrics import register_scrape_collectors

DESCRIPTION = """
Multi-tenant financial analytics.

**Authentication**: `POST /api/auth/login` returns an access token; send it as
`Authorization: Bearer <token>`. The token chooses the organization: tenant endpoints act on the
token's organization, and `POST /api/auth/switch` gives a token for another one you belong to.

**Errors** are RFC 9457 problem documents (`application/problem+json`) with a stable `code`,
the offending `field` where there is one, and the `request_id` to quote when reporting.

**Permissions**: each endpoint names the one permission it needs (`GET /api/permissions`).
"""

OPERATIONS_TAG = {"name": "operations", "description": "Health, readiness and metrics"}


def openapi_tags() -> list[dict[str, str]]:
    tags = [
        {"name": name, "description": text}
        for domain in all_domains()
        for name, text in domain.tags
    ]
    return [*tags, OPERATIONS_TAG]


def domain_routers(settings: Settings) -> list[APIRouter]:
    """Every registered domain's routers, in registration order; a domain whose switch is off
    mounts none."""
    routers = []
    for domain in all_domains():
        if domain.switch and not getattr(settings, domain.switch):
            continue
        for path in domain.routers:
            router = import_object(path)
            if not isinstance(router, APIRouter):
                raise RuntimeError(f"{path} is not an APIRouter")
            routers.append(router)
    return routers


def operation_id(route: APIRoute) -> str:
    """The route's name: `organization.create` for writes (also its audit action), the
    function name for reads. Stable ids make generated clients readable."""
    return route.name


def native_telemetry() -> dict[str, bool]:
    """FastAPI's own OpenTelemetry spans, metrics and logs: on when OpenTelemetry is configured
    in the environment (an `OTEL_*` variable at start), else off. Left on unconfigured, FastAPI
    asks OpenTelemetry for its three global providers on every request (~50 µs of environment
    lookups, a fifth of a simple read's CPU) to find none; finsight's own metrics and logs are
    in RequestContextMiddleware either way."""
    configured = any(name.startswith("OTEL_") for name in os.environ)
    return {"tracing": configured, "metrics": configured, "logs": configured}


def create_app() -> FastAPI:
    settings = get_settings()
    settings.require_safe_secrets()
    configure_logging(settings)
    # FastAPIOffline: FastAPI whose /docs and /redoc load their assets from the installed
    # package (under /docs-assets), not a public CDN.
    app = FastAPIOffline(
        static_url="/docs-assets",
        title="finsight API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=openapi_tags(),
        docs_url="/docs",
        redoc_url="/redoc",
        generate_unique_id_function=operation_id,
        # Every route, before its own dependencies: NUL and other control characters are a 422.
        dependencies=[Depends(refuse_control_characters), Depends(refuse_lax_dates)],
        telemetry=native_telemetry(),
    )
    install_contract(app)
    app.add_middleware(RequestContextMiddleware)
    install_problem_handlers(app)
    app.include_router(health_router)
    if settings.enable_monitoring:
        register_scrape_collectors()
        app.include_router(metrics_router)
    for router in domain_routers(settings):
        app.include_router(router)
    if settings.environment == "development":
        # The mail `finsight dev` catches: exists in development only, 404 everywhere else.
        from finsight.dev.mail_router import router as dev_mail_router

        app.include_router(dev_mail_router)
    return app
