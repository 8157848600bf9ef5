"""Invitations: the only way into an organization for someone else (issue 19, item 1).

Adding a member creates an invitation whose single-use token (stored hashed) is emailed to the
address and shown once to the inviter. The invitee sets their own password (a new account) or,
already registered, signs in and accepts. Nobody sets another person's password, and inviting
answers the same whether or not the address has an account. Never commits.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finsight.audit.service import record
from finsight.config import get_settings
from finsight.errors import Conflict, FinsightError, NotFound, PermissionDenied
from finsight.kit.identity import Actor
from finsight.kit.models import utcnow
from finsight.notifications.email import OutgoingEmail
from finsight.notifications.service import queue_email
from finsight.organizations.models import Invitation, Membership, Organization
from finsight.rbac.permissions import OWNER_ROLE
from finsight.rbac.service import ensure_can_grant, role_by_name
from finsight.users.models import User
from finsight.users.service import create_user, find_user_by_email, normalize_email

INVALID = "this invitation link is not valid: it was used, revoked, replaced or has expired"


class SignInRequired(FinsightError):
    status = 409
    code = "sign_in_required"
    title = "Sign in to accept"


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once (to the inviter) and emailed; only its digest is stored
    accept_url: str


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def accept_url(token: str) -> str:
    return f"{get_settings().public_web_url.rstrip('/')}/invitations/accept?token={quote(token)}"


def _open_invitation(session: Session, org: Organization, email: str) -> Invitation | None:
    return session.scalar(
        select(Invitation)
        .where(
            Invitation.org_id == org.id,
            func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .with_for_update(of=Invitation)
    )


def _is_member(session: Session, org: Organization, email: str) -> bool:
    # The same query whether or not the address has an account: no timing tells them apart.
    found = session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org.id, func.lower(User.email) == email)
    )
    return found is not None


def _email(org: Organization, invitation: Invitation, url: str) -> OutgoingEmail:
    who = invitation.invited_by_name or "An administrator"
    expires = invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"{who} invited you to join {org.name} on finsight as {invitation.role.name}.\n\n"
        f"Accept the invitation: {url}\n\n"
        f"The link works once, until {expires}. If you did not expect it, ignore this email.\n"
    )
    page = (
        f"<p>{html.escape(who)} invited you to join <b>{html.escape(org.name)}</b> on finsight "
        f"as <b>{html.escape(invitation.role.name)}</b>.</p>"
        f'<p><a href="{html.escape(url)}">Accept the invitation</a></p>'
        f"<p>The link works once, until {expires}. If you did not expect it, ignore this "
        "email.</p>"
    )
    return OutgoingEmail(
        to=invitation.email, subject=f"Join {org.name} on finsight", text=text, html=page
    )


def _issue(session: Session, org: Organization, invitation: Invitation) -> IssuedInvitation:
    """Give the invitation a fresh token and expiry, and email its link."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = utcnow() + timedelta(hours=get_settings().invitation_ttl_hours)
    session.flush()
    session.refresh(invitation)
    url = accept_url(token)
    queue_email(
        session, _email(org, invitation, url), kind="invitation", org_id=org.id, sensitive=True
    )
    return IssuedInvitation(invitation, token, url)


def invite(
    session: Session,
    org: Organization,
    *,
    email: str,
    role_name: str,
    granter_permissions: frozenset[str],
    actor: Actor,
    inviter_name: str = "",
) -> IssuedInvitation:
    """Invite `email` with a role you may grant. Inviting someone with an open invitation
    renews it (new link, the old one stops working)."""
    email = normalize_email(email)
    role = role_by_name(session, org.id, role_name)
    ensure_can_grant(granter_permissions, role)
    if _is_member(session, org, email):
        raise Conflict(f"{email} is already a member")
    invitation = _open_invitation(session, org, email)
    if invitation is None:
        invitation = Invitation(org_id=org.id, email=email, token_hash=b"")
        session.add(invitation)
    invitation.role_id = role.id
    invitation.invited_by = actor.user_id
    invitation.invited_by_name = inviter_name or actor.email or ""
    issued = _issue(session, org, invitation)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="member.invite",
        target_type="invitation",
        target_id=invitation.id,
        details={"email": email, "role": role.name},
    )
    return issued


def invite_owner(
    session: Session, org: Organization, email: str, actor: Actor
) -> IssuedInvitation | None:
    """The owner of a new organization (CLI, API, operator): invited, unless already its
    member or holding an invitation still open. Idempotent, so a reconciler may call it."""
    email = normalize_email(email)
    if _is_member(session, org, email):
        return None
    invitation = _open_invitation(session, org, email)
    if invitation is not None and invitation.expires_at > utcnow():
        return None
    return invite(
        session,
        org,
        email=email,
        role_name=OWNER_ROLE,
        granter_permissions=role_by_name(session, org.id, OWNER_ROLE).permissions,
        actor=actor,
        inviter_name=f"The administrators of {org.name}",
    )


