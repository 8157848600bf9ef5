"""Connections: Link tokens, connecting an item (its accounts mapped to finsight accounts),
syncing on request, reconnecting, removing. Every change is audited here; never commits.
Plaid is called through finsight.plaid.client (plaid-python)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.accounts.service import create_account
from finsight.audit.service import record
from finsight.config import get_settings
from finsight.errors import Conflict, InvalidInput, NotFound
from finsight.kit.identity import Actor, OrgRef
from finsight.kit.models import utcnow
from finsight.observability.logging import get_logger
from finsight.plaid import client, health, index, tokens
from finsight.plaid.domain import SYNC_ITEM_TASK
from finsight.plaid.models import HEALTHY, QUEUED, SYNCING, PlaidAccount, PlaidItem
from finsight.worker.enqueue import enqueue_after_commit

log = get_logger(__name__)

# Plaid account type -> finsight account type.
ACCOUNT_TYPES = {
    ("depository", "savings"): "savings",
    ("depository", None): "checking",
    ("credit", None): "credit_card",
    ("loan", None): "loan",
    ("investment", None): "investment",
}


@dataclass(frozen=True)
class AccountLink:
    """Where one Plaid account's rows go: an existing finsight account, or None (a new one)."""

    plaid_account_id: str
    account_id: uuid.UUID | None


@dataclass(frozen=True)
class LinkToken:
    link_token: str
    expiration: datetime
    update_mode: bool


def link_token(
    session: Session, org: OrgRef, actor: Actor, user_id: uuid.UUID, item: PlaidItem | None = None
) -> LinkToken:
    """A Link token; with `item`, for update mode (re-authentication: its token, no products).
    Audited: it starts a connection (or a reconnection) at Plaid."""
    settings = get_settings()
    fields: dict[str, object] = {
        "client_name": "finsight",
        "language": "en",
        "country_codes": [CountryCode("US")],
        "user": LinkTokenCreateRequestUser(client_user_id=str(user_id)),
    }
    if settings.plaid_webhook_url:
        fields["webhook"] = settings.plaid_webhook_url
    if item is None:
        fields["products"] = [Products("transactions")]
    else:
        fields["access_token"] = tokens.access_token(item)
    answer = client.call(
        "link_token_create", client.api().link_token_create, LinkTokenCreateRequest(**fields)
    )
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="plaid.link_token.create",
        target_type="plaid_item" if item is not None else None,
        target_id=item.id if item is not None else None,
        details={"update_mode": item is not None},
    )
    return LinkToken(answer.link_token, answer.expiration, item is not None)


def list_items(session: Session) -> list[PlaidItem]:
    return list(
        session.scalars(
            select(PlaidItem)
            .where(PlaidItem.deleted_at.is_(None))
            .order_by(PlaidItem.institution_name, PlaidItem.id)
        )
    )


def item_accounts(session: Session, item_ids: list[uuid.UUID]) -> list[tuple[PlaidAccount, str]]:
    """Each item's Plaid accounts with the name of the finsight account they feed."""
    rows = session.execute(
        select(PlaidAccount, Account.name)
        .join(Account, Account.id == PlaidAccount.account_id)
        .where(PlaidAccount.item_id.in_(item_ids))
        .order_by(PlaidAccount.name, PlaidAccount.id)
    )
    return [(plaid_account, name) for plaid_account, name in rows]


def get_item(session: Session, item_id: uuid.UUID) -> PlaidItem:
    item = session.get(PlaidItem, item_id)
    if item is None or item.deleted_at is not None:
        raise NotFound("no such bank connection")
    return item


def _live_item_for_institution(session: Session, institution_id: str) -> PlaidItem | None:
    return session.scalar(
        select(PlaidItem).where(
            PlaidItem.institution_id == institution_id, PlaidItem.deleted_at.is_(None)
        )
    )


def _refuse_duplicate(session: Session, institution_id: str | None) -> None:
    if institution_id is None:
        return
    existing = _live_item_for_institution(session, institution_id)
    if existing is not None:
        raise Conflict(
            f"{existing.institution_name} is already connected; use Reconnect on it instead "
            "of connecting it again (a second connection would duplicate it at Plaid)"
        )


