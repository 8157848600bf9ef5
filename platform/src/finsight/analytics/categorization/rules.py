"""Categorization rules: validation, matching one transaction, and the same conditions as SQL.

A rule holds conditions (all present ones must hold) and actions. Rules run in position order:
the first matching rule that sets a category decides the category (a lower position is a higher
priority); every matching rule adds its tags; a matching rule with `stop_processing` ends the
walk, so rules after it neither set nor tag anything.

Conditions, as stored (JSON):
- description_contains: [str]  any of them, case-insensitive substring of the description
- description_regex: str       RE2 syntax (linear time: no backreferences or lookaround),
                               case-insensitive, searched in the description
- merchant_ids: [uuid]         the merchant analytics grouped the transaction under
- amount_min, amount_max: str  on the absolute amount, inclusive
- account_ids: [uuid]
- direction: expense | income  the amount's sign (a zero amount is neither)
Actions: category_id (uuid), add_tags ([str]).

This module is pure apart from `sql_conditions`, which states the conditions it can as SQL
(everything but the regex, and non-ASCII substrings whose case folding PostgreSQL and Python
may disagree on) so a dry run over a large ledger reads only candidate rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import re2
from sqlalchemy import ColumnElement, func, or_

from finsight.errors import InvalidInput
from finsight.kit.query import escape_like
from finsight.transactions.models import Transaction

CONDITION_KEYS = (
    "description_contains",
    "description_regex",
    "merchant_ids",
    "amount_min",
    "amount_max",
    "account_ids",
    "direction",
)
ACTION_KEYS = ("category_id", "add_tags")
DIRECTIONS = ("expense", "income")
MAX_REGEX_CHARS = 200
MAX_TEXT_CHARS = 200
MAX_LIST_ITEMS = 100
MAX_TAGS = 20
MAX_TAG_CHARS = 50


class Row(Protocol):
    """What a rule looks at in a transaction."""

    @property
    def description(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def merchant_id(self) -> uuid.UUID | None: ...
    @property
    def account_id(self) -> uuid.UUID: ...


def _fail(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", field=field)


def _texts(value: Any, field: str, *, limit: int, chars: int) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _fail(field, "give a non-empty string or list of strings")
    if len(items) > limit:
        raise _fail(field, f"at most {limit} items")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise _fail(field, "every item must be a non-empty string")
        if len(item.strip()) > chars:
            raise _fail(field, f"items are at most {chars} characters")
        out.append(item.strip())
    return list(dict.fromkeys(out))


def _uuids(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _fail(field, "give a non-empty list of ids")
    if len(value) > MAX_LIST_ITEMS:
        raise _fail(field, f"at most {MAX_LIST_ITEMS} ids")
    try:
        return list(dict.fromkeys(str(uuid.UUID(str(item))) for item in value))
    except ValueError as exc:
        raise _fail(field, "every item must be a UUID") from exc


def _amount(value: Any, field: str) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _fail(field, "must be a number") from exc
    if not amount.is_finite() or amount < 0:
        raise _fail(field, "must be a finite number >= 0 (it applies to the absolute amount)")
    if amount >= Decimal(10) ** 15:
        raise _fail(field, "is too large")
    if amount == amount.to_integral_value():
        return format(amount.to_integral_value(), "f")  # "10", never "1E+1"
    return format(amount, "f")


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a refused pattern is the caller's 422, not a log line
    return options


_RE2_OPTIONS = _re2_options()


def compile_regex(pattern: str, field: str = "conditions.description_regex") -> Any:
    """A user's pattern, compiled by RE2: matching takes time linear in the text, whatever the
    pattern (Python's `re` backtracks: `^(a+)+$` on 40 characters runs for hours, in the shared
    worker). RE2 has no backreferences or lookaround; such patterns are refused here."""
    if len(pattern) > MAX_REGEX_CHARS:
        raise _fail(field, f"at most {MAX_REGEX_CHARS} characters")
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise _fail(
            field,
            f"not a pattern the linear-time engine (RE2) can run ({reason}); backreferences "
            "and lookaround are not supported",
        ) from exc


def validate_conditions(raw: Any) -> dict[str, Any]:
    """The conditions in their stored form; InvalidInput naming the field otherwise."""
    if not isinstance(raw, dict):
        raise _fail("conditions", "must be an object")
    unknown = sorted(set(raw) - set(CONDITION_KEYS))
    if unknown:
        raise _fail(f"conditions.{unknown[0]}", f"unknown condition; one of {CONDITION_KEYS}")
    present = {key: value for key, value in raw.items() if value is not None}
    if not present:
        raise _fail("conditions", "give at least one condition")
    out: dict[str, Any] = {}
    if "description_contains" in present:
        out["description_contains"] = _texts(
            present["description_contains"],
            "conditions.description_contains",
            limit=MAX_LIST_ITEMS,
            chars=MAX_TEXT_CHARS,
        )
    if "description_regex" in present:
        pattern = present["description_regex"]
        if not isinstance(pattern, str) or not pattern:
            raise _fail("conditions.description_regex", "must be a non-empty string")
        compile_regex(pattern)
        out["description_regex"] = pattern
    for key in ("merchant_ids", "account_ids"):
        if key in present:
            out[key] = _uuids(present[key], f"conditions.{key}")
    for key in ("amount_min", "amount_max"):
        if key in present:
            out[key] = _amount(present[key], f"conditions.{key}")
    low, high = out.get("amount_min"), out.get("amount_max")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise _fail("conditions.amount_max", "must be at least amount_min")
    if "direction" in present:
        if present["direction"] not in DIRECTIONS:
            raise _fail("conditions.direction", f"one of {', '.join(DIRECTIONS)}")
        out["direction"] = present["direction"]
    return out


def validate_actions(raw: Any) -> dict[str, Any]:
    """The actions in their stored form (the category's existence is the service's check)."""
    if not isinstance(raw, dict):
        raise _fail("actions", "must be an object")
    unknown = sorted(set(raw) - set(ACTION_KEYS))
    if unknown:
        raise _fail(f"actions.{unknown[0]}", f"unknown action; one of {ACTION_KEYS}")
    out: dict[str, Any] = {}
    if raw.get("category_id") is not None:
        try:
            out["category_id"] = str(uuid.UUID(str(raw["category_id"])))
        except ValueError as exc:
            raise _fail("actions.category_id", "must be a UUID") from exc
    if raw.get("add_tags"):
        out["add_tags"] = _texts(
            raw["add_tags"], "actions.add_tags", limit=MAX_TAGS, chars=MAX_TAG_CHARS
        )
    if not out:
        raise _fail("actions", "give at least one action: category_id or add_tags")
    return out


@dataclass(frozen=True)
class CompiledRule:
    id: uuid.UUID | None  # None: a rule being tried out (dry run) that is not stored
    stop_processing: bool
    contains: tuple[str, ...]
    regex: Any  # a compiled RE2 pattern (re2 ships no type hints)
    merchant_ids: frozenset[uuid.UUID]
    account_ids: frozenset[uuid.UUID]
    amount_min: Decimal | None
    amount_max: Decimal | None
    direction: str | None
    category_id: uuid.UUID | None
    add_tags: tuple[str, ...]

    @classmethod
    def of(
        cls,
        conditions: dict[str, Any],
        actions: dict[str, Any],
        *,
        rule_id: uuid.UUID | None = None,
        stop_processing: bool = False,
    ) -> CompiledRule:
        """From stored (validated) conditions and actions."""
        regex = conditions.get("description_regex")
        category = actions.get("category_id")
        return cls(
            id=rule_id,
            stop_processing=stop_processing,
            contains=tuple(n.lower() for n in conditions.get("description_contains", ())),
            regex=compile_regex(regex) if regex else None,
            merchant_ids=frozenset(uuid.UUID(i) for i in conditions.get("merchant_ids", ())),
            account_ids=frozenset(uuid.UUID(i) for i in conditions.get("account_ids", ())),
            amount_min=_decimal(conditions.get("amount_min")),
            amount_max=_decimal(conditions.get("amount_max")),
            direction=conditions.get("direction"),
            category_id=uuid.UUID(category) if category else None,
            add_tags=tuple(actions.get("add_tags", ())),
        )

    def matches(self, row: Row) -> bool:
        if self.direction == "expense" and not row.amount < 0:
            return False
        if self.direction == "income" and not row.amount > 0:
            return False
        size = abs(row.amount)
        if self.amount_min is not None and size < self.amount_min:
            return False
        if self.amount_max is not None and size > self.amount_max:
            return False
        if self.account_ids and row.account_id not in self.account_ids:
            return False
        if self.merchant_ids and row.merchant_id not in self.merchant_ids:
            return False
        if self.contains:
            lowered = row.description.lower()
            if not any(needle in lowered for needle in self.contains):
                return False
        return not (self.regex is not None and self.regex.search(row.description) is None)

    @property
    def exact_in_sql(self) -> bool:
        """True when `sql_conditions` says exactly what `matches` does."""
        return self.regex is None and all(needle.isascii() for needle in self.contains)


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


@dataclass(frozen=True)
class Outcome:
    """What the rules decided for one transaction."""

    category_id: uuid.UUID | None
    rule_id: uuid.UUID | None  # the rule that set the category
    tags: tuple[str, ...]
    matched: tuple[uuid.UUID | None, ...]


def apply_rules(rules: Sequence[CompiledRule], row: Row) -> Outcome | None:
    """The rules' verdict on `row` (rules in position order); None when no rule matched."""
    category: uuid.UUID | None = None
    rule_id: uuid.UUID | None = None
    tags: dict[str, None] = {}
    matched: list[uuid.UUID | None] = []
    for rule in rules:
        if not rule.matches(row):
            continue
        matched.append(rule.id)
        if category is None and rule.category_id is not None:
            category, rule_id = rule.category_id, rule.id
        tags.update(dict.fromkeys(rule.add_tags))
        if rule.stop_processing:
            break
    if not matched:
        return None
    return Outcome(category, rule_id, tuple(tags), tuple(matched))


def merged_tags(current: Iterable[str], added: Iterable[str]) -> list[str]:
    """The current tags, then the added ones not already there."""
    return list(dict.fromkeys([*current, *added]))


def sql_conditions(rule: CompiledRule) -> list[ColumnElement[bool]]:
    """The rule's conditions on `transactions` as SQL: all of them when `rule.exact_in_sql`,
    else a superset (candidates for `matches`)."""
    amount = Transaction.amount
    clauses: list[ColumnElement[bool]] = []
    if rule.direction == "expense":
        clauses.append(amount < 0)
    elif rule.direction == "income":
        clauses.append(amount > 0)
    if rule.amount_min is not None:
        clauses.append(func.abs(amount) >= rule.amount_min)
    if rule.amount_max is not None:
        clauses.append(func.abs(amount) <= rule.amount_max)
    if rule.account_ids:
        clauses.append(Transaction.account_id.in_(sorted(rule.account_ids)))
    if rule.merchant_ids:
        clauses.append(Transaction.merchant_id.in_(sorted(rule.merchant_ids)))
    if rule.contains and all(needle.isascii() for needle in rule.contains):
        clauses.append(
            or_(*(Transaction.description.ilike(f"%{escape_like(n)}%") for n in rule.contains))
        )
    return clauses
