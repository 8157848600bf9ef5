"""The registry of columns that hold envelope-encrypted secrets, and their rotation.

A domain that stores a secret declares its column in its `domain.py`:

    DOMAIN = Domain("plaid", ..., secret_columns=(("tenant", "plaid_items", "access_token"),))

(or registers one at run time with `register(SecretColumn(...))`), and `finsight secrets
rotate` rewraps every registered column, in the platform schema or in
every tenant's schema, to the active key (or the one named). Only the data keys are rewrapped;
the encrypted secrets themselves are not touched, and no plaintext leaves this process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from finsight.crypto.envelope import Envelope, Sealed

Scope = Literal["platform", "tenant"]
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class SecretColumn:
    scope: Scope
    table: str
    column: str
    # A unique column identifying the row (the update is compare-and-set on it and the value).
    key_column: str = "id"

    def __post_init__(self) -> None:
        for name in (self.table, self.column, self.key_column):
            if not _IDENTIFIER.fullmatch(name):
                raise ValueError(f"not a plain SQL identifier: {name!r}")

    @property
    def label(self) -> str:
        return f"{self.scope}:{self.table}.{self.column}"


SECRET_COLUMNS: list[SecretColumn] = []


def register(column: SecretColumn) -> SecretColumn:
    if column not in SECRET_COLUMNS:
        SECRET_COLUMNS.append(column)
    return column


def registered_columns() -> list[SecretColumn]:
    """Every domain's declared columns, then those registered at run time."""
    from finsight.domains import all_domains

    declared = [
        SecretColumn(scope, table, column)  # type: ignore[arg-type]  # checked below
        for domain in all_domains()
        for scope, table, column in domain.secret_columns
    ]
    for column in declared:
        if column.scope not in ("platform", "tenant"):
            raise ValueError(f"{column.label}: scope must be 'platform' or 'tenant'")
    return declared + [c for c in SECRET_COLUMNS if c not in declared]


def unregister(column: SecretColumn) -> None:
    if column in SECRET_COLUMNS:
        SECRET_COLUMNS.remove(column)


def rotate_column(
    bind: Session | Connection, column: SecretColumn, envelope: Envelope, kid: str, *, schema: str
) -> int:
    """Rewrap, in the caller's transaction, every value of `column` in `schema` not yet under
    key `kid`; returns how many rows changed. A value changed meanwhile by someone else is left
    alone (compare-and-set), and the next rotation takes it."""
    table = f"{schema}.{column.table}"
    if bind.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
        return 0  # a tenant not yet migrated to the release that added the column
    rows = bind.execute(
        text(
            f"SELECT {column.key_column} AS k, {column.column} AS v FROM {table} "  # noqa: S608
            f"WHERE {column.column} IS NOT NULL FOR UPDATE"
        )
    ).all()
    changed = 0
    for row in rows:
        # A text column holds the sealed string; a bytea one (TOTP secrets) its ASCII bytes.
        stored = bytes(row.v) if isinstance(row.v, bytes | memoryview) else None
        sealed = stored.decode() if stored is not None else row.v
        if Sealed.parse(sealed).kid == kid:
            continue
        rewrapped = envelope.rewrap(sealed, kid)
        result = bind.execute(
            text(
                f"UPDATE {table} SET {column.column} = :new "  # noqa: S608
                f"WHERE {column.key_column} = :k AND {column.column} = :old"
            ),
            {
                "new": rewrapped.encode() if stored is not None else rewrapped,
                "k": row.k,
                "old": stored if stored is not None else row.v,
            },
        )
        changed += int(getattr(result, "rowcount", 0) or 0)
    return changed