def _account_name(session: Session, institution: str, name: str, mask: str | None) -> str:
    base = f"{institution} {name}" + (f" {mask}" if mask else "")
    candidate, n = base, 2
    while session.scalar(
        select(Account.id).where(
            Account.deleted_at.is_(None), func.lower(Account.name) == candidate.lower()
        )
    ):
        candidate, n = f"{base} ({n})", n + 1
    return candidate


def _mapped_accounts(
    session: Session,
    org: OrgRef,
    item: PlaidItem,
    access_token: str,
    links: list[AccountLink],
    actor: Actor,
) -> None:
    answer = client.call(
        "accounts_get",
        client.api().accounts_get,
        AccountsGetRequest(access_token=access_token),
        _check_return_type=False,
    )
    wanted = {link.plaid_account_id: link.account_id for link in links}
    plaid_ids = {str(a["account_id"]) for a in answer["accounts"]}
    unknown = sorted(set(wanted) - plaid_ids)
    if unknown:
        raise InvalidInput(f"no such account at this bank: {unknown[0]}", field="accounts")
    taken = set(session.scalars(select(PlaidAccount.account_id)))
    for wire in answer["accounts"]:
        plaid_type, subtype = str(wire["type"]), wire.get("subtype")
        target = wanted.get(str(wire["account_id"]))
        if target is not None:
            account = session.get(Account, target)
            if account is None or account.deleted_at is not None:
                raise InvalidInput(f"no such account: {target}", field="accounts")
            if target in taken:
                raise Conflict(f"the account {account.name!r} is already fed by a bank connection")
        else:
            kind = ACCOUNT_TYPES.get((plaid_type, subtype)) or ACCOUNT_TYPES.get(
                (plaid_type, None), "other"
            )
            account = create_account(
                session,
                org.id,
                name=_account_name(session, item.institution_name, wire["name"], wire["mask"]),
                type=kind,
                currency=str(wire["balances"].get("iso_currency_code") or "USD"),
                institution_id=None,
                mask=wire["mask"],
                opening_balance=Decimal(0),
                actor=actor,
            )
        taken.add(account.id)
        session.add(
            PlaidAccount(
                item_id=item.id,
                plaid_account_id=str(wire["account_id"]),
                account_id=account.id,
                name=str(wire["name"]),
                mask=wire["mask"],
                type=plaid_type,
                subtype=subtype,
            )
        )


def connect(
    session: Session,
    org: OrgRef,
    public_token: str,
    *,
    actor: Actor,
    institution_id: str | None = None,
    links: list[AccountLink] | None = None,
) -> PlaidItem:
    """Exchange Link's public token, store the item (its token encrypted), map its accounts,
    and queue its first sync. One institution is connected once (409 otherwise)."""
    # Refused before the exchange when Link told us the institution: no item made at Plaid.
    _refuse_duplicate(session, institution_id)
    api = client.api()
    exchanged = client.call(
        "item_public_token_exchange",
        api.item_public_token_exchange,
        ItemPublicTokenExchangeRequest(public_token=public_token),
    )
    access_token, plaid_item_id = exchanged.access_token, exchanged.item_id
    try:
        found = client.call(
            "item_get", api.item_get, ItemGetRequest(access_token=access_token)
        ).item
        institution = found.get("institution_id")
        name = found.get("institution_name") or _institution_name(institution)
        _refuse_duplicate(session, institution)
    except Exception:
        _remove_at_plaid(access_token)  # nothing of ours refers to it: do not leave it at Plaid
        raise
    item = PlaidItem(
        item_id=plaid_item_id,
        institution_id=institution,
        institution_name=name or "Bank",
        access_token=tokens.seal(plaid_item_id, access_token),
        created_by=actor.user_id,
    )
    session.add(item)
    session.flush()
    _mapped_accounts(session, org, item, access_token, links or [], actor)
    index.register(plaid_item_id, org.id)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="plaid.item.connect",
        target_type="plaid_item",
        target_id=item.id,
        details={"institution": item.institution_name, "item_id": plaid_item_id},
    )
    enqueue_after_commit(session, SYNC_ITEM_TASK, org.slug, item_id=str(item.id))
    return item


