"""capped_distances() gives, for every calendar at once, exactly what locate() gives one date at
a time: the calendar fit relies on it being the same answer."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from finsight.analytics.schedules import Cadence, candidate_anchors, capped_distances, locate


@pytest.mark.parametrize("cadence", list(Cadence))
def test_the_vectorized_distances_equal_locate_s(cadence: Cadence) -> None:
    rng = random.Random(f"distances:{cadence}")
    for _ in range(20):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(2000))
        days = sorted(start + timedelta(days=rng.randrange(900)) for _ in range(rng.randint(2, 40)))
        # Month ends, leap days and year ends are where calendars differ most.
        days += [date(2024, 2, 29), date(2023, 12, 31), date(2021, 1, 31)]
        anchors = candidate_anchors(cadence, days)
        cap = rng.choice((3.0, 6.0, 10.0))
        expected = [sum(min(abs(locate(a, d)[1]), cap) for d in days) for a in anchors]
        assert capped_distances(anchors, days, cap) == expected
