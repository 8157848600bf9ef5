"""The emulator's banks: items, their accounts and a log of transaction changes per item.

`/transactions/sync` pages through the log: a cursor is a position in it, so a change made after
a client's cursor reaches it once, as Plaid promises. Everything here is answered as completely
as plaid-python validates (required and nullable fields included).
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

INSTITUTIONS = {
    "ins_109508": "First Platypus Bank",
    "ins_109509": "First Gingham Credit Union",
    "ins_109510": "Tattersall Federal Credit Union",
    "ins_109511": "Tartan Bank",
}

ITEM_ERROR_CODES = (
    "ITEM_LOGIN_REQUIRED",
    "PENDING_EXPIRATION",
    "PENDING_DISCONNECT",
    "USER_PERMISSION_REVOKED",
    "USER_ACCOUNT_REVOKED",
    "ITEM_NOT_FOUND",
)

_MERCHANTS = (
    ("STARBUCKS STORE 1458", "Starbucks", "FOOD_AND_DRINK", "FOOD_AND_DRINK_COFFEE", 5.75),
    (
        "UBER 063015 SF**POOL**",
        "Uber",
        "TRANSPORTATION",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        18,
    ),
    ("WHOLE FOODS MARKET #10234", "Whole Foods", "FOOD_AND_DRINK", "FOOD_AND_DRINK_GROCERIES", 84),
    ("NETFLIX.COM", "Netflix", "ENTERTAINMENT", "ENTERTAINMENT_TV_AND_MOVIES", 15.49),
    ("SHELL OIL 5744", "Shell", "TRANSPORTATION", "TRANSPORTATION_GAS", 42.1),
    (
        "AMAZON MKTPL*2K4LL0",
        "Amazon",
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        31.99,
    ),
)


def new_id(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")


@dataclass
class Account:
    account_id: str
    name: str
    type: str  # depository | credit | loan | investment | other
    subtype: str
    mask: str
    current: float
    official_name: str | None = None

    def wire(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "balances": {
                "available": self.current if self.type == "depository" else None,
                "current": self.current,
                "limit": 5000.0 if self.type == "credit" else None,
                "iso_currency_code": "USD",
                "unofficial_currency_code": None,
                "last_updated_datetime": None,
            },
            "mask": self.mask,
            "name": self.name,
            "official_name": self.official_name,
            "type": self.type,
            "subtype": self.subtype,
            "persistent_account_id": hashlib.sha256(self.account_id.encode()).hexdigest()[:32],
            "holder_category": "personal",
        }


def transaction(
    account_id: str,
    *,
    amount: float,
    day: date,
    name: str,
    merchant_name: str | None = None,
    pending: bool = False,
    pending_transaction_id: str | None = None,
    category: tuple[str, str] | None = None,
    transaction_id: str | None = None,
) -> dict[str, Any]:
    """A Plaid transaction (Plaid's sign: positive is money out of the account)."""
    primary, detailed = category or ("GENERAL_MERCHANDISE", "GENERAL_MERCHANDISE_OTHER")
    return {
        "account_id": account_id,
        "account_owner": None,
        "amount": round(amount, 2),
        "iso_currency_code": "USD",
        "unofficial_currency_code": None,
        "category": None,
        "category_id": None,
        "check_number": None,
        "counterparties": [],
        "date": day.isoformat(),
        "datetime": None,
        "authorized_date": day.isoformat(),
        "authorized_datetime": None,
        "location": {
            "address": None,
            "city": None,
            "region": None,
            "postal_code": None,
            "country": None,
            "lat": None,
            "lon": None,
            "store_number": None,
        },
        "logo_url": None,
        "merchant_entity_id": None,
        "merchant_name": merchant_name,
        "name": name,
        "original_description": None,
        "payment_channel": "in store",
        "payment_meta": {
            "by_order_of": None,
            "payee": None,
            "payer": None,
            "payment_method": None,
            "payment_processor": None,
            "ppd_id": None,
            "reason": None,
            "reference_number": None,
        },
        "pending": pending,
        "pending_transaction_id": pending_transaction_id,
        "personal_finance_category": {
            "primary": primary,
            "detailed": detailed,
            "confidence_level": "VERY_HIGH",
        },
        "personal_finance_category_icon_url": (
            f"https://plaid-category-icons.plaid.com/PFC_{primary}.png"
        ),
        "transaction_code": None,
        "transaction_id": transaction_id or new_id("tx-"),
        "transaction_type": "place",
        "website": None,
    }


@dataclass
class Item:
    item_id: str
    access_token: str
    institution_id: str
    accounts: list[Account]
    webhook: str | None = None
    error: str | None = None
    # The change log: ("added" | "modified" | "removed", transaction or {transaction_id,
    # account_id}). A cursor is an index into it.
    log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    removed: bool = False

    @property
    def institution_name(self) -> str:
        return INSTITUTIONS.get(self.institution_id, self.institution_id)


class Banks:
    """All items, public tokens and faults, behind one lock (the server is threaded)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[str, Item] = {}
        self.by_token: dict[str, Item] = {}
        self.public_tokens: dict[str, Item] = {}
        # Faults to answer, in order, per endpoint path: (HTTP status, error type, code).
        self.faults: dict[str, list[tuple[int, str, str]]] = {}
        # Answer the next sync request that continues a pagination with this error.
        self.mutate_during_pagination = 0
        self.page_delay_seconds = 0.0
        self.requests: list[str] = []

    # --- making items ------------------------------------------------------------------------

    def create_item(
        self, institution_id: str, *, history_days: int = 60, seed: int | None = None
    ) -> Item:
        """A new item with a checking and a credit card account and some history."""
        if institution_id not in INSTITUTIONS:
            raise KeyError(institution_id)
        suffix = hashlib.sha256(institution_id.encode()).hexdigest()[:2]
        accounts = [
            Account(new_id("acc-"), "Plaid Checking", "depository", "checking", "0000", 1250.0),
            Account(
                new_id("acc-"), "Plaid Credit Card", "credit", "credit card", f"33{suffix}", 410.0
            ),
        ]
        item = Item(new_id("item-"), new_id("access-sandbox-"), institution_id, accounts)
        rng = random.Random(seed)  # noqa: S311 - made-up history, not a secret
        today = date.today()
        for offset in range(history_days, 0, -3):
            raw, merchant, primary, detailed, price = rng.choice(_MERCHANTS)
            account = accounts[rng.randrange(2)]
            amount = round(price * rng.uniform(0.8, 1.2), 2)
            item.log.append(
                (
                    "added",
                    transaction(
                        account.account_id,
                        amount=amount,
                        day=today - timedelta(days=offset),
                        name=raw,
                        merchant_name=merchant,
                        category=(primary, detailed),
                    ),
                )
            )
        with self.lock:
            self.items[item.item_id] = item
            self.by_token[item.access_token] = item
        return item

    def public_token_for(self, item: Item) -> str:
        token = new_id("public-sandbox-")
        with self.lock:
            self.public_tokens[token] = item
        return token

    # --- changes a test makes ----------------------------------------------------------------

    def add(self, item: Item, *transactions: dict[str, Any]) -> None:
        with self.lock:
            item.log.extend(("added", t) for t in transactions)

    def modify(self, item: Item, transaction_: dict[str, Any]) -> None:
        with self.lock:
            item.log.append(("modified", transaction_))

    def remove(self, item: Item, transaction_id: str, account_id: str) -> None:
        with self.lock:
            item.log.append(
                ("removed", {"transaction_id": transaction_id, "account_id": account_id})
            )

    def post(self, item: Item, pending: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """The bank settles a pending transaction: Plaid removes it and adds the posted one,
        whose pending_transaction_id names it."""
        posted = {
            **pending,
            **changes,
            "pending": False,
            "pending_transaction_id": pending["transaction_id"],
            "transaction_id": new_id("tx-"),
        }
        with self.lock:
            item.log.append(("added", posted))
            item.log.append(
                (
                    "removed",
                    {
                        "transaction_id": pending["transaction_id"],
                        "account_id": pending["account_id"],
                    },
                )
            )
        return posted

    def fail_next(self, path: str, status: int, error_type: str, error_code: str) -> None:
        with self.lock:
            self.faults.setdefault(path, []).append((status, error_type, error_code))

    def take_fault(self, path: str) -> tuple[int, str, str] | None:
        with self.lock:
            queued = self.faults.get(path)
            return queued.pop(0) if queued else None
