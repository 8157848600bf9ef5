"""The application's login role, set up by the schema owner after the platform migrations.

Two roles (DESIGN §4, issue 19): the owner of the platform schema runs migrations
(MIGRATION_DATABASE_URL); the application logs in as another role (DATABASE_URL), a member of
`finsight_app`, which migration p0002 grants only what the api, workers, operator and CLI need.
Tenant roles the owner created before the split are handed over here (with ADMIN OPTION, so the
application can still deprovision them); roles the application creates are its own.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from finsight.tenancy.names import TENANT_GROUP_ROLE

APP_GROUP_ROLE = "finsight_app"


class AppLoginMisconfigured(RuntimeError):
    pass


def grant_app_login(connection: Connection, login: str) -> None:
    """Make `login` the application's role. Run as the schema owner; idempotent."""
    current = connection.execute(text("SELECT current_user")).scalar_one()
    if login == current:
        return  # a single-role install: the owner is the application
    role = connection.execute(
        text("SELECT rolcreaterole, rolsuper FROM pg_roles WHERE rolname = :r"), {"r": login}
    ).first()
    if role is None:
        raise AppLoginMisconfigured(
            f"the application's database role {login!r} (DATABASE_URL) does not exist: create "
            f"it first (CREATE ROLE {login} LOGIN CREATEROLE PASSWORD '...')"
        )
    if not role.rolcreaterole and not role.rolsuper:
        raise AppLoginMisconfigured(
            f"the application's database role {login!r} needs CREATEROLE (it creates each "
            "organization's roles)"
        )
    quoted = connection.execute(text("SELECT quote_ident(:r)"), {"r": login}).scalar_one()
    connection.execute(text(f"GRANT {APP_GROUP_ROLE} TO {quoted}"))
    # Tenant roles made before the split (by the owner): the application must act as them.
    inherited = connection.execute(
        text(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "WHERE m.roleid = CAST(:group AS regrole) AND NOT r.rolcanlogin "
            "AND r.rolname LIKE 'org\\_%' "
            "AND NOT pg_has_role(:login, r.oid, 'USAGE WITH ADMIN OPTION')"
        ),
        {"group": TENANT_GROUP_ROLE, "login": login},
    ).scalars()
    for tenant_role in inherited:
        connection.execute(text(f"GRANT {tenant_role} TO {quoted} WITH ADMIN OPTION"))
        worker = connection.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname = :r"), {"r": f"{tenant_role}_worker"}
        ).scalar()
        if worker:
            connection.execute(text(f"GRANT {worker} TO {quoted} WITH ADMIN OPTION"))
