"""Merchants as stored: the analytics step that keys transactions and groups keys into
merchants, and a person's edits (rename, merge, split). Never commits.

A transaction's merchant key comes from the merchant a person typed (when `merchant` is one of
its user fields) or else from the cleaned descriptor (`clean_descriptor`). Keys are grouped
into merchants by `group_merchants`; what a person decided wins over what grouping finds:

- a renamed merchant (`name_source = 'user'`) keeps its name;
- keys a person moved (merge, split) are pinned and no run moves them again;
- an incremental run (after an import) only places the import's new keys, next to the existing
  merchant grouping puts them with; a full run re-groups every unpinned key.

Runs and edits of one tenant take the same advisory lock: a run computes where keys go from
what it read, so an edit in between would be overwritten.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from finsight.analytics.descriptors import clean_descriptor, descriptor_key
from finsight.analytics.merchants import MerchantGroup, block_key, group_merchants
from finsight.analytics.models import AnalyticsRun, Merchant, MerchantKey
from finsight.analytics.steps import RunScope
from finsight.kit.models import new_id
from finsight.kit.query import advisory_xact_lock

__all__ = [
    "LOCK_KEY",
    "MAX_NAME",
    "Placement",
    "Plan",
    "lock_merchants",
    "place_new_keys",
    "regroup",
    "run_merchants",
    "source_key",
    "sync_merchant_names",
]

LOCK_KEY = "finsight.analytics.merchants:"
MAX_NAME = 200  # the merchants.name CHECK

# The text a row's merchant key comes from, in SQL. The same expressions select the distinct
# sources (keyed once each in Python) and join the keys back onto the rows, so every row with a
# given source gets the same key without a million round trips.
_USER_SET = "('merchant' = ANY(t.user_fields) AND coalesce(btrim(t.merchant), '') <> '')"
_SOURCE = (
    f"CASE WHEN {_USER_SET} THEN t.merchant "
    "ELSE coalesce(nullif(btrim(t.merchant), ''), t.description) END"
)
# SQL here is built only from these constants (values are bound parameters), hence the S608
# exemptions below.
# A full run keys what has no key yet, and re-keys what a person may have retyped.
_FULL_SCOPE = "(t.merchant_key IS NULL OR 'merchant' = ANY(t.user_fields))"
_BATCH_SCOPE = "t.import_batch_id = :batch"


def lock_merchants(session: Session) -> None:
    advisory_xact_lock(session, LOCK_KEY, per_schema=True)


def source_key(source: str, user_set: bool) -> tuple[str, str]:
    """(key, display) of a row's merchant source. A person's text is only normalised (they
    chose the name); a bank's goes through the cleaner. A name without a-z letters or digits
    ("カフェ") still gets a key: its case-folded text."""
    if user_set:
        display = " ".join(source.split())[:MAX_NAME]
        return descriptor_key(display) or display.casefold(), display
    clean = clean_descriptor(source)
    return clean.key or clean.display.casefold(), clean.display[:MAX_NAME]


_Display = Callable[[str], str]  # a key's display spelling


@dataclass
class Placement:
    merchant_id: uuid.UUID
    pinned: bool


@dataclass
class Plan:
    """What a run writes: new merchants, key placements and cleaner names."""

    new_merchants: dict[uuid.UUID, str]
    placements: dict[str, uuid.UUID]  # key -> merchant, only where it changes or is new
    renames: dict[uuid.UUID, str]


def run_merchants(session: Session, run: AnalyticsRun, scope: RunScope) -> dict[str, int]:
    lock_merchants(session)
    batch = scope.import_batch_id
    params: dict[str, object]
    where, params = (_BATCH_SCOPE, {"batch": batch}) if batch is not None else (_FULL_SCOPE, {})
    displays, keyed = _assign_keys(session, where, params)
    existing: dict[str, Placement] = {}
    stored_display: dict[str, str] = {}
    for key, merchant_id, pinned, display in session.execute(
        select(MerchantKey.key, MerchantKey.merchant_id, MerchantKey.pinned, MerchantKey.display)
    ):
        existing[key] = Placement(merchant_id, pinned)
        stored_display[key] = display

    def display_of(key: str) -> str:
        found = displays.get(key)
        return found.most_common(1)[0][0] if found else stored_display.get(key, key)

    if batch is not None:
        # Every row of the batch was just keyed: its keys' counts are the spellings' counts.
        in_use = Counter({key: spellings.total() for key, spellings in displays.items()})
        plan = place_new_keys(in_use, existing, display_of)
        unused: list[str] = []
    else:
        in_use = _key_counts(session)
        names = dict(
            session.execute(
                select(Merchant.id, Merchant.name).where(Merchant.name_source == "cleaner")
            ).all()
        )
        plan = regroup(in_use, existing, display_of, names)
        unused = [k for k, found in existing.items() if not found.pinned and k not in in_use]
    counts = _write(session, plan, existing, display_of, unused)
    assigned = session.execute(
        text(
            "UPDATE transactions t SET merchant_id = k.merchant_id, merchant_name = m.name "  # noqa: S608
            "FROM merchant_keys k JOIN merchants m ON m.id = k.merchant_id "
            "WHERE t.merchant_key = k.key AND (t.merchant_id IS DISTINCT FROM k.merchant_id "
            "OR t.merchant_name IS DISTINCT FROM m.name)"
            f"{' AND ' + _BATCH_SCOPE if batch is not None else ''}"
        ),
        params,
    )
    return {
        "keyed": keyed,
        **counts,
        "assigned": assigned.rowcount,  # type: ignore[attr-defined]
        "merchants": session.scalar(select(func.count()).select_from(Merchant)) or 0,
    }


def _assign_keys(
    session: Session, where: str, params: dict[str, object]
) -> tuple[dict[str, Counter[str]], int]:
    """Set merchant_key on the rows in scope; each key's display spellings, with counts."""
    sources = session.execute(
        text(
            f"SELECT {_SOURCE} AS source, {_USER_SET} AS user_set, count(*) "  # noqa: S608
            f"FROM transactions t WHERE {where} GROUP BY 1, 2"
        ),
        params,
    ).all()
    displays: dict[str, Counter[str]] = {}
    texts: list[str] = []
    flags: list[bool] = []
    keys: list[str] = []
    for source, user_set, n in sources:
        if source is None:
            continue
        key, display = source_key(source, bool(user_set))
        displays.setdefault(key, Counter())[display] += n
        texts.append(source)
        flags.append(bool(user_set))
        keys.append(key)
    if not texts:
        return displays, 0
    result = session.execute(
        text(
            "UPDATE transactions t SET merchant_key = m.key FROM unnest("  # noqa: S608
            "CAST(:texts AS text[]), CAST(:flags AS boolean[]), CAST(:keys AS text[])"
            ") AS m(source, user_set, key) "
            f"WHERE {where} AND {_SOURCE} = m.source AND {_USER_SET} = m.user_set "
            "AND t.merchant_key IS DISTINCT FROM m.key"
        ),
        {**params, "texts": texts, "flags": flags, "keys": keys},
    )
    return displays, int(result.rowcount)  # type: ignore[attr-defined]


