"""The list query's plans on a ledger big enough for the planner to care (60,000 rows).

Plans, not timings: the default listing and its next page walk ix_transactions_date, a
one-account listing ix_transactions_account_date, and search uses the GIN index.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.tenancy import tenant_session
from finsight.transactions import query as q
from finsight.transactions import service
from finsight.transactions.models import Transaction

from support.api import create_org

pytestmark = pytest.mark.integration

ROWS = 60_000

LEDGER = """
INSERT INTO transactions (id, account_id, transaction_date, amount, currency, description_raw,
                          description, fingerprint)
SELECT gen_random_uuid(), CASE WHEN n % 4 = 0 THEN CAST(:second AS uuid)
                               ELSE CAST(:first AS uuid) END,
       DATE '2020-01-01' + (n % 1500), round((random() * 200 - 150)::numeric, 2), 'USD',
       d, d, int4send(n)
  FROM generate_series(1, :rows) AS n,
       LATERAL (SELECT (ARRAY['STARBUCKS', 'SHELL OIL', 'WHOLEFDS MKT', 'TARGET'])[n % 4 + 1]
                       || ' ' || n AS d) AS description
"""


def _plan(session: Session, query: Select[Transaction]) -> str:
    sql = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return "\n".join(session.execute(text(f"EXPLAIN {sql}")).scalars())


def _listing(
    session: Session, where: q.TransactionFilter, cursor: dict | None = None, sort: q.Sort = "-date"
) -> Select[Transaction]:
    prepared = service.prepare_filter(session, where)
    return q.ordered(q.page_after(q.filtered(prepared), sort, cursor), sort).limit(51)


def test_list_queries_use_their_indexes(test_env, unique_slug: str):
    create_org(unique_slug)
    with tenant_session(unique_slug) as session:
        first, second = (
            Account(name="A", type="checking", currency="USD"),
            Account(name="B", type="credit_card", currency="USD"),
        )
        session.add_all([first, second])
        session.flush()
        session.execute(
            text(LEDGER), {"first": str(first.id), "second": str(second.id), "rows": ROWS}
        )
        session.execute(text("ANALYZE transactions"))

        default = _plan(session, _listing(session, q.TransactionFilter()))
        assert "ix_transactions_date" in default and "Sort" not in default, default

        last = session.scalars(_listing(session, q.TransactionFilter())).all()[-1]
        cursor = q.cursor_of(last, "-date")
        second_page = _plan(session, _listing(session, q.TransactionFilter(), cursor))
        assert "ix_transactions_date" in second_page and "Sort" not in second_page, second_page
        assert "Index Cond" in second_page  # the keyset bound is an index condition, no OFFSET

        ascending = _plan(session, _listing(session, q.TransactionFilter(), sort="date"))
        assert "Index Scan Backward using ix_transactions_date" in ascending, ascending

        one = q.TransactionFilter(account_ids=(second.id,), pending=False)
        one_account = _plan(session, _listing(session, one, cursor))
        assert "ix_transactions_account_date" in one_account, one_account
        assert "Sort" not in one_account, one_account

        search = _plan(session, _listing(session, q.TransactionFilter(q="starbucks 1234")))
        assert "ix_transactions_search" in search, search

        dated = q.TransactionFilter(date_from=date(2023, 1, 1), amount_min=Decimal("-20"))
        assert "ix_transactions_date" in _plan(session, _listing(session, dated))
