"""Item health: Plaid's item errors and ITEM webhooks -> the item's status, and the domain
events that tell the organization (the alerts issue routes them; the dashboard shows them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from finsight.events import DomainEvent, publish_event
from finsight.plaid.models import HEALTHY, PlaidItem

ITEM_STATE_CHANGED = "plaid.item.state_changed"
SYNC_FAILED = "plaid.sync.failed"
SYNC_SUCCEEDED = "plaid.sync.succeeded"

# Plaid's code (an item error's error_code, or an ITEM webhook's webhook_code) -> status.
STATUS_OF_CODE = {
    "ITEM_LOGIN_REQUIRED": "login_required",
    "PENDING_EXPIRATION": "pending_expiration",
    "PENDING_DISCONNECT": "pending_disconnect",
    "USER_PERMISSION_REVOKED": "permission_revoked",
    "USER_ACCOUNT_REVOKED": "account_revoked",
    "NEW_ACCOUNTS_AVAILABLE": "new_accounts_available",
    "LOGIN_REPAIRED": HEALTHY,
}

# What each status means to a person, and what to do.
STATUS_WORDS = {
    HEALTHY: "Connected",
    "login_required": "The bank needs you to sign in again: use Reconnect.",
    "pending_expiration": "Access to this bank expires soon: use Reconnect to renew it.",
    "pending_disconnect": "This bank will disconnect soon: use Reconnect to keep it.",
    "permission_revoked": "Access was revoked at the bank: use Reconnect, or remove it.",
    "account_revoked": "An account's access was revoked at the bank: use Reconnect.",
    "new_accounts_available": "The bank has new accounts: use Reconnect to add them.",
    "error": "Plaid reported an error with this connection.",
}


def status_for(code: str | None) -> str:
    return STATUS_OF_CODE.get(code or "", "error")


def set_status(
    session: Session,
    org_slug: str,
    item: PlaidItem,
    status: str,
    *,
    code: str | None = None,
    message: str | None = None,
) -> bool:
    """Set the item's health; publish `plaid.item.state_changed` when it changed. Returns
    whether it changed."""
    previous = item.status
    item.status = status
    item.error_code = None if status == HEALTHY else code
    item.error_message = None if status == HEALTHY else message
    if previous == status:
        return False
    publish_event(
        session,
        org_slug,
        DomainEvent(
            ITEM_STATE_CHANGED,
            str(item.id),
            {
                "institution": item.institution_name,
                "previous": previous,
                "status": status,
                "code": code,
                "message": STATUS_WORDS.get(status, status),
            },
        ),
    )
    return True


def publish_sync(
    session: Session, org_slug: str, item: PlaidItem, kind: str, data: dict[str, object]
) -> None:
    publish_event(
        session,
        org_slug,
        DomainEvent(kind, str(item.id), {"institution": item.institution_name, **data}),
    )
