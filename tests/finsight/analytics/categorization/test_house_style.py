"""The evaluation's house styles: seeded, first convention wins, other rows keep their truth."""

from datetime import date
from decimal import Decimal

from bench.eval.generator import RawTxn
from bench.eval.house_style import CONVENTIONS, Convention, house_style, styled_categories


def _row(merchant: str, category: str) -> RawTxn:
    return RawTxn(
        id=merchant,
        date=date(2025, 1, 1),
        amount=Decimal("-5.00"),
        descriptor=merchant.upper(),
        account="card",
        merchant=merchant,
        stream=None,
        category=category,
    )


def _named(*names: str) -> tuple[Convention, ...]:
    return tuple(c for c in CONVENTIONS if c.name in names)


def test_a_style_is_drawn_from_the_seed_and_tenants_differ() -> None:
    styles = [house_style(20240601, index) for index in range(40)]
    assert styles == [house_style(20240601, index) for index in range(40)]
    assert len({tuple(c.name for c in s) for s in styles}) > 10
    for convention in CONVENTIONS:  # each is drawn for some tenant and missed by another
        assert 0 < sum(convention in s for s in styles) < 40, convention.name


def test_conventions_restyle_only_the_rows_they_cover() -> None:
    rows = [
        _row("Starbucks", "Restaurants/Coffee shops"),
        _row("Shell", "Transport/Fuel"),
        _row("Rover", "Personal care"),
        _row("Whole Foods", "Groceries"),
    ]
    style = _named("coffee counts as dining", "one Transport category", "a Pets category")
    assert styled_categories(style, rows) == ["Restaurants", "Transport", "Pets", "Groceries"]
    assert styled_categories((), rows) == [r.category for r in rows]


def test_the_first_convention_that_covers_a_row_decides() -> None:
    # Toyota Financial is under Transport: both conventions cover its rows.
    rows = [_row("Toyota Financial", "Transport")]
    (transport,) = _named("one Transport category")
    (car_loan,) = _named("the car loan as debt")
    assert styled_categories((car_loan, transport), rows) == ["Loans/Car loan"]
    assert styled_categories((transport, car_loan), rows) == ["Transport"]
