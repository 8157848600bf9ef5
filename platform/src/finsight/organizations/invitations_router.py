"""Invitations: the organization's list (revoke, resend), and the invitee's side (preview,
accept). Accepting works without a token (a new account with the invitee's own password) or
with one (an existing account, whose email must be the invitation's)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials

from finsight.api.deps import DB, Client, get_principal, require
from finsight.api.problems import problem_responses
from finsight.errors import InvalidInput, NotAuthenticated
from finsight.kit.identity import Actor, Principal
from finsight.organizations import invitations
from finsight.organizations.invitations import IssuedInvitation
from finsight.organizations.models import Invitation
from finsight.organizations.schemas import (
    InvitationAccept,
    InvitationAccepted,
    InvitationIssued,
    InvitationOut,
    InvitationPreview,
    InvitationToken,
)
from finsight.organizations.service import organization_by_id

router = APIRouter(prefix="/api/organizations/current/invitations", tags=["members"])
public_router = APIRouter(prefix="/api/invitations", tags=["members"])

CanRead = Annotated[Principal, Depends(require("members:read"))]
CanWrite = Annotated[Principal, Depends(require("members:write"))]


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role.name,
        status=invitation.status,
        invited_by=invitation.invited_by_name,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
    )


def issued_out(issued: IssuedInvitation) -> InvitationIssued:
    return InvitationIssued(
        **invitation_out(issued.invitation).model_dump(), accept_url=issued.accept_url
    )


@router.get(
    "",
    response_model=list[InvitationOut],
    summary="Invitations of your organization (latest 500)",
    responses=problem_responses(401, 403),
)
def list_invitations(principal: CanRead, db: DB) -> list[InvitationOut]:
    org = organization_by_id(db, principal.require_org().id)
    return [invitation_out(i) for i in invitations.list_invitations(db, org)]


@router.post(
    "/{invitation_id}/resend",
    name="invitation.resend",
    response_model=InvitationIssued,
    summary="Email a new link (the old one stops working) with a new expiry",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def resend(
    invitation_id: uuid.UUID, principal: CanWrite, db: DB, client: Client
) -> InvitationIssued:
    org = organization_by_id(db, principal.require_org().id)
    issued = invitations.resend(
        db,
        org,
        invitation_id,
        granter_permissions=principal.permissions,
        actor=principal.acting_from(client),
    )
    return issued_out(issued)


@router.delete(
    "/{invitation_id}",
    name="invitation.revoke",
    response_model=InvitationOut,
    summary="Revoke an invitation: its link stops working",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def revoke(invitation_id: uuid.UUID, principal: CanWrite, db: DB, client: Client) -> InvitationOut:
    org = organization_by_id(db, principal.require_org().id)
    return invitation_out(
        invitations.revoke(
            db,
            org,
            invitation_id,
            granter_permissions=principal.permissions,
            actor=principal.acting_from(client),
        )
    )


@public_router.post(
    "/preview",
    name="invitation.preview",
    response_model=InvitationPreview,
    summary="What an invitation link offers (for its holder)",
    responses=problem_responses(404, 422),
)
def preview(body: InvitationToken, db: DB) -> InvitationPreview:
    invitation = invitations.find_by_token(db, body.token)
    return InvitationPreview(
        organization=invitation.organization.name,
        role=invitation.role.name,
        email=invitation.email,
        expires_at=invitation.expires_at,
        account_exists=invitations.account_exists(db, invitation),
    )


@public_router.post(
    "/accept",
    name="invitation.accept",
    response_model=InvitationAccepted,
    summary="Accept an invitation",
    description="Without `Authorization`: creates your account with the password you choose "
    "(409 `sign_in_required` if the address already has one). With it: adds your signed-in "
    "account, whose email must be the invitation's.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def accept(
    body: InvitationAccept,
    request: Request,
    db: DB,
    client: Client,
    authorization: Annotated[
        str | None,
        Header(description="Optional `Bearer <access token>`: accept as that (existing) account"),
    ] = None,
) -> InvitationAccepted:
    # A plain optional header, not the bearer security scheme: that would document the token
    # as required, and a new person has none.
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Authorization must be `Bearer <access token>`")
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip())
        principal = get_principal(request, db, credentials)
        membership = invitations.accept_as_user(
            db, body.token, principal.user_id, principal.acting_from(client)
        )
        created = False
    else:
        if not body.password:
            raise InvalidInput(
                "choose a password for your new account (or sign in to accept)", field="password"
            )
        membership = invitations.accept_with_new_account(
            db,
            body.token,
            password=body.password,
            full_name=body.full_name,
            actor=Actor(None, None, client.ip, client.request_id),
        )
        created = True
    return InvitationAccepted(
        organization=membership.organization.slug,
        role=membership.role.name,
        email=membership.user.email,
        account_created=created,
    )
