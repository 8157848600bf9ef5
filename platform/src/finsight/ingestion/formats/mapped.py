"""Any CSV, read through the account's saved ColumnMapping."""

from __future__ import annotations

from finsight.ingestion.formats.layouts import AmountRule, Layout
from finsight.ingestion.formats.values import strptime_date
from finsight.ingestion.mapping import ColumnMapping

# ColumnMapping field -> the engine's role.
_ROLES = {
    "date_column": "date",
    "posted_date_column": "posted",
    "amount_column": "amount",
    "debit_column": "debit",
    "credit_column": "credit",
    "description_column": "description",
    "category_column": "category",
    "id_column": "id",
    "currency_column": "currency",
}


def mapped_layout(mapping: ColumnMapping) -> Layout:
    rule: AmountRule
    if mapping.amount_column:
        rule = "flipped" if mapping.sign_convention == "positive_is_outflow" else "signed"
    else:
        rule = "debit_credit"
    return Layout(
        format="csv_mapped",
        institution=None,
        columns={_ROLES[name]: column for name, column in mapping.columns().items()},
        labels={role: name for name, role in _ROLES.items()},
        amount_rule=rule,
        date_parser=strptime_date(mapping.date_format),
        date_expected=f"{mapping.date_format} (the mapping's date_format)",
        delimiter=mapping.delimiter,
        quotechar=mapping.quotechar,
        decimal_separator=mapping.decimal_separator,
        title=f"the mapping '{mapping.name}'",
    )