def _key_counts(session: Session) -> Counter[str]:
    """Each key's rows over the whole ledger."""
    rows = session.execute(
        text(
            "SELECT t.merchant_key, count(*) FROM transactions t "
            "WHERE t.merchant_key IS NOT NULL GROUP BY 1"
        )
    ).all()
    return Counter({key: int(n) for key, n in rows})


def _top(votes: Counter[uuid.UUID], skip: Iterable[uuid.UUID] = ()) -> uuid.UUID | None:
    """The merchant with most votes (ties: the smaller id, so reruns agree)."""
    skipped = set(skip)
    ranked = sorted((m for m in votes if m not in skipped), key=lambda m: (-votes[m], str(m)))
    return ranked[0] if ranked else None


def place_new_keys(
    in_use: Counter[str], existing: dict[str, Placement], display_of: _Display
) -> Plan:
    """Incremental: the batch's new keys join the merchant of the existing keys grouping puts
    them with. Grouping is per block (first letters), so only those blocks are compared."""
    new = Counter({k: n for k, n in in_use.items() if k not in existing})
    plan = Plan({}, {}, {})
    if not new:
        return plan
    blocks = {block_key(k) for k in new}
    pool = Counter({k: 1 for k in existing if block_key(k) in blocks})
    pool.update(new)
    for group in group_merchants(pool):
        fresh = [k for k in group.members if k in new]
        if not fresh:
            continue
        old = [existing[k] for k in group.members if k in existing]
        votes = Counter(found.merchant_id for found in old if not found.pinned)
        target = _top(votes) or _top(Counter(found.merchant_id for found in old))
        if target is None:
            target = new_id()
            canonical = min(fresh, key=lambda k: (-new[k], -len(k), k))
            plan.new_merchants[target] = display_of(canonical)
        for key in fresh:
            plan.placements[key] = target
    return plan


