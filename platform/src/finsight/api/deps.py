"""Request dependencies: the unit of work, the caller, permissions and tenant scope.

Tenant routes take one `TenantContext`, declared once per permission:
`CanRead = Annotated[TenantContext, tenant("accounts:read")]`. The caller's permission is
checked, and the context's session is a transaction on the organization's own cluster, already
scoped to its role and schema, committed before the response is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import contextmanager_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, SessionTransaction
from starlette.concurrency import run_in_threadpool

from finsight.auth.principal import load_principal
from finsight.auth.tokens import decode_access_token
from finsight.config import get_settings
from finsight.db import session_factory
from finsight.errors import NotAuthenticated, PermissionDenied
from finsight.kit.identity import Actor, ClientInfo, OrgRef, Principal
from finsight.tenancy import TenantNames, scope_to_tenant, scoped_session

bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/auth/login")


async def get_db() -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent (scope="function"),
    so a failed commit is an error response, never a false success.

    async: opening the session and its transaction does no I/O (the connection is taken at the
    first statement), so it needs no hop through the thread pool; the commit, or the rollback
    after an error, does I/O and runs there."""
    session = session_factory()()
    transaction = session.begin()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, transaction, commit=False)
        raise
    await run_in_threadpool(_end, session, transaction, commit=True)


def _end(session: Session, transaction: SessionTransaction, *, commit: bool) -> None:
    try:
        if transaction.is_active:
            if commit:
                transaction.commit()
            else:
                transaction.rollback()
    finally:
        session.close()


DB = Annotated[Session, Depends(get_db, scope="function")]


def get_principal(
    request: Request,
    session: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated()
    principal = load_principal(session, decode_access_token(credentials.credentials))
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers whose role in the token's organization holds
    `permission` (every endpoint declares exactly one)."""

    # async: pure checks run on the event loop, not as another hop through the thread pool.
    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_org()
        if permission not in principal.permissions:
            raise PermissionDenied(f"your role lacks the permission {permission!r}")
        return principal

    dependency.__name__ = f"require_{permission.replace(':', '_')}"
    return dependency


async def require_platform_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_platform_admin:
        raise PermissionDenied("only platform administrators manage organizations")
    return principal


PlatformAdmin = Annotated[Principal, Depends(require_platform_admin)]


async def client_info(request: Request) -> ClientInfo:
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=getattr(request.state, "request_id", None),
    )


Client = Annotated[ClientInfo, Depends(client_info)]


class TenantContext:
    """Everything tenant work in a request needs."""

    def __init__(
        self,
        session: Session,
        principal: Principal,
        org: OrgRef,
        actor: Actor,
        *,
        scope: Callable[[], None] | None = None,
    ) -> None:
        self._session = session
        self._scope = scope
        self.principal, self.org, self.actor = principal, org, actor

    @property
    def session(self) -> Session:
        """Scoped to the caller's tenant, on its cluster. The request's own transaction is
        scoped at its first use here, in the route's thread, instead of in a thread-pool hop of
        its own before the route: the same one round trip, before any tenant statement."""
        if self._scope is not None:
            scope, self._scope = self._scope, None
            scope()
        return self._session

    @property
    def permissions(self) -> frozenset[str]:
        return self.principal.permissions


def tenant_context(permission: str) -> Callable[..., AsyncIterator[TenantContext]]:
    """A dependency: the caller must hold `permission` in the token's organization."""
    authorized = require(permission)

    # A default, not Annotated: annotations are strings here, resolved in the module's globals,
    # where the closure's `authorized` does not exist.
    async def dependency(
        db: DB, client: Client, principal: Principal = Depends(authorized)
    ) -> AsyncIterator[TenantContext]:
        org = principal.require_org()
        actor = principal.acting_from(client)
        # A request never waits long for a lock (a run's, an import's): 409 with Retry-After.
        lock_timeout = get_settings().request_lock_timeout_ms
        if org.cluster == "default":
            # The request's own transaction: one round trip, and platform reads made before
            # (the principal) stay in it.
            names = TenantNames.for_slug(org.slug)
            yield TenantContext(
                db,
                principal,
                org,
                actor,
                scope=lambda: scope_to_tenant(db, names, lock_timeout_ms=lock_timeout),
            )
            return
        scoped = scoped_session(org.slug, org.cluster, lock_timeout_ms=lock_timeout)
        async with contextmanager_in_threadpool(scoped) as session:
            yield TenantContext(session, principal, org, actor)

    dependency.__name__ = f"tenant_{permission.replace(':', '_')}"
    return dependency


def tenant(permission: str) -> Any:
    """The `Depends` marker for a route's tenant context, committed before the response is sent
    (scope="function"), so a failed commit is an error response, never a false success."""
    return Depends(tenant_context(permission), scope="function")
