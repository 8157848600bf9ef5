"""`finsight shell`: Python with settings, a session and the models at hand."""

from __future__ import annotations

import code

from finsight.cli.common import use_database


def shell() -> None:
    """An interactive Python shell with settings, a database session and the models."""
    from finsight.audit.models import AuditEntry
    from finsight.auth.models import AuthSession, RefreshToken
    from finsight.db import session_factory
    from finsight.organizations.models import Membership, Organization
    from finsight.rbac.models import Role
    from finsight.tenancy import tenant_session
    from finsight.users.models import User

    settings = use_database()
    session = session_factory()()
    namespace = {
        "settings": settings,
        "session": session,
        "tenant_session": tenant_session,
        "Organization": Organization,
        "Membership": Membership,
        "User": User,
        "Role": Role,
        "AuthSession": AuthSession,
        "RefreshToken": RefreshToken,
        "AuditEntry": AuditEntry,
    }
    banner = (
        "finsight shell: " + ", ".join(namespace) + "\n"
        "`session` is a platform session: session.commit() keeps changes. "
        "`with tenant_session(slug) as s:` works inside one organization."
    )
    try:
        code.interact(banner=banner, local=namespace, exitmsg="")
    finally:
        session.close()
