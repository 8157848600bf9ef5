"""The demo organization that `finsight seed` and `finsight dev` ensure."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy.orm import Session

from finsight.kit.identity import Actor
from finsight.organizations.service import OrganizationSpec, ensure_organization
from finsight.users.service import create_user, find_user_by_email, generate_password

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Inc."
DEMO_OWNER_EMAIL = "demo@example.com"


@dataclass(frozen=True)
class Demo:
    created: bool
    email: str
    # Set only when this call created the demo account without DEMO_PASSWORD: shown once.
    generated_owner_password: str | None


def ensure_demo(session: Session, actor: Actor) -> Demo:
    """Create the demo organization and its owner unless they exist.

    The demo account belongs to the person running `finsight dev` on their own machine: its
    password is theirs (DEMO_PASSWORD, or generated and shown to them once), so it is made
    owner directly (`owner_present`) instead of being invited like everyone else.
    """
    generated = None
    if find_user_by_email(session, DEMO_OWNER_EMAIL) is None:
        password = os.environ.get("DEMO_PASSWORD") or None
        generated = None if password else generate_password()
        create_user(session, DEMO_OWNER_EMAIL, password or generated or "", actor=actor)
    spec = OrganizationSpec(
        slug=DEMO_SLUG, name=DEMO_NAME, owner_email=DEMO_OWNER_EMAIL, owner_present=True
    )
    result = ensure_organization(session, spec, actor)
    return Demo(result.created, DEMO_OWNER_EMAIL, generated)


def describe(result: Demo) -> str:
    """One line for the console: what happened, and the password only if generated now."""
    if result.generated_owner_password:
        return (
            f"demo organization ready: sign in as {result.email} with password "
            f"{result.generated_owner_password} (shown once)"
        )
    if result.created:
        return f"demo organization ready: sign in as {result.email} with DEMO_PASSWORD"
    return f"demo organization exists: sign in as {result.email}"
