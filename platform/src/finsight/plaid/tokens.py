"""Access tokens at rest: envelope-encrypted (finsight.crypto), bound to their item, read only
here, never logged and never returned by the API."""

from __future__ import annotations

from finsight.crypto.envelope import decrypt_secret, encrypt_secret
from finsight.plaid.models import PlaidItem


def _context(item_id: str) -> bytes:
    # A token copied onto another item's row fails to decrypt.
    return f"plaid_items.access_token|{item_id}".encode()


def seal(item_id: str, access_token: str) -> str:
    return encrypt_secret(access_token, context=_context(item_id))


def access_token(item: PlaidItem) -> str:
    return decrypt_secret(item.access_token, context=_context(item.item_id))
