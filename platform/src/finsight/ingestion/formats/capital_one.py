"""Capital One exports: credit cards and 360 checking/savings."""

from __future__ import annotations

from finsight.ingestion.formats.layouts import Layout
from finsight.ingestion.formats.values import iso_date

# Unsigned: Debit is money out, Credit money in, the other cell blank. ISO dates.
CAPITAL_ONE_CARD = Layout(
    format="capital_one_card",
    institution="capital_one",
    columns={
        "date": "Transaction Date",
        "posted": "Posted Date",
        "account": "Card No.",
        "description": "Description",
        "category": "Category",
        "debit": "Debit",
        "credit": "Credit",
    },
    amount_rule="debit_credit",
    date_parser=iso_date,
    date_expected="YYYY-MM-DD",
)

_360_COLUMNS = {
    "account": "Account Number",
    "description": "Transaction Description",
    "date": "Transaction Date",
    "type": "Transaction Type",
    "amount": "Transaction Amount",
    "balance": "Balance",
}

# The current 360 export: unsigned amounts (sometimes without decimals), the direction in
# Transaction Type (Debit or Credit), MM/DD/YY dates.
CAPITAL_ONE_360 = Layout(
    format="capital_one_360",
    institution="capital_one",
    columns=_360_COLUMNS,
    amount_rule="by_type",
    date_expected="MM/DD/YY",
    ordered=True,
)

# The older 360 export has the same names in another order, and signed amounts.
CAPITAL_ONE_360_SIGNED = Layout(
    format="capital_one_360",
    institution="capital_one",
    columns={
        role: _360_COLUMNS[role]
        for role in ("account", "date", "amount", "type", "description", "balance")
    },
    date_expected="MM/DD/YY",
    ordered=True,
)
