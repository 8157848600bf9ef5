"""The forecast step of an analytics run, and what the API reads. Never commits.

Series, from live rows that are not excluded, in whole months:
- "account": an account's net cash flow (every row, transfers included: paying the card from
  checking really does move checking's balance), in the account's currency;
- "category": spending per spending category (money out minus refunds) per currency; income
  and transfer categories and detected transfers are left out (moving money is not spending);
  money out without a category forms the uncategorized series (category_id null).
The models see the last HISTORY_MONTHS complete months. The current month, while incomplete, is
not history; it is the first month forecast (whole), and the API adds what it amounts to so
far. An account's first month is history only when its rows start in the first week of it (a
statement that begins on the 20th is not a month of spending).
Known recurring items come from the stored streams (the recurring step runs before this one):
each stream joins its account's series and the series of the category most of its rows have.
The forecasts of a run replace the previous run's as a whole.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, delete, func, insert, literal_column, or_, select
from sqlalchemy.orm import Session

from finsight.accounts.models import Account
from finsight.analytics.forecasting.forecast import HISTORY_MONTHS, forecast_series
from finsight.analytics.forecasting.placement import KnownStream
from finsight.analytics.models import AnalyticsRun, ForecastRecord, RecurringStreamRecord
from finsight.analytics.schedules import month_index, month_start
from finsight.analytics.steps import RunScope, live_ledger
from finsight.categories.models import Category
from finsight.kit.query import advisory_xact_lock
from finsight.transactions.models import Transaction as LedgerRow

MONTHS_AHEAD = 3
CHART_MONTHS = 12  # actuals shown before the forecast
FIRST_WEEK = 7  # an account whose rows start after this day of the month starts next month
MONEY = Decimal("0.0001")

# (scope, account_id, category_id, currency): account series have no category, category
# series no account.
SeriesKey = tuple[str, uuid.UUID | None, uuid.UUID | None, str]


@dataclass
class _Series:
    start: int  # month index of its first month of history
    values: dict[int, float] = field(default_factory=dict)  # month index -> sum
    streams: list[KnownStream] = field(default_factory=list)


def _last_complete(as_of: date) -> int:
    """The month index of the last complete month as of the day (its own on its last day)."""
    return month_index(as_of + timedelta(days=1)) - 1


def _month() -> Any:
    # A literal, not a bound parameter: GROUP BY must repeat the SELECT's expression exactly.
    return func.date_trunc(literal_column("'month'"), LedgerRow.transaction_date).cast(Date)


def _first_months(
    session: Session, window_start: int
) -> tuple[dict[uuid.UUID, int], dict[str, int]]:
    """Each account's and each currency's first month of history (within the window)."""
    firsts = session.execute(
        select(LedgerRow.account_id, LedgerRow.currency, func.min(LedgerRow.transaction_date))
        .where(*live_ledger())
        .group_by(LedgerRow.account_id, LedgerRow.currency)
    ).all()
    accounts: dict[uuid.UUID, int] = {}
    currencies: dict[str, int] = {}
    for account_id, currency, first in firsts:
        month = month_index(first) + (1 if first.day > FIRST_WEEK else 0)
        accounts[account_id] = min(accounts.get(account_id, month), month)
        currencies[currency] = min(currencies.get(currency, month), month)
    return (
        {k: max(v, window_start) for k, v in accounts.items()},
        {k: max(v, window_start) for k, v in currencies.items()},
    )


def _read_series(session: Session, window: tuple[int, int]) -> dict[SeriesKey, _Series]:
    """Monthly sums of both scopes over [window[0], window[1]] (month indexes), as the API
    reads actuals (`_actuals`)."""
    account_first, currency_first = _first_months(session, window[0])
    series: dict[SeriesKey, _Series] = {}
    for (account_id, currency), values in _actuals(session, "account", window).items():
        assert account_id is not None  # every row has an account
        key: SeriesKey = ("account", account_id, None, currency)
        series[key] = _Series(account_first[account_id], dict(values))
    for (category_id, currency), values in _actuals(session, "category", window).items():
        key = ("category", None, category_id, currency)
        series[key] = _Series(currency_first[currency], dict(values))
    return series


def _attach_streams(session: Session, series: dict[SeriesKey, _Series]) -> int:
    """Give each series the stored streams in it (cancelled ones too: their past charges are
    taken out of the history; they place nothing). Returns the number of streams used."""
    streams = list(session.scalars(select(RecurringStreamRecord)))
    ids = [t for s in streams for t in s.transaction_ids]
    rows = (
        {
            row.id: row
            for row in session.execute(
                select(
                    LedgerRow.id,
                    LedgerRow.transaction_date,
                    LedgerRow.amount,
                    LedgerRow.category_id,
                    LedgerRow.currency,
                    LedgerRow.transfer_id,
                ).where(LedgerRow.id.in_(ids), *live_ledger())
            )
        }
        if ids
        else {}
    )
    used = 0
    for stream in streams:
        charges = sorted(
            (rows[t] for t in stream.transaction_ids if t in rows), key=lambda r: r.transaction_date
        )
        if not charges:
            continue
        used += 1
        account_key: SeriesKey = ("account", stream.account_id, None, stream.currency)
        flow = tuple((r.transaction_date, float(r.amount)) for r in charges)
        if account_key in series:
            series[account_key].streams.append(KnownStream(stream.cadence, flow, stream.next_date))
        spending = [r for r in charges if r.transfer_id is None]
        if not spending:
            continue
        category, currency = Counter((r.category_id, r.currency) for r in spending).most_common(1)[
            0
        ][0]
        category_key: SeriesKey = ("category", None, category, currency)
        spent = tuple(
            (r.transaction_date, -float(r.amount))
            for r in spending
            if (r.category_id, r.currency) == (category, currency)
        )
        if category_key in series:
            series[category_key].streams.append(
                KnownStream(stream.cadence, spent, stream.next_date)
            )
    return used


def run_forecast(session: Session, run: AnalyticsRun, scope: RunScope) -> dict[str, int]:
    """Forecast every series 1-3 whole months ahead and replace the stored forecasts (always
    the whole ledger: a month's total depends on every row in it)."""
    advisory_xact_lock(session, "finsight.analytics.forecast:", per_schema=True)
    started = time.perf_counter()
    end = _last_complete(scope.as_of)
    gap = month_index(scope.as_of) - end  # 1 while the current month is under way
    series = _read_series(session, (end - HISTORY_MONTHS + 1, end))
    streams_used = _attach_streams(session, series)
    read = time.perf_counter()
    # The current month is forecast too (whole): a chart that jumps from last month's actual
    # to next month's forecast leaves out the month a person is living in.
    first_forecast = end + 1
    values: list[dict[str, Any]] = []
    methods: Counter[str] = Counter()
    for key, item in sorted(series.items(), key=lambda kv: tuple(map(str, kv[0]))):
        if item.start > end:
            continue  # no complete month yet
        history = [item.values.get(m, 0.0) for m in range(item.start, end + 1)]
        result = forecast_series(
            history, month_start(item.start), item.streams, months=MONTHS_AHEAD + gap
        )
        methods[f"{key[0]}:{result.method.split(' ')[0]}"] += 1
        scope_name, account_id, category_id, currency = key
        for point in result.points:
            values.append(
                {
                    "run_id": run.id,
                    "scope": scope_name,
                    "account_id": account_id,
                    "category_id": category_id,
                    "currency": currency,
                    "month": month_start(first_forecast + point.step - 1),
                    "point": _money(point.point),
                    "lower": _money(point.lower),
                    "upper": _money(point.upper),
                    "recurring": _money(point.recurring),
                    "method": point.method,
                }
            )
    session.execute(delete(ForecastRecord))
    if values:
        session.execute(insert(ForecastRecord), values)
    run.metrics = {
        **run.metrics,
        "forecast": {
            "as_of": scope.as_of.isoformat(),
            "history_end": month_start(end).isoformat(),
            # The month under way, forecast whole; None when the run's day ended a month.
            "current_month": month_start(end + 1).isoformat() if gap else None,
            "history_months": HISTORY_MONTHS,
            "methods": dict(sorted(methods.items())),
        },
    }
    run.timings = {
        **run.timings,
        "forecast.read_s": round(read - started, 3),
        "forecast.model_s": round(time.perf_counter() - read, 3),
    }
    return {
        "series": sum(methods.values()),
        "account_series": sum(n for m, n in methods.items() if m.startswith("account:")),
        "category_series": sum(n for m, n in methods.items() if m.startswith("category:")),
        "ensemble": sum(n for m, n in methods.items() if m.endswith(":ensemble")),
        "fallback": sum(n for m, n in methods.items() if not m.endswith(":ensemble")),
        "streams": streams_used,
        "points": len(values),
    }


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(MONEY)


@dataclass(frozen=True)
class StoredForecast:
    """What the API returns: the latest run's forecasts with the actuals before them."""

    generated_at: Any
    run_id: uuid.UUID | None
    months: list[date]
    series: list[dict[str, Any]]


def _stored_months(session: Session, rows: list[ForecastRecord]) -> tuple[int, int | None]:
    """The run's last complete month, and the month under way it forecast (None if none)."""
    run = session.get(AnalyticsRun, rows[0].run_id) if rows[0].run_id else None
    stored = (run.metrics.get("forecast") or {}) if run else {}
    if stored.get("history_end"):
        end = month_index(date.fromisoformat(stored["history_end"]))
    else:
        end = month_index(min(r.month for r in rows)) - 1
    current = stored.get("current_month")
    return end, month_index(date.fromisoformat(current)) if current else None


def _actuals(
    session: Session, scope: str, months: tuple[int, int]
) -> dict[tuple[uuid.UUID | None, str], dict[int, float]]:
    """Monthly actuals of one scope, keyed like the series (account or category, currency)."""
    where = [
        *live_ledger(),
        LedgerRow.transaction_date >= month_start(months[0]),
        LedgerRow.transaction_date < month_start(months[1] + 1),
    ]
    if scope == "account":
        query = (
            select(LedgerRow.account_id, Account.currency, _month(), func.sum(LedgerRow.amount))
            .join(Account, Account.id == LedgerRow.account_id)
            .where(*where)
            .group_by(LedgerRow.account_id, Account.currency, _month())
        )
    else:
        spending_categories = select(Category.id).where(Category.kind == "expense")
        query = (
            select(LedgerRow.category_id, LedgerRow.currency, _month(), -func.sum(LedgerRow.amount))
            .where(
                *where,
                LedgerRow.transfer_id.is_(None),
                or_(
                    LedgerRow.category_id.in_(spending_categories),
                    and_(LedgerRow.category_id.is_(None), LedgerRow.amount < 0),
                ),
            )
            .group_by(LedgerRow.category_id, LedgerRow.currency, _month())
        )
    out: dict[tuple[uuid.UUID | None, str], dict[int, float]] = defaultdict(dict)
    for owner, currency, month, total in session.execute(query):
        out[(owner, currency)][month_index(month)] = float(total)
    return out


def read_forecast(
    session: Session, *, scope: str, account_id: uuid.UUID | None, months: int
) -> StoredForecast:
    """The stored forecasts of one scope (one account's, when given), `months` months ahead,
    each series with its last CHART_MONTHS complete months of actuals."""
    query = select(ForecastRecord).where(ForecastRecord.scope == scope)
    if account_id is not None:
        query = query.where(ForecastRecord.account_id == account_id)
    rows = list(session.scalars(query.order_by(ForecastRecord.month)))
    if not rows:
        return StoredForecast(None, None, [], [])
    end, current = _stored_months(session, rows)
    # `months` counts whole months after the one under way, which comes first when there is one.
    wanted = sorted({r.month for r in rows})[: months + (1 if current is not None else 0)]
    actuals = _actuals(session, scope, (end - CHART_MONTHS + 1, end))
    so_far = _actuals(session, scope, (current, current)) if current is not None else {}
    account_first, currency_first = _first_months(session, end - CHART_MONTHS + 1)
    grouped: dict[tuple[uuid.UUID | None, uuid.UUID | None, str], list[ForecastRecord]] = {}
    for row in rows:
        if row.month in wanted:
            grouped.setdefault((row.account_id, row.category_id, row.currency), []).append(row)
    series = []
    for (account, category, currency), points in grouped.items():
        owner = account if scope == "account" else category
        seen = actuals.get((owner, currency), {})
        # History from the series' own first month: an account opened two months ago has two
        # months of actuals, not ten zeros before them.
        start = account_first.get(account, end) if account else currency_first.get(currency, end)
        to_date = so_far.get((owner, currency), {})
        series.append(
            {
                "scope": scope,
                "account_id": account,
                "category_id": category,
                "currency": currency,
                "history": [
                    {"month": month_start(m), "actual": _money(seen.get(m, 0.0))}
                    for m in range(max(start, end - CHART_MONTHS + 1), end + 1)
                ],
                "points": [
                    {
                        "month": p.month,
                        "point": p.point,
                        "lower": p.lower,
                        "upper": p.upper,
                        "recurring": p.recurring,
                        "method": p.method,
                        "to_date": (
                            _money(to_date.get(current, 0.0))
                            if current is not None and month_index(p.month) == current
                            else None
                        ),
                    }
                    for p in points
                ],
            }
        )
    series.sort(key=lambda s: (str(s["currency"]), str(s["account_id"]), str(s["category_id"])))
    return StoredForecast(rows[0].created_at, rows[0].run_id, wanted, series)
