"""The column-mapping editor's form: field values to a mapping the API takes, and back."""

from __future__ import annotations

from typing import Any

FORMAT_TITLES = {
    "chase_card": "Chase credit card (CSV)",
    "chase_checking": "Chase checking (CSV)",
    "discover": "Discover (CSV)",
    "capital_one_card": "Capital One credit card (CSV)",
    "capital_one_360": "Capital One 360 (CSV)",
    "ofx": "OFX / QFX",
    "qif": "QIF",
    "csv_mapped": "Other CSV (map its columns)",
}
DATE_FORMATS = {
    "%m/%d/%Y": "MM/DD/YYYY (01/31/2026)",
    "%m/%d/%y": "MM/DD/YY (01/31/26)",
    "%d/%m/%Y": "DD/MM/YYYY (31/01/2026)",
    "%d.%m.%Y": "DD.MM.YYYY (31.01.2026)",
    "%Y-%m-%d": "YYYY-MM-DD (2026-01-31)",
    "%Y/%m/%d": "YYYY/MM/DD (2026/01/31)",
    "%d %b %Y": "DD Mon YYYY (31 Jan 2026)",
}
COLUMN_FIELDS = (
    "date_column",
    "posted_date_column",
    "amount_column",
    "debit_column",
    "credit_column",
    "description_column",
    "category_column",
    "id_column",
)
DEFAULTS = {
    "name": "",
    "amount_mode": "single",
    "date_format": "%m/%d/%Y",
    "sign_convention": "negative_is_outflow",
    "decimal_separator": ".",
    "delimiter": ",",
    "skip_rows": "0",
}


def mapping_values(form: dict[str, Any]) -> dict[str, str]:
    """The editor's fields, defaults filled in."""
    values = {**DEFAULTS, **{name: "" for name in COLUMN_FIELDS}}
    values.update({k: str(v).strip() for k, v in form.items() if k in values})
    return values


def mapping_from_form(values: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """A ColumnMapping body for the API, or None and what is missing. The API validates the
    rest (and names the field); this only catches what the editor can say more kindly."""
    if not values["date_column"] and not values["description_column"]:
        return None, None  # nothing chosen yet: show the file only
    missing = [
        label
        for field, label in (
            ("name", "a name for this mapping"),
            ("date_column", "the date column"),
            ("description_column", "the description column"),
        )
        if not values[field]
    ]
    single = values["amount_mode"] == "single"
    if single and not values["amount_column"]:
        missing.append("the amount column")
    if not single and not (values["debit_column"] and values["credit_column"]):
        missing.append("both the money-out and money-in columns")
    if missing:
        return None, "Choose " + ", ".join(missing) + "."
    mapping: dict[str, Any] = {
        "name": values["name"],
        "date_column": values["date_column"],
        "date_format": values["date_format"],
        "description_column": values["description_column"],
        "sign_convention": values["sign_convention"],
        "decimal_separator": values["decimal_separator"],
        "delimiter": values["delimiter"] or ",",
        "skip_rows": int(values["skip_rows"]) if values["skip_rows"].isdecimal() else 0,
    }
    if single:
        mapping["amount_column"] = values["amount_column"]
    else:
        mapping["debit_column"] = values["debit_column"]
        mapping["credit_column"] = values["credit_column"]
    for optional in ("posted_date_column", "category_column", "id_column"):
        if values[optional]:
            mapping[optional] = values[optional]
    return mapping, None
