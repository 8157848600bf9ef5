"""`finsight user ...`: users and their memberships."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from finsight.cli.common import console, use_database
from finsight.db import platform_session
from finsight.errors import InvalidInput
from finsight.kit.identity import Actor
from finsight.organizations.members import add_member
from finsight.organizations.service import get_organization
from finsight.rbac.permissions import ALL_PERMISSIONS
from finsight.users.service import create_user, generate_password, get_user_by_email, set_password

app = typer.Typer(help="Create users and set passwords.", no_args_is_help=True)


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    org: Annotated[str | None, typer.Option(help="Organization to add the user to (slug).")] = None,
    role: Annotated[
        str | None, typer.Option(help="Role in that organization: owner, admin, analyst, ...")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Password for a new user (default: generated).")
    ] = None,
    platform_admin: Annotated[
        bool, typer.Option(help="Make a platform administrator (may manage organizations).")
    ] = False,
) -> None:
    """Create a user in an organization, or a platform administrator (--org optional)."""
    if org is None and not platform_admin:
        raise InvalidInput("--org is required (or --platform-admin for a user without one)")
    if org is not None and role is None:
        raise InvalidInput("--role is required with --org")
    use_database()
    actor = Actor.cli()
    generated: str | None = None
    with platform_session() as session:
        if platform_admin:
            generated = None if password else generate_password()
            create_user(
                session, email, password or generated or "", actor=actor, is_platform_admin=True
            )
        if org is not None and role is not None:
            added = add_member(
                session,
                get_organization(session, org),
                email=email,
                role_name=role,
                password=password,
                granter_permissions=ALL_PERMISSIONS,
                actor=actor,
            )
            generated = generated or added.generated_password
    where = f" in {org} as {role}" if org else ""
    console.print(f"created {email}{where}{' (platform admin)' if platform_admin else ''}")
    if generated:
        console.print(f"password: {generated} (shown once)")


@app.command("set-password")
def set_password_(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Set a user's password (asked twice, hidden) and end their other sign-ins."""
    use_database()
    with platform_session() as session:
        get_user_by_email(session, email)  # an unknown user fails before the prompt
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with platform_session() as session:
        ended = set_password(
            session, get_user_by_email(session, email), password, actor=Actor.cli()
        )
    console.print(f"password set for {email}; {ended} sign-in(s) ended")
