"""Transfers between the organization's own accounts, found after every import.

An outflow on one account pairs with an inflow of the same absolute amount and currency on
another account within 0-3 days. Both sides get one transfer_id and, unless a person chose the
category, "Transfers > Credit card payment" (a side is a credit card) or "Transfers > Account
transfer", with category_source 'rule'. Reports leave out rows with a transfer_id; `excluded`
is left as it is. Only live, settled (not pending), unpaired rows of live accounts take part.

Matching is greedy by (day gap, outflow id, inflow id): closest dates first, one-to-one. All in
SQL, in three steps over temporary tables of the transaction:
1. candidates: the rows that may take part, copied once and ANALYZEd;
2. edges: every outflow-inflow pair inside the window (a hash join on currency, amount and day);
3. rounds: one statement pairs every edge that is the best of both its sides ("mutual best", by
   window functions) and drops the edges of the rows it paired. The globally best edge left is
   always mutual best, so every round pairs at least one; a second round is needed only when
   equal transfers compete.
Why the copy: right after an import the table's statistics do not know its new rows, and
estimates over expressions such as -amount are guesses anyway; one bad guess on a million rows
turns a hash join into hours of nested loops. The analyzed copy makes every estimate true.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from finsight.categories.tree import load_tree, system_ids

WINDOW_DAYS = 3

# The only statement that reads `transactions`: a plain scan whose plan cannot go wrong even
# on statistics that do not know yet of the rows the running import just wrote.
_CANDIDATES = """
CREATE TEMPORARY TABLE transfer_rows ON COMMIT DROP AS
SELECT t.id, t.account_id, t.transaction_date AS day, t.currency, abs(t.amount) AS size,
       t.amount < 0 AS outflow, a.type = 'credit_card' AS card
  FROM transactions t
  JOIN accounts a ON a.id = t.account_id AND a.deleted_at IS NULL
 WHERE t.deleted_at IS NULL AND t.transfer_id IS NULL AND NOT t.pending AND t.amount <> 0
   AND t.transaction_date >= CAST(:since AS date)
"""

# Each outflow once per day shift, so the day is part of the hash join's key.
_EDGES = """
CREATE TEMPORARY TABLE transfer_edges ON COMMIT DROP AS
SELECT o.id AS out_id, i.id AS in_id, abs(shift.days) AS gap, o.card OR i.card AS card
  FROM transfer_rows o
 CROSS JOIN generate_series(-CAST(:window AS integer), CAST(:window AS integer)) AS shift(days)
  JOIN transfer_rows i
    ON i.currency = o.currency AND i.size = o.size AND i.day = o.day + shift.days
   AND NOT i.outflow AND i.account_id <> o.account_id
 WHERE o.outflow
   AND (CAST(:accounts AS uuid[]) IS NULL
        OR o.account_id = ANY(CAST(:accounts AS uuid[]))
        OR i.account_id = ANY(CAST(:accounts AS uuid[])))
"""

_PAIR_ROUND = """
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY out_id ORDER BY gap, in_id) AS out_rank,
              row_number() OVER (PARTITION BY in_id ORDER BY gap, out_id) AS in_rank
      FROM transfer_edges
),
chosen AS MATERIALIZED (
    SELECT out_id, in_id, card, gen_random_uuid() AS transfer_id
      FROM ranked
     WHERE out_rank = 1 AND in_rank = 1
),
sides AS (
    SELECT out_id AS id, transfer_id, card FROM chosen
    UNION ALL
    SELECT in_id, transfer_id, card FROM chosen
),
paired AS (
    UPDATE transactions t
       SET transfer_id = s.transfer_id,
           category_id = CASE WHEN 'category_id' = ANY(t.user_fields) THEN t.category_id
                              ELSE coalesce(CASE WHEN s.card THEN CAST(:card_category AS uuid)
                                                 ELSE CAST(:transfer_category AS uuid) END,
                                            t.category_id) END,
           category_source = CASE WHEN 'category_id' = ANY(t.user_fields) THEN t.category_source
                                  ELSE 'rule' END,
           -- a model's confidence or another rule's id would describe a choice no longer made
           category_confidence = CASE WHEN 'category_id' = ANY(t.user_fields)
                                      THEN t.category_confidence END,
           category_rule_id = CASE WHEN 'category_id' = ANY(t.user_fields)
                                   THEN t.category_rule_id END,
           updated_at = now()
      FROM sides s
     WHERE t.id = s.id
),
spent AS (
    DELETE FROM transfer_edges
     WHERE out_id IN (SELECT out_id FROM chosen) OR in_id IN (SELECT in_id FROM chosen)
)
SELECT count(*) FROM chosen
"""

_DROP = "DROP TABLE IF EXISTS transfer_rows, transfer_edges"


def detect_transfers(
    session: Session,
    *,
    account_ids: list[uuid.UUID] | None = None,
    since: date | None = None,
) -> int:
    """Pair transfers; returns the number of pairs made. `account_ids`: only pairs with a side
    on one of them (the accounts just imported into). `since`: only transactions from that
    day (less the 3-day window) on. Runs in the caller's transaction."""
    system = system_ids(load_tree(session))
    session.execute(text(_DROP))
    start = since - timedelta(days=WINDOW_DAYS) if since else date.min
    session.execute(text(_CANDIDATES), {"since": start})
    session.execute(text("ANALYZE transfer_rows"))
    accounts = [str(a) for a in account_ids] if account_ids is not None else None
    session.execute(text(_EDGES), {"window": WINDOW_DAYS, "accounts": accounts})
    categories = {
        "card_category": system.get(("transfers", "credit card payment")),
        "transfer_category": system.get(("transfers", "account transfer")),
    }
    pairs = 0
    while True:
        made = int(session.execute(text(_PAIR_ROUND), categories).scalar_one())
        if not made:
            session.execute(text(_DROP))
            return pairs
        pairs += made