def _institution_name(institution_id: str | None) -> str | None:
    if not institution_id:
        return None
    try:
        answer = client.call(
            "institutions_get_by_id",
            client.api().institutions_get_by_id,
            InstitutionsGetByIdRequest(
                institution_id=institution_id, country_codes=[CountryCode("US")]
            ),
        )
    except client.PlaidCallError:
        return None
    return str(answer.institution.name)


def sandbox_public_token(institution_id: str | None = None) -> str:
    """A public token for a test bank, without Link (sandbox, or `finsight dev`'s emulator)."""
    settings = get_settings()
    if settings.plaid_env != "sandbox" and not settings.plaid_host:
        raise Conflict("test banks exist only with sandbox credentials (PLAID_ENV=sandbox)")
    fields: dict[str, object] = {
        "institution_id": institution_id or settings.plaid_sandbox_institution_id,
        "initial_products": [Products("transactions")],
    }
    answer = client.call(
        "sandbox_public_token_create",
        client.api().sandbox_public_token_create,
        SandboxPublicTokenCreateRequest(**fields),
    )
    return str(answer.public_token)


def _remove_at_plaid(access_token: str) -> None:
    """/item/remove, tolerating an item Plaid no longer has (or an answer that never comes:
    the item is ours to forget either way)."""
    try:
        client.call("item_remove", client.api().item_remove, ItemRemoveRequest(access_token))
    except client.PlaidCallError as error:
        log.warning("plaid.item.remove_tolerated", error_code=error.error_code)


def remove_item(session: Session, org: OrgRef, item: PlaidItem, actor: Actor) -> None:
    """Disconnect: removed at Plaid, forgotten here; its accounts and transactions stay."""
    _remove_at_plaid(tokens.access_token(item))
    item.deleted_at = utcnow()
    # The token is of no use any more: not kept at rest.
    item.access_token = tokens.seal(item.item_id, "removed")
    for plaid_account in session.scalars(
        select(PlaidAccount).where(PlaidAccount.item_id == item.id)
    ):
        session.delete(plaid_account)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="plaid.item.remove",
        target_type="plaid_item",
        target_id=item.id,
        details={"institution": item.institution_name, "item_id": item.item_id},
    )
    session.flush()
    index.unregister(item.item_id)


def request_sync(
    session: Session, org: OrgRef, item: PlaidItem, actor: Actor | None, *, reason: str
) -> bool:
    """Queue a sync of the item (after commit); returns False when one is already running
    (the running one reads everything up to now at Plaid anyway)."""
    if item.sync_state == SYNCING:
        return False
    item.sync_state = QUEUED
    item.sync_requested_at = utcnow()
    item.sync_attempts = 0
    if actor is not None:
        record(
            session,
            org_id=org.id,
            actor=actor,
            action="plaid.item.sync",
            target_type="plaid_item",
            target_id=item.id,
            details={"reason": reason},
        )
    enqueue_after_commit(session, SYNC_ITEM_TASK, org.slug, item_id=str(item.id))
    return True


def reconnected(session: Session, org: OrgRef, item: PlaidItem, actor: Actor) -> PlaidItem:
    """After Link in update mode: when Plaid reports the item healthy, "needs attention"
    clears and a sync is queued."""
    found = client.call(
        "item_get", client.api().item_get, ItemGetRequest(access_token=tokens.access_token(item))
    ).item
    error = found.get("error")
    if error:
        code = str(error.get("error_code"))
        health.set_status(
            session,
            org.slug,
            item,
            health.status_for(code),
            code=code,
            message=str(error.get("error_message") or ""),
        )
    else:
        health.set_status(session, org.slug, item, HEALTHY)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action="plaid.item.reconnect",
        target_type="plaid_item",
        target_id=item.id,
        details={"status": item.status},
    )
    if item.status == HEALTHY:
        request_sync(session, org, item, None, reason="reconnected")
    return item
