"""The column-mapping editor's form: field values to a mapping the API takes, and back."""

from __future__ import annotations

from datetime import datetime
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
    "date_format": "",  # not chosen yet: guessed from the file's dates
    "sign_convention": "negative_is_outflow",
    # Blank: not chosen yet; the preview guesses them from the file and the editor shows that.
    "decimal_separator": "",
    "delimiter": "",
    "quotechar": "",
    "skip_rows": "0",
}
DIALECT_FIELDS = ("delimiter", "quotechar", "decimal_separator")


def mapping_values(form: dict[str, Any]) -> dict[str, str]:
    """The editor's fields, defaults filled in."""
    values = {**DEFAULTS, **{name: "" for name in COLUMN_FIELDS}}
    # A tab is a separator, not blank.
    values.update(
        {k: "\t" if str(v) == "\t" else str(v).strip() for k, v in form.items() if k in values}
    )
    return values


def dialect_fields(values: dict[str, str]) -> dict[str, str]:
    """How to split the file, as the preview API takes it: only what was chosen."""
    fields = {name: values[name] for name in DIALECT_FIELDS if values.get(name)}
    if values.get("skip_rows", "").isdecimal():
        fields["skip_rows"] = values["skip_rows"]
    return fields


def with_dialect(values: dict[str, str], dialect: dict[str, str] | None) -> dict[str, str]:
    """Fill the separator, quote and decimal mark the person has not chosen with the guess."""
    if not dialect:
        return values
    return {**values, **{n: values[n] or dialect[n] for n in DIALECT_FIELDS if n in dialect}}


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
        "date_format": values["date_format"] or "%m/%d/%Y",
        "description_column": values["description_column"],
        "sign_convention": values["sign_convention"],
        "decimal_separator": values["decimal_separator"] or ".",
        "delimiter": values["delimiter"] or ",",
        "quotechar": values["quotechar"] or '"',
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


def guess_date_format(values: dict[str, str], sample: list[list[str]]) -> dict[str, str]:
    """Unless chosen, the first of DATE_FORMATS that reads every cell of some column of the
    sample (31.01.2026 -> DD.MM.YYYY), so a German export previews right at once."""
    if values["date_format"] or not sample:
        return values
    for date_format in DATE_FORMATS:
        for at in range(len(sample[0])):
            cells = [row[at] for row in sample if at < len(row) and row[at]]
            if cells and all(_reads(cell, date_format) for cell in cells):
                return {**values, "date_format": date_format}
    return {**values, "date_format": "%m/%d/%Y"}


def _reads(cell: str, date_format: str) -> bool:
    try:
        datetime.strptime(cell, date_format)
    except ValueError:
        return False
    return True
