"""Chase exports: credit card activity and checking/savings activity."""

from __future__ import annotations

from finsight.ingestion.formats.layouts import Layout

# Purchases are negative, payments and returns positive. Newer exports start with a `Card`
# column (last four digits); older ones have no `Memo`.
CHASE_CARD = Layout(
    format="chase_card",
    institution="chase",
    columns={
        "account": "Card",
        "date": "Transaction Date",
        "posted": "Post Date",
        "description": "Description",
        "category": "Category",
        "type": "Type",
        "amount": "Amount",
        "memo": "Memo",
    },
    optional=frozenset({"account", "category", "memo"}),
)

# Every data row ends in a trailing comma (one more cell than the header); debits are
# negative; Balance is blank for some rows. `Type` (ACH_DEBIT, DEBIT_CARD ...) is the bank's
# type; `Details` (DEBIT, CREDIT, CHECK, DSLIP) only repeats the sign.
CHASE_CHECKING = Layout(
    format="chase_checking",
    institution="chase",
    columns={
        "details": "Details",
        "date": "Posting Date",
        "posted": "Posting Date",
        "description": "Description",
        "amount": "Amount",
        "type": "Type",
        "balance": "Balance",
        "check": "Check or Slip #",
    },
    optional=frozenset({"check"}),
)
