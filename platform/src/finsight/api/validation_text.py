"""Pydantic's validation messages, said in words a person acts on.

Pydantic writes for developers ("Input should be a valid decimal", "Value error, ..."); these
messages reach people through the dashboard's forms, so the API says them plainly once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Pydantic error type -> what was expected. Types not listed keep pydantic's message, which
# for them already reads as words ("String should have at most 100 characters").
_EXPECTED = {
    "missing": "required",
    "decimal_parsing": "expected an amount such as 1234.56",
    "decimal_type": "expected an amount such as 1234.56",
    "float_parsing": "expected a number such as 0.5",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "uuid_parsing": "expected an id such as 0192f0c4-...",
    "uuid_type": "expected an id such as 0192f0c4-...",
    "date_parsing": "expected a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "expected a date as YYYY-MM-DD",
    "date_type": "expected a date as YYYY-MM-DD",
    "datetime_parsing": "expected a date and time as YYYY-MM-DDTHH:MM:SSZ",
    "datetime_from_date_parsing": "expected a date and time as YYYY-MM-DDTHH:MM:SSZ",
    "json_invalid": "the request body is not valid JSON",
    "string_type": "expected text",
    "list_type": "expected a list",
    "dict_type": "expected an object",
    "model_attributes_type": "expected an object",
    "extra_forbidden": "not a field of this request",
}


def in_words(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "value_error":  # our own validators: their text is already for people
        return str(context.get("error") or error["msg"]).removeprefix("Value error, ")
    if kind == "decimal_max_places":
        return f"at most {context.get('decimal_places')} decimal places"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "too large an amount"
    if kind in ("literal_error", "enum"):
        return f"expected {context.get('expected', 'one of the listed values')}"
    return _EXPECTED.get(kind, str(error["msg"]))
