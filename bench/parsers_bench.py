"""Statement parsers, parse only: 1,000,000 Chase credit-card rows generated in memory.

The importer overlaps parsing with loading, so this figure bounds how fast an import can go.
Run: .venv/bin/python -m bench.parsers_bench   (or `python -m bench parsers` once registered)
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from bench.harness import report
from finsight.ingestion.formats import parse_statement
from finsight.ingestion.records import RowIssue

ROWS = 1_000_000
HEADER = "Card,Transaction Date,Post Date,Description,Category,Type,Amount,Memo\r\n"
MERCHANTS = (
    "AMAZON MKTPL*2K4RT1",
    "STARBUCKS STORE 10432",
    '"UBER   *TRIP, HELP.UBER.COM"',
    "WHOLEFDS MKT 10235",
    "SHELL OIL 57444",
    "NETFLIX.COM",
    "TST* BLUE BOTTLE COFFEE",
)
CATEGORIES = ("Shopping", "Food & Drink", "Travel", "Groceries", "Gas", "Entertainment")


def chase_card_csv(rows: int = ROWS, seed: int = 7) -> bytes:
    """A realistic Chase card export: two years of dates, mostly sales, some payments/returns."""
    chooser = random.Random(seed)
    start = date(2023, 1, 1)
    days = [(start + timedelta(days=n)).strftime("%m/%d/%Y") for n in range(731)]
    lines = [HEADER]
    for n in range(rows):
        day = chooser.randrange(729)
        kind = chooser.random()
        if kind < 0.9:
            kind_name, cents = "Sale", -chooser.randrange(100, 250_000)
            merchant, category = chooser.choice(MERCHANTS), chooser.choice(CATEGORIES)
        elif kind < 0.97:
            kind_name, cents = "Return", chooser.randrange(100, 20_000)
            merchant, category = chooser.choice(MERCHANTS), chooser.choice(CATEGORIES)
        else:
            kind_name, cents = "Payment", chooser.randrange(10_000, 500_000)
            merchant, category = "Payment Thank You-Mobile", ""
        amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        memo = f"ref {n}" if n % 50 == 0 else ""
        dates = f"{days[day]},{days[day + 1]}"
        lines.append(f"4321,{dates},{merchant},{category},{kind_name},{amount},{memo}\r\n")
    return "".join(lines).encode()


def main() -> None:
    data = chase_card_csv()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        statement = parse_statement(data)
        parsed = issues = 0
        for item in statement.rows:
            if type(item) is RowIssue:
                issues += 1
            else:
                parsed += 1
        best = min(best, time.perf_counter() - started)
    if parsed != ROWS or issues:
        raise RuntimeError(f"parsed {parsed} rows and {issues} issues, expected {ROWS} rows")
    print(f"chase_card parse-only: {ROWS:,} rows in {best:.2f} s = {ROWS / best:,.0f} rows/s")
    report(
        "parsers",
        {
            "format": "chase_card",
            "rows": ROWS,
            "megabytes": round(len(data) / 1e6, 1),
            "best_of_3_s": round(best, 2),
            "rows_per_s": round(ROWS / best),
        },
    )


if __name__ == "__main__":
    main()