def regroup(
    in_use: Counter[str],
    existing: dict[str, Placement],
    display_of: _Display,
    cleaner_names: dict[uuid.UUID, str],
) -> Plan:
    """Full run: every key in use (and every pinned one) is grouped again. Unpinned keys of a
    group go to the merchant most of them (by transactions) belong to, one group per merchant,
    the biggest groups choosing first; a group whose merchants are taken gets a new one."""
    weights = Counter(in_use)
    for key, found in existing.items():
        if found.pinned and key not in weights:
            weights[key] = 0
    plan = Plan({}, {}, {})
    claimed: set[uuid.UUID] = set()
    groups: list[MerchantGroup] = sorted(group_merchants(weights), key=lambda g: (-g.count, g.name))
    for group in groups:
        loose = [k for k in group.members if k not in existing or not existing[k].pinned]
        if not loose:
            continue
        votes: Counter[uuid.UUID] = Counter()
        for key in loose:
            if key in existing:
                votes[existing[key].merchant_id] += max(1, weights[key])
        canonical = min(loose, key=lambda k: (-weights[k], -len(k), k))
        target = _top(votes, skip=claimed)
        if target is not None:
            claimed.add(target)
            name = display_of(canonical)
            if target in cleaner_names and cleaner_names[target] != name:
                plan.renames[target] = name
        else:
            pinned = Counter(
                existing[k].merchant_id for k in group.members if k in existing and k not in loose
            )
            target = _top(pinned)
            if target is None:
                target = new_id()
                plan.new_merchants[target] = display_of(canonical)
        for key in loose:
            if key not in existing or existing[key].merchant_id != target:
                plan.placements[key] = target
    return plan


def _write(
    session: Session,
    plan: Plan,
    existing: dict[str, Placement],
    display_of: _Display,
    unused: list[str],
) -> dict[str, int]:
    if plan.new_merchants:
        session.execute(
            insert(Merchant),
            [
                {"id": m, "name": name, "name_source": "cleaner"}
                for m, name in plan.new_merchants.items()
            ],
        )
    for merchant_id, name in plan.renames.items():
        # Guarded again here: a name a person chose is never replaced.
        session.execute(
            update(Merchant)
            .where(Merchant.id == merchant_id, Merchant.name_source == "cleaner")
            .values(name=name)
        )
    added = [k for k in plan.placements if k not in existing]
    moved = [k for k in plan.placements if k in existing]
    if added:
        session.execute(
            insert(MerchantKey),
            [
                {"key": k, "merchant_id": plan.placements[k], "display": display_of(k)}
                for k in added
            ],
        )
    if moved:
        session.execute(
            text(
                "UPDATE merchant_keys k SET merchant_id = m.merchant_id, updated_at = now() "
                "FROM unnest(CAST(:keys AS text[]), CAST(:ids AS uuid[])) AS m(key, merchant_id) "
                "WHERE k.key = m.key"
            ),
            {"keys": moved, "ids": [plan.placements[k] for k in moved]},
        )
    if unused:
        session.execute(delete(MerchantKey).where(MerchantKey.key.in_(unused)))
    removed = delete_empty_merchants(session)
    return {
        "new_keys": len(added),
        "moved_keys": len(moved),
        "dropped_keys": len(unused),
        "new_merchants": len(plan.new_merchants),
        "renamed_merchants": len(plan.renames),
        "deleted_merchants": removed,
    }


def sync_merchant_names(session: Session, merchant_ids: Iterable[uuid.UUID]) -> int:
    """Write these merchants' names onto their rows (after a rename, merge or split): the
    transactions domain shows `merchant_name` without reading analytics' tables."""
    ids = list(dict.fromkeys(merchant_ids))
    if not ids:
        return 0
    result = session.execute(
        text(
            "UPDATE transactions t SET merchant_name = m.name FROM merchants m "
            "WHERE m.id = ANY(CAST(:ids AS uuid[])) AND t.merchant_id = m.id "
            "AND t.merchant_name IS DISTINCT FROM m.name"
        ),
        {"ids": ids},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def delete_empty_merchants(session: Session) -> int:
    result = session.execute(
        text(
            "DELETE FROM merchants m "
            "WHERE NOT EXISTS (SELECT 1 FROM merchant_keys k WHERE k.merchant_id = m.id)"
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
