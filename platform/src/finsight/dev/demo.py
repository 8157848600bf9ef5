"""The demo organization that `finsight seed` and `finsight dev` ensure."""

from __future__ import annotations

import os

from sqlalchemy.orm import Session

from finsight.kit.identity import Actor
from finsight.organizations.service import (
    EnsuredOrganization,
    OrganizationSpec,
    ensure_organization,
)

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Inc."
DEMO_OWNER_EMAIL = "demo@example.com"


def ensure_demo(session: Session, actor: Actor) -> EnsuredOrganization:
    """Create the demo organization and owner unless they exist. The owner's password is
    DEMO_PASSWORD when set, otherwise generated (and returned once, when the owner is new)."""
    spec = OrganizationSpec(
        slug=DEMO_SLUG,
        name=DEMO_NAME,
        owner_email=DEMO_OWNER_EMAIL,
        owner_password=os.environ.get("DEMO_PASSWORD") or None,
    )
    return ensure_organization(session, spec, actor)


def describe(result: EnsuredOrganization) -> str:
    """One line for the console: what happened, and the password only if generated now."""
    email = result.owner.email
    if result.generated_owner_password:
        return (
            f"demo organization ready: sign in as {email} with password "
            f"{result.generated_owner_password} (shown once)"
        )
    if result.created:
        return f"demo organization ready: sign in as {email} with DEMO_PASSWORD"
    return f"demo organization exists: sign in as {email}"
