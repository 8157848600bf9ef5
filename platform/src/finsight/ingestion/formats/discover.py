"""Discover card exports."""

from __future__ import annotations

from finsight.ingestion.formats.layouts import Layout

# Purchases are POSITIVE and payments/credits negative: the opposite of our convention.
DISCOVER = Layout(
    format="discover",
    institution="discover",
    columns={
        "date": "Trans. Date",
        "posted": "Post Date",
        "description": "Description",
        "amount": "Amount",
        "category": "Category",
    },
    amount_rule="flipped",
)
