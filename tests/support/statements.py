"""Statement files for import tests, in the banks' own layouts."""

from __future__ import annotations

from datetime import date, timedelta

CHASE_CARD_HEADER = "Transaction Date,Post Date,Description,Category,Type,Amount,Memo"


def chase_card(rows: list[tuple[str, str, str, str]]) -> bytes:
    """rows: (MM/DD/YYYY, description, category, signed amount)."""
    lines = [CHASE_CARD_HEADER]
    for day, description, category, amount in rows:
        if amount.startswith("-"):
            kind = "Sale"
        else:
            kind = "Payment" if "PAYMENT" in description else "Return"
        lines.append(f"{day},{day},{description},{category},{kind},{amount},")
    return ("\r\n".join(lines) + "\r\n").encode()


def generated_chase_card(count: int, start: date = date(2020, 1, 1)) -> bytes:
    merchants = [
        "STARBUCKS STORE 123",
        "AMAZON MKTP US*2K4LL0",
        "SHELL OIL 5745",
        "NETFLIX.COM",
        "WHOLEFDS MKT 10234",
        "UBER *TRIP",
        "SQ *BLUE BOTTLE",
        "TRADER JOE S #552",
    ]
    lines = [CHASE_CARD_HEADER]
    for index in range(count):
        day = (start + timedelta(days=index // 40)).strftime("%m/%d/%Y")
        cents = 100 + (index * 7919) % 25000
        lines.append(
            f"{day},{day},{merchants[index % len(merchants)]} {index},Shopping,Sale,"
            f"-{cents // 100}.{cents % 100:02d},"
        )
    return ("\n".join(lines) + "\n").encode()
