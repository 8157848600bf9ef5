"""`finsight user ...`: invitations into organizations, platform administrators, passwords."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from finsight.cli.common import console, use_database
from finsight.db import platform_session
from finsight.errors import InvalidInput
from finsight.kit.identity import Actor
from finsight.organizations.invitations import invite
from finsight.organizations.service import get_organization
from finsight.rbac.permissions import ALL_PERMISSIONS
from finsight.users.service import create_user, get_user_by_email, set_password

app = typer.Typer(
    help="Invite users, create platform administrators, set your password.",
    no_args_is_help=True,
)


def _read_password(password_stdin: bool, prompt: str) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="The person's email address.")],
    org: Annotated[str | None, typer.Option(help="Organization to invite them to (slug).")] = None,
    role: Annotated[
        str | None, typer.Option(help="Role in that organization: owner, admin, analyst, ...")
    ] = None,
    platform_admin: Annotated[
        bool,
        typer.Option(
            help="Create YOUR OWN platform administrator account (may manage organizations); "
            "you type its password."
        ),
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option(help="With --platform-admin: read the password from standard input.")
    ] = False,
) -> None:
    """Invite someone into an organization (the link is emailed and printed once; they choose
    their own password), or create your own platform administrator account."""
    if org is None and not platform_admin:
        raise InvalidInput("--org is required (or --platform-admin for your own account)")
    if org is not None and role is None:
        raise InvalidInput("--role is required with --org")
    use_database()
    actor = Actor.cli()
    if platform_admin:
        password = _read_password(password_stdin, "Your password")
        with platform_session() as session:
            create_user(session, email, password, actor=actor, is_platform_admin=True)
        console.print(f"created platform administrator {email}")
    if org is not None and role is not None:
        with platform_session() as session:
            issued = invite(
                session,
                get_organization(session, org),
                email=email,
                role_name=role,
                granter_permissions=ALL_PERMISSIONS,
                actor=actor,
            )
            url, expires = issued.accept_url, issued.invitation.expires_at
        console.print(f"invited {email} to {org} as {role} (emailed; expires {expires:%Y-%m-%d})")
        console.print(f"invitation link: {url} (shown once)")


@app.command("set-password")
def set_password_(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Set a user's password (asked twice, hidden) and end their other sign-ins: the
    installation's operator recovering their own account (others: invite them again)."""
    use_database()
    with platform_session() as session:
        get_user_by_email(session, email)  # an unknown user fails before the prompt
    password = _read_password(password_stdin, "New password")
    with platform_session() as session:
        ended = set_password(
            session, get_user_by_email(session, email), password, actor=Actor.cli()
        )
    console.print(f"password set for {email}; {ended} sign-in(s) ended")