def list_invitations(session: Session, org: Organization) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.org_id == org.id)
            .order_by(Invitation.created_at.desc())
            .limit(500)
        )
    )


def _get(session: Session, org: Organization, invitation_id: uuid.UUID) -> Invitation:
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id, Invitation.org_id == org.id)
        .with_for_update(of=Invitation)
    )
    if invitation is None:
        raise NotFound("invitation not found")
    return invitation


def _still_open(invitation: Invitation) -> None:
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(f"the invitation is {invitation.status}")


def revoke(
    session: Session,
    org: Organization,
    invitation_id: uuid.UUID,
    *,
    granter_permissions: frozenset[str],
    actor: Actor,
) -> Invitation:
    invitation = _get(session, org, invitation_id)
    ensure_can_grant(granter_permissions, invitation.role)
    _still_open(invitation)
    invitation.revoked_at = utcnow()
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="invitation.revoke",
        target_type="invitation",
        target_id=invitation.id,
        details={"email": invitation.email},
    )
    return invitation


def resend(
    session: Session,
    org: Organization,
    invitation_id: uuid.UUID,
    *,
    granter_permissions: frozenset[str],
    actor: Actor,
) -> IssuedInvitation:
    """A new link (the old one stops working) and a new expiry, emailed again."""
    invitation = _get(session, org, invitation_id)
    ensure_can_grant(granter_permissions, invitation.role)
    _still_open(invitation)
    issued = _issue(session, org, invitation)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="invitation.resend",
        target_type="invitation",
        target_id=invitation.id,
        details={"email": invitation.email},
    )
    return issued


def find_by_token(session: Session, token: str, *, lock: bool = False) -> Invitation:
    """The open invitation the token belongs to; anything else (unknown, used, revoked,
    replaced, expired) gets one answer."""
    query = select(Invitation).where(Invitation.token_hash == hash_token(token))
    invitation = session.scalar(query.with_for_update(of=Invitation) if lock else query)
    if (
        invitation is None
        or invitation.status != "pending"
        or invitation.organization.deleted_at is not None
    ):
        raise NotFound(INVALID)
    return invitation


def account_exists(session: Session, invitation: Invitation) -> bool:
    """Asked by the holder of the link (who reads that mailbox): whether to set a password or
    sign in."""
    return find_user_by_email(session, invitation.email) is not None


def _join(session: Session, invitation: Invitation, user: User, actor: Actor) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.org_id == invitation.org_id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(
            org_id=invitation.org_id, user_id=user.id, role_id=invitation.role_id
        )
        session.add(membership)
    invitation.accepted_at = utcnow()
    invitation.accepted_by = user.id
    session.flush()
    session.refresh(membership)
    record(
        session,
        org_id=invitation.org_id,
        actor=actor,
        action="invitation.accept",
        target_type="invitation",
        target_id=invitation.id,
        details={"email": user.email, "role": invitation.role.name, "user_id": str(user.id)},
    )
    return membership


def accept_with_new_account(
    session: Session, token: str, *, password: str, full_name: str, actor: Actor
) -> Membership:
    """The invitee has no account: they choose their own password here."""
    invitation = find_by_token(session, token, lock=True)
    if find_user_by_email(session, invitation.email) is not None:
        raise SignInRequired(
            "an account exists for this email address: sign in, then accept the invitation"
        )
    user = create_user(
        session, invitation.email, password, actor=actor, full_name=full_name.strip()
    )
    return _join(session, invitation, user, Actor(user.id, user.email, actor.ip, actor.request_id))


def accept_as_user(session: Session, token: str, user_id: uuid.UUID, actor: Actor) -> Membership:
    """A signed-in user accepts an invitation sent to their own address."""
    invitation = find_by_token(session, token, lock=True)
    user = session.get(User, user_id)
    if user is None or user.email.lower() != invitation.email.lower():
        raise PermissionDenied(
            "this invitation was sent to another email address: sign in as its recipient"
        )
    return _join(session, invitation, user, actor)


def owner_settled(session: Session, org: Organization, email: str) -> bool:
    """Whether the owner is a member, or holds an invitation still open (nothing to do)."""
    email = normalize_email(email)
    if _is_member(session, org, email):
        return True
    invitation = _open_invitation(session, org, email)
    return invitation is not None and invitation.expires_at > utcnow()
