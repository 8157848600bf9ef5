"""What a domain declares about itself, so that adding one is its folder plus one line in
`finsight.domains.DOMAINS`: its API routers, task modules, beat schedules and permissions.

A domain's `domain.py` holds only this declaration (names as strings, no imports of its own
code), so reading every declaration costs nothing: the API imports only routers, the worker only
task modules.
"""

from __future__ import annotations

from dataclasses import dataclass

# The built-in roles (DESIGN §5). Which of them hold a permission is declared with it.
OWNER, ADMIN, ANALYST, VIEWER = "owner", "admin", "analyst", "viewer"
EVERY_ROLE = frozenset({OWNER, ADMIN, ANALYST, VIEWER})
MANAGERS = frozenset({OWNER, ADMIN})


@dataclass(frozen=True)
class Permission:
    """`resource:action`, what it allows (shown by GET /api/permissions), and the built-in
    roles that hold it."""

    name: str
    description: str
    roles: frozenset[str]


def data_permissions(area: str, read: str, write: str) -> tuple[Permission, Permission]:
    """A data area's pair: everyone reads; owners, admins and analysts write."""
    return (
        Permission(f"{area}:read", read, EVERY_ROLE),
        Permission(f"{area}:write", write, frozenset({OWNER, ADMIN, ANALYST})),
    )


@dataclass(frozen=True)
class Schedule:
    """A beat entry: `task` every `seconds`, on the `default` queue."""

    name: str
    task: str
    seconds: float


@dataclass(frozen=True)
class Domain:
    name: str
    # "package.module:attribute" of each APIRouter, in the order they are mounted.
    routers: tuple[str, ...] = ()
    # OpenAPI tags (name, description), in the order the docs show them.
    tags: tuple[tuple[str, str], ...] = ()
    # Modules that define Celery tasks: the worker imports them.
    task_modules: tuple[str, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    permissions: tuple[Permission, ...] = ()
    # Task names sent (on the tenant's queue, after commit) when rows land in the books.
    on_rows_landed: tuple[str, ...] = ()
    # Task names sent every domain event (finsight.events), on the tenant's queue after commit.
    on_events: tuple[str, ...] = ()
    # A Settings flag that turns the domain's API and subscriptions on and off.
    switch: str | None = None
    # Columns holding envelope-encrypted secrets, (scope, table, column) with scope "platform"
    # or "tenant": `finsight secrets rotate` rewraps them (finsight.crypto.secret_columns).
    secret_columns: tuple[tuple[str, str, str], ...] = ()
