"""The CSV engine every CSV format shares: a Layout names the columns, `_rows` streams them.

The per-row loop is the hot path of a large import, so it is written
flat: one itemgetter pulls every cell, dates come from a cache, amounts go straight to Decimal.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

from finsight.ingestion.formats.layouts import Layout, header_cells, normal_name
from finsight.ingestion.formats.text import ByteSource, lines
from finsight.ingestion.formats.values import (
    FORMULA_STARTS,
    DateCache,
    date_message,
    money_message,
    parse_money,
    shown,
    text_warning,
)
from finsight.ingestion.records import ParsedStatement, RowIssue, StatementError, StatementRow

if TYPE_CHECKING:
    from _csv import Reader

# The order in which `rows` unpacks a row; "account" only feeds ParsedStatement.account_hint.
ROLES = (
    "date", "posted", "description", "amount", "debit", "credit", "category",
    "type", "id", "currency", "check", "balance", "memo", "account",
)  # fmt: skip
_DIRECTIONS = {"debit": -1, "withdrawal": -1, "credit": 1, "deposit": 1}
_NOT_A_NUMBER = Decimal("NaN")


def parse_csv(source: ByteSource, layout: Layout, *, skip_rows: int = 0) -> ParsedStatement:
    text = lines(source.chunks())
    for skipped in range(skip_rows):
        if next(text, None) is None:
            raise StatementError(
                f"the file has only {skipped} lines; the mapping skips {skip_rows}"
            )
    reader = csv.reader(text, delimiter=layout.delimiter, quotechar=layout.quotechar, strict=False)
    header, header_line = _header(reader, skip_rows)
    index, names = _resolve(layout, header, header_line)
    statement = ParsedStatement(layout.format, layout.institution, None, None, iter(()))
    hint: list[str] = []
    width = len(header_cells(header))
    rows = _rows(reader, layout, _Plan(index, names, width), statement.warnings, hint, skip_rows)
    first = next(rows, None)
    if first is None:
        raise StatementError("no transactions: the file has a header but no rows", line=header_line)
    statement.account_hint = hint[0] if hint and hint[0] else None
    statement.rows = chain((first,), rows)
    return statement


def _header(reader: Reader, base: int) -> tuple[list[str], int]:
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                return cells, base + reader.line_num
    except csv.Error as error:
        raise StatementError(f"unreadable header ({error})", line=base + 1) from None
    raise StatementError("empty file" if base == 0 else "empty file after the skipped rows")


def _resolve(layout: Layout, header: list[str], line: int) -> tuple[dict[str, int], dict[str, str]]:
    """Role -> cell index (-1 when absent) and role -> header name as written, for messages."""
    positions = {normal_name(cell): at for at, cell in enumerate(header) if cell.strip()}
    index = dict.fromkeys(ROLES, -1)
    names: dict[str, str] = {}
    missing = []
    for role, column in layout.columns.items():
        at = positions.get(normal_name(column))
        if at is None:
            if role not in layout.optional:
                label = layout.labels.get(role)
                missing.append(f"'{column}'" + (f" ({label})" if label else ""))
            continue
        index[role], names[role] = at, header[at].strip()
    if missing:
        listed = ", ".join(missing)
        found = ",".join(cell.strip() for cell in header)
        expected = "" if layout.labels else f"; expected a header like: {layout.header_text()}"
        raise StatementError(
            f"missing column{'s' if len(missing) > 1 else ''} {listed} for {layout.name} "
            f"(the header is {shown(found, 200)}){expected}",
            line=line,
        )
    return index, names


@dataclass(frozen=True)
class _Plan:
    index: dict[str, int]  # role -> cell index, -1 when the file lacks the column
    names: dict[str, str]  # role -> header name as written, for messages
    width: int  # cells in the header


def _rows(
    reader: Reader,
    layout: Layout,
    plan: _Plan,
    warnings: list[RowIssue],
    hint: list[str],
    base: int,
) -> Iterator[StatementRow | RowIssue]:
    index, names, width = plan.index, plan.names, plan.width
    last = base + reader.line_num
    get = itemgetter(*(index[role] for role in ROLES))  # -1 picks the blank appended to each row
    dates = DateCache(layout.date_parser)
    known = dates.known
    rule, decimal = layout.amount_rule, layout.decimal_separator
    quick = rule in ("signed", "flipped") and decimal == "."
    flipped = rule == "flipped"
    account_at = index["account"]
    formula = FORMULA_STARTS
    row, issue = StatementRow, RowIssue
    try:
        for cells in reader:
            line = last + 1
            last = base + reader.line_num
            if len(cells) != width and (len(cells) < width or any(cells[width:])):
                # Blank lines are skipped; empty cells past the header are trailing commas.
                if any(cell.strip() for cell in cells):
                    yield issue(
                        line, None, f"expected {width} cells as in the header, found {len(cells)}"
                    )
                continue
            if account_at >= 0:
                hint.append(cells[account_at].strip())
                account_at = -1
            cells.append("")
            (t_date, p_date, desc, amt, debit, credit, cat, kind, bank_id, cur, check, bal,
             memo, _) = get(cells)  # fmt: skip

            when = known.get(t_date)
            if when is None:
                when = dates(t_date)
                if when is None:
                    if any(cell.strip() for cell in cells):
                        yield issue(line, names["date"], date_message(t_date, layout.date_expected))
                    continue
            posted = None
            if p_date:
                posted = known.get(p_date)
                if posted is None and p_date.strip():
                    posted = dates(p_date)
                    if posted is None:
                        message = date_message(p_date, layout.date_expected)
                        yield issue(line, names["posted"], message)
                        continue

            if quick:
                try:
                    amount = Decimal(amt)
                except InvalidOperation:
                    amount = _NOT_A_NUMBER
                # Decimal() also takes 'NaN', '1e5', '25' and 30-digit numbers; those take
                # the careful path.
                if amt[-3:-2] != "." or len(amt) > 16 or not amount.is_finite():
                    careful = parse_money(amt)
                    if careful is None:
                        yield issue(line, names["amount"], money_message(amt))
                        continue
                    amount = careful
            else:
                outcome = _amount(layout, line, names, amt, debit, credit, kind)
                if isinstance(outcome, RowIssue):
                    yield outcome
                    continue
                amount = outcome
            if flipped:
                amount = -amount
            if not amount:
                amount = abs(amount)  # never negative zero

            description = " ".join(desc.split())
            if not description:
                yield issue(line, names["description"], "empty cell: expected a description")
                continue
            if desc[:1] in formula:
                warnings.append(text_warning(line, names["description"], desc))
            if cat[:1] in formula:
                warnings.append(text_warning(line, names["category"], cat))
            if memo[:1] in formula:
                warnings.append(text_warning(line, names["memo"], memo))

            balance = None
            if bal and bal.strip():
                balance = parse_money(bal, decimal)
                if balance is None:
                    yield issue(line, names["balance"], money_message(bal, decimal))
                    continue
            currency = None
            if cur:
                currency = cur.strip().upper()
                if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
                    yield issue(line, names["currency"], _currency_message(cur))
                    continue

            yield row(
                line, when, posted, amount, currency, description,
                bank_id.strip() or None, cat.strip() or None, kind.strip() or None,
                check.strip() or None, balance, memo.strip() or None,
            )  # fmt: skip
    except csv.Error as error:
        raise StatementError(f"unreadable CSV ({error})", line=last + 1) from None


def _amount(
    layout: Layout,
    line: int,
    names: dict[str, str],
    amt: str,
    debit: str,
    credit: str,
    kind: str,
) -> Decimal | RowIssue:
    """Every amount rule but the quick signed one: comma decimals, debit/credit, by type."""
    decimal = layout.decimal_separator
    if layout.amount_rule in ("signed", "flipped"):
        amount = parse_money(amt, decimal)
        return (
            amount
            if amount is not None
            else RowIssue(line, names["amount"], money_message(amt, decimal))
        )
    if layout.amount_rule == "by_type":
        direction = _DIRECTIONS.get(kind.strip().casefold())
        if direction is None:
            return RowIssue(
                line, names["type"], f"unknown type {shown(kind)}: expected Debit or Credit"
            )
        amount = parse_money(amt, decimal)
        if amount is None:
            return RowIssue(line, names["amount"], money_message(amt, decimal))
        return abs(amount) * direction
    # Debit is money out, Credit money in, both written unsigned; a zero in the other cell
    # is as good as a blank one.
    out = parse_money(debit, decimal) if debit.strip() else None
    into = parse_money(credit, decimal) if credit.strip() else None
    if out is None and debit.strip():
        return RowIssue(line, names["debit"], money_message(debit, decimal))
    if into is None and credit.strip():
        return RowIssue(line, names["credit"], money_message(credit, decimal))
    if out and into:
        return RowIssue(
            line,
            names["debit"],
            f"both {names['debit']} and {names['credit']} hold an amount: expected only one",
        )
    if out is None and into is None:
        return RowIssue(
            line,
            names["debit"],
            f"empty {names['debit']} and {names['credit']}: expected an amount in one of them",
        )
    return -abs(out) if out else abs(into or Decimal("0.00"))


def _currency_message(value: str) -> str:
    return f"invalid currency {shown(value)}: expected an ISO 4217 code like USD"
