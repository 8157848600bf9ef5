"""Domains registered once: every router, task module, schedule and permission comes from the
domains' own declarations (finsight.domains.DOMAINS)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from finsight.app import create_app, domain_routers
from finsight.config import get_settings
from finsight.domains import DOMAINS, all_domains, import_object
from finsight.rbac.permissions import ALL_PERMISSIONS, BUILTIN_ROLES
from finsight.worker.app import beat_schedule

DATA = ("accounts", "transactions", "imports", "analytics", "budgets", "reports", "alerts")


def test_every_domain_declares_itself_under_its_own_name():
    assert [domain.name for domain in all_domains()] == list(DOMAINS)
    for domain in all_domains():
        for path in domain.routers:
            assert isinstance(import_object(path), APIRouter), path


def _declared_routes() -> list[APIRoute]:
    return [
        route
        for router in domain_routers(get_settings())
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


def test_the_api_mounts_exactly_the_domains_routers():
    mounted = {
        (path, method.upper())
        for path, operations in create_app().openapi()["paths"].items()
        # /api/dev/...: the development-only mail catcher's routes, mounted by environment
        # (whichever earlier test of this process set it), not by a domain.
        if path.startswith("/api/") and not path.startswith("/api/dev/")
        for method in operations
    }
    declared = {
        (route.path, method)
        for route in _declared_routes()
        if route.include_in_schema
        for method in route.methods
    }
    assert mounted == declared and len(mounted) > 60


def test_a_switched_off_domain_mounts_nothing(monkeypatch):
    settings = get_settings().model_copy(update={"enable_analytics": False})
    paths = {route.path for router in domain_routers(settings) for route in router.routes}
    assert not any(path.startswith("/api/analytics") for path in paths)
    assert "/api/accounts" in paths


def test_schedules_come_from_the_domains():
    names = {s.name for domain in all_domains() for s in domain.schedules}
    assert set(beat_schedule()) == names
    assert {"purge-expired-sessions", "requeue-stale-imports", "refresh-analytics"} <= names


def test_every_endpoint_permission_is_declared():
    used = set()
    for route in _declared_routes():
        for dependency in route.dependant.dependencies:
            for inner in [dependency, *dependency.dependencies]:
                name = getattr(inner.call, "__name__", "")
                for prefix in ("require_", "tenant_"):
                    if name.startswith(prefix) and name != "require_platform_admin":
                        resource, _, action = name.removeprefix(prefix).rpartition("_")
                        used.add(f"{resource}:{action}")
    assert used and used <= ALL_PERMISSIONS


def test_built_in_roles_hold_what_they_always_held():
    areas = {f"{area}:{action}" for area in DATA for action in ("read", "write")}
    assert BUILTIN_ROLES["owner"] == ALL_PERMISSIONS
    assert BUILTIN_ROLES["admin"] == ALL_PERMISSIONS - {"organization:delete"}
    # Bank connections: everyone sees them; connecting a bank is for owners and admins.
    connections = {"connections:read"}
    analyst = {"organization:read", "members:read", "roles:read"} | areas | connections
    assert BUILTIN_ROLES["analyst"] == analyst
    viewer = {"organization:read"} | {f"{area}:read" for area in DATA} | connections
    assert BUILTIN_ROLES["viewer"] == viewer
    # The 20 of the first release, connections:read/write, budgets:read/write and alerts:admin
    # (owners and admins).
    assert len(ALL_PERMISSIONS) == 25
