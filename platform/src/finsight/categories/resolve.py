"""A bank's category string -> a category id, over a lookup built by `bank_mapping.build_lookup`.

Pure: no database and no ORM, so the import's parser process (finsight.ingestion.producer) uses
it without paying for importing them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable


def normalize_key(text: str) -> str:
    """Case and spacing do not matter: "Travel/Entertainment" is "Travel/ Entertainment"."""
    return " ".join(text.split()).casefold().replace("/ ", "/").replace(" /", "/")


def lookup_resolver(
    lookup: dict[str, uuid.UUID | None],
) -> Callable[[str | None], uuid.UUID | None]:
    """The function that maps a bank's category string to a category id, or None when nothing
    matches (the row stays uncategorized). Called once per row: a dictionary look-up."""
    seen: dict[str, uuid.UUID | None] = {}

    def resolve(bank_category: str | None) -> uuid.UUID | None:
        if not bank_category:
            return None
        try:
            return seen[bank_category]
        except KeyError:
            found = seen[bank_category] = lookup.get(normalize_key(bank_category))
            return found

    return resolve
