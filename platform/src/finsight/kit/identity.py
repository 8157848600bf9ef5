"""Who acts, from where, and for which organization: value types every layer shares.

They live here, below every domain, so that the audit log, authentication, the API's
dependencies and the tasks can all name them without importing each other.
"""

from __future__ import annotations

import getpass
import uuid
from dataclasses import dataclass

from finsight.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """Who did it, and from where."""

    user_id: uuid.UUID | None
    email: str | None
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        """A non-human actor: the CLI (as the operating-system user), the operator, a task."""
        return cls(user_id=None, email=name)

    @classmethod
    def cli(cls) -> Actor:
        return cls.system(f"cli:{getpass.getuser()}")


@dataclass(frozen=True)
class ClientInfo:
    """The caller's network address, user agent and the request's id."""

    ip: str | None
    user_agent: str | None
    request_id: str | None = None


@dataclass(frozen=True)
class OrgRef:
    """An organization as tenant work needs it: its id, slug, name, database cluster and time
    zone (an IANA name: "today" and "this month" are the organization's)."""

    id: uuid.UUID
    slug: str
    name: str
    cluster: str
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Principal:
    """The signed-in caller, resolved from an access token."""

    user_id: uuid.UUID
    email: str
    is_platform_admin: bool
    session_id: uuid.UUID
    org: OrgRef | None
    role: str | None
    permissions: frozenset[str]

    def require_org(self) -> OrgRef:
        if self.org is None:
            raise PermissionDenied("this token is not for an organization; sign in to one")
        return self.org

    def acting_from(self, client: ClientInfo) -> Actor:
        return Actor(self.user_id, self.email, client.ip, client.request_id)
