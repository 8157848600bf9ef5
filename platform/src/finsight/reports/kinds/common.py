"""What every kind of report shares: the request, the counted transactions of a period, the
month buckets in SQL, categories rolled up to their top level, merchants' display names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.analytics.models import Merchant
from finsight.categories.tree import PATH_SEPARATOR, load_tree
from finsight.errors import InvalidInput
from finsight.reports.model import KIND_TITLES, Document
from finsight.reports.periods import Bucket, Period
from finsight.transactions import query as q
from finsight.transactions.models import Transaction
from finsight.transactions.summary import UNCATEGORIZED, counted

DEFAULT_TOP = 25
MAX_TOP = 500


@dataclass(frozen=True)
class Filters:
    account_ids: tuple[uuid.UUID, ...] = ()
    category_ids: tuple[uuid.UUID, ...] = ()
    q: str | None = None  # the ledger's text search (as the transaction list's `q`)
    top: int = DEFAULT_TOP  # rows of "top" tables (merchants, largest transactions)

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> Filters:
        raw = raw or {}
        if not isinstance(raw, dict):
            raise InvalidInput("filters must be an object", field="filters")
        unknown = set(raw) - {"account_ids", "category_ids", "q", "top"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"unknown filter {name!r}", field=f"filters.{name}")
        top = raw.get("top", DEFAULT_TOP)
        if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
            raise InvalidInput(f"filters.top must be 1 to {MAX_TOP}", field="filters.top")
        text = raw.get("q")
        if text is not None and not isinstance(text, str):
            raise InvalidInput("filters.q must be text", field="filters.q")
        return cls(_ids(raw, "account_ids"), _ids(raw, "category_ids"), text or None, top)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.account_ids:
            out["account_ids"] = [str(i) for i in self.account_ids]
        if self.category_ids:
            out["category_ids"] = [str(i) for i in self.category_ids]
        if self.q:
            out["q"] = self.q
        if self.top != DEFAULT_TOP:
            out["top"] = self.top
        return out


def _ids(raw: dict[str, Any], key: str) -> tuple[uuid.UUID, ...]:
    values = raw.get(key) or []
    if not isinstance(values, list):
        raise InvalidInput(f"filters.{key} must be a list of ids", field=f"filters.{key}")
    try:
        return tuple(uuid.UUID(str(v)) for v in values)
    except ValueError as exc:
        raise InvalidInput(f"filters.{key} holds an invalid id", field=f"filters.{key}") from exc


@dataclass
class Context:
    """One report's inputs, with the tenant session it reads in."""

    session: Session
    kind: str
    period: Period
    filters: Filters
    organization: str
    generated_at: datetime
    _category_labels: dict[uuid.UUID, tuple[str, str]] | None = field(default=None, repr=False)

    def where(self, start: date, end: date) -> q.TransactionFilter:
        return q.TransactionFilter(
            account_ids=self.filters.account_ids,
            category_ids=self.filters.category_ids,
            date_from=start,
            date_to=end,
            q=self.filters.q,
        )

    def counted(self, start: date, end: date) -> Any:
        """The counted transactions of start..end (transactions.summary's rules), as a
        subquery."""
        return counted(self.session, self.where(start, end)).subquery()

    def listed(self, start: date, end: date) -> Select[Transaction]:
        """Every live transaction of start..end passing the filters (the ledger's rows)."""
        from finsight.transactions.service import prepare_filter

        return q.filtered(prepare_filter(self.session, self.where(start, end)))

    def top_category(self, category_id: uuid.UUID | None) -> tuple[str, str]:
        """(key, label) of the category's top-level category, as the summary rolls up."""
        if self._category_labels is None:
            nodes = {node.id: node for node in load_tree(self.session)}
            labels = {}
            for node in nodes.values():
                top = node
                while top.parent_id is not None and top.parent_id in nodes:
                    top = nodes[top.parent_id]
                labels[node.id] = (str(top.id), PATH_SEPARATOR.join(top.path))
            self._category_labels = labels
        if category_id is None:
            return ("", UNCATEGORIZED)
        return self._category_labels.get(category_id, ("", UNCATEGORIZED))

    def category_paths(self) -> dict[uuid.UUID, str]:
        return {node.id: PATH_SEPARATOR.join(node.path) for node in load_tree(self.session)}

    def account_names(self) -> dict[uuid.UUID, str]:
        return {a.id: a.name for a in self.session.scalars(select(Account))}

    def document(self) -> Document:
        names = self.account_names()
        paths = self.category_paths()
        filters: dict[str, list[str]] = {}
        if self.filters.account_ids:
            filters["accounts"] = [names.get(i, str(i)) for i in self.filters.account_ids]
        if self.filters.category_ids:
            filters["categories"] = [paths.get(i, str(i)) for i in self.filters.category_ids]
        if self.filters.q:
            filters["search"] = [self.filters.q]
        return Document(
            kind=self.kind,
            title=KIND_TITLES[self.kind],
            organization=self.organization,
            period_label=self.period.label,
            period_start=self.period.start,
            period_end=self.period.end,
            generated_at=self.generated_at,
            filters=filters,
        )


def bucket_of(column: Any, buckets: tuple[Bucket, ...]) -> ColumnElement[str]:
    """The label of the bucket a date falls in (the date is already within the buckets)."""
    if len(buckets) == 1:
        return literal(buckets[0].label)
    return case(
        *((column <= bucket.end, literal(bucket.label)) for bucket in buckets[:-1]),
        else_=literal(buckets[-1].label),
    )


def money_in(amount: Any) -> Any:
    return func.coalesce(func.sum(amount).filter(amount > 0), 0)


def money_out(amount: Any) -> Any:
    return func.coalesce(-func.sum(amount).filter(amount < 0), 0)


def merchant_name(base: Any) -> Any:
    """The merchant's display name (analytics' merchant, as the merchants page shows it), else
    the merchant typed on the transaction, else its description: one name everywhere. Select
    it `.select_from(with_merchants(base))`."""
    return func.coalesce(Merchant.name, base.c.merchant, base.c.description)


def with_merchants(base: Any) -> Any:
    """`base` with each row's merchant (one join, not a lookup per row)."""
    return base.outerjoin(Merchant, Merchant.id == base.c.merchant_id)


def zero() -> Decimal:
    return Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
