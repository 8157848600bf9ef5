"""Keyset cursors: what page_of writes, the readers take back; anything else is a 422."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from finsight.api.pagination import cursor_date_id, cursor_id, encode_cursor
from finsight.errors import InvalidInput


def test_a_date_and_id_cursor_round_trips() -> None:
    row = uuid.uuid4()
    cursor = encode_cursor({"d": "2025-03-01", "id": str(row)})
    assert cursor_date_id(cursor, "d") == (date(2025, 3, 1), row)
    assert cursor_id(cursor) == row
    assert cursor_date_id(None, "d") is None


@pytest.mark.parametrize(
    "key", [{"id": "x"}, {"d": "yesterday", "id": str(uuid.uuid4())}, {"d": "2025-03-01"}]
)
def test_a_cursor_of_another_shape_names_the_field(key: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        cursor_date_id(encode_cursor(key), "d")
    assert [e["field"] for e in raised.value.errors] == ["cursor"]
