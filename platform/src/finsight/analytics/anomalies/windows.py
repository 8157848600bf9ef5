"""Order statistics of a sliding window of a series' amounts, without sorting the window again
for every charge.

The detectors judge each charge against the charges of the year before it (`Series.before`).
Taking the median of that window per charge costs the window's size per charge: quadratic in a
busy merchant's (or a busy tenant's) charges. A charge's window only slides forward as the
charges are judged in date order, so `SortedWindow` keeps the window's amounts sorted and moves
it by the charges that enter and leave (n log n over a series). Every statistic is computed from
the sorted values exactly as numpy computes it from the window (the same floating-point
operations on the same two middle values), so the answers are the same to the last bit; small
windows take numpy's path directly, where sorting costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from sortedcontainers import SortedList  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Below this many values numpy on the slice is cheaper than keeping a sorted window.
SMALL = 96


def kth_of_two(
    left: Callable[[int], float], n_left: int, right: Callable[[int], float], n_right: int, k: int
) -> float:
    """The k-th smallest (0-based) value of two ascending sequences, in O(log n) reads."""
    lo, hi = max(0, k + 1 - n_right), min(k + 1, n_left)
    # Find how many of the k + 1 smallest come from `left`.
    while lo < hi:
        i = (lo + hi) // 2  # is left[i] among the k + 1 smallest (ties go to left)?
        j = k - i  # right's index that would compete with left[i]
        if j >= n_right or (j >= 0 and left(i) <= right(j)):
            lo = i + 1
        else:
            hi = i
    i = lo  # the k + 1 smallest: left[:i] and right[:k + 1 - i]
    best = -np.inf
    if i > 0:
        best = left(i - 1)
    if k + 1 - i > 0:
        best = max(best, right(k - i))
    return float(best)


class SortedWindow:
    """The amounts `values[lo:hi]` of one series, sorted, for windows that move forward."""

    def __init__(self, values: FloatArray) -> None:
        self.values = values
        self.lo = self.hi = 0
        self.sorted = SortedList()

    def move(self, lo: int, hi: int) -> SortedList:
        moved = abs(lo - self.lo) + abs(hi - self.hi)
        if lo < self.lo or hi < self.hi or lo >= self.hi or moved > (hi - lo):
            self.sorted = SortedList(self.values[lo:hi].tolist())
        else:
            for value in self.values[self.lo : lo].tolist():
                self.sorted.remove(value)
            self.sorted.update(self.values[self.hi : hi].tolist())
        self.lo, self.hi = lo, hi
        return self.sorted


def median(s: SortedList) -> float:
    """np.median of the sorted values: the middle one, or the mean of the two middle ones."""
    n = len(s)
    if n % 2:
        return float(s[n // 2])
    return float((s[n // 2 - 1] + s[n // 2]) / 2)


def mad(s: SortedList, center: float) -> float:
    """np.median(np.abs(values - center)) of the sorted values: the deviations below the
    center ascend leftwards from it, those above it rightwards, so their k-th smallest is a
    merge of two ascending sequences, read without building either."""
    n = len(s)
    split = s.bisect_left(center)

    def below(i: int) -> float:
        return float(abs(s[split - 1 - i] - center))

    def above(j: int) -> float:
        return float(abs(s[split + j] - center))

    if n % 2:
        return kth_of_two(below, split, above, n - split, n // 2)
    a = kth_of_two(below, split, above, n - split, n // 2 - 1)
    b = kth_of_two(below, split, above, n - split, n // 2)
    return float((a + b) / 2)


def percentile(s: SortedList, q: float) -> float:
    """np.percentile(values, q) (its default, linear method) of the sorted values."""
    n = len(s)
    quantile = np.true_divide(np.float64(q), 100)
    virtual = np.asanyarray((n - 1) * quantile)
    previous = np.floor(virtual)
    below = int(np.clip(previous, 0, n - 1))
    above = int(np.clip(previous + 1, 0, n - 1))
    if virtual >= n - 1:
        return float(s[n - 1])
    if virtual < 0:
        return float(s[0])
    gamma = np.asanyarray(virtual - previous, dtype=virtual.dtype)
    a, b = np.float64(s[below]), np.float64(s[above])
    diff = b - a
    if gamma >= 0.5:
        return float(b - diff * (1 - gamma))
    return float(a + diff * gamma)


def count_within(s: SortedList, amount: float, tolerance: float, strict: bool) -> int:
    """How many values v satisfy |v - amount| < tolerance (strict) or <= tolerance, evaluated
    with the very expression numpy evaluates; |v - amount| is monotone on each side of
    `amount`, so two binary searches with the predicate itself find the run."""

    def inside(v: float) -> bool:
        d = abs(v - amount)
        return d < tolerance if strict else d <= tolerance

    n = len(s)
    middle = s.bisect_left(amount)
    # Leftmost index in [0, middle] whose value is inside (values left of it are not).
    lo, hi = 0, middle
    while lo < hi:
        m = (lo + hi) // 2
        if inside(s[m]):
            hi = m
        else:
            lo = m + 1
    first = lo
    # First index in [middle, n] whose value is outside.
    lo, hi = middle, n
    while lo < hi:
        m = (lo + hi) // 2
        if inside(s[m]):
            lo = m + 1
        else:
            hi = m
    return int(lo - first)


class DayIndex:
    """A series' distinct days and their charge counts, with prefix counts, so that what the
    duplicate detector asks of a window of whole days (how many days had n charges, how many
    visits were followed by one `gap` days later, on which weekday) is a subtraction."""

    def __init__(self, ordinals: IntArray) -> None:
        days, counts = np.unique(ordinals, return_counts=True)
        self.days: IntArray = days.astype(np.int64)
        self.counts: IntArray = counts.astype(np.int64)
        self.weekdays: IntArray = (self.days + 6) % 7  # ordinal 1 is a Monday
        self._by_count: dict[int, IntArray] = {}
        self._followed: dict[int, tuple[IntArray, IntArray]] = {}
        self.on_weekday = _prefix_by_weekday(self.weekdays, np.ones(len(self.days), dtype=bool))

    def span(self, lo_ordinal: int, hi_ordinal: int) -> tuple[int, int]:
        """The distinct days in [lo_ordinal, hi_ordinal) as an index range."""
        lo = int(np.searchsorted(self.days, lo_ordinal, side="left"))
        hi = int(np.searchsorted(self.days, hi_ordinal, side="left"))
        return lo, hi

    def days_with(self, n: int, lo: int, hi: int) -> int:
        """How many of the days lo:hi had exactly `n` charges."""
        where = self._by_count.get(n)
        if where is None:
            where = self._by_count[n] = np.flatnonzero(self.counts == n).astype(np.int64)
        return int(np.searchsorted(where, hi) - np.searchsorted(where, lo))

    def followed(self, gap: int) -> tuple[IntArray, IntArray]:
        """Prefix counts of days followed by a visit `gap` days later: overall (length n + 1)
        and per weekday (n + 1 by 7)."""
        cached = self._followed.get(gap)
        if cached is None:
            hit = np.isin(self.days + gap, self.days)
            overall = np.concatenate(([0], np.cumsum(hit))).astype(np.int64)
            cached = self._followed[gap] = (overall, _prefix_by_weekday(self.weekdays, hit))
        return cached


def _prefix_by_weekday(weekdays: IntArray, mask: npt.NDArray[np.bool_]) -> IntArray:
    table = np.zeros((len(weekdays) + 1, 7), dtype=np.int64)
    table[np.flatnonzero(mask) + 1, weekdays[mask]] = 1
    return np.cumsum(table, axis=0)


class SeriesIndex:
    """Per-series structures, each built the first time a detector needs it (keyed by the
    series' arrays, which live as long as the history that owns them)."""

    def __init__(self) -> None:
        self._windows: dict[int, SortedWindow] = {}
        self._days: dict[int, DayIndex] = {}
        self._weekdays: dict[int, IntArray] = {}
        self._texts: dict[int, dict[str, IntArray]] = {}

    def sorted(self, values: FloatArray, lo: int, hi: int) -> SortedList:
        window = self._windows.get(id(values))
        if window is None:
            window = self._windows[id(values)] = SortedWindow(values)
        return window.move(lo, hi)

    def days(self, ordinals: IntArray) -> DayIndex:
        index = self._days.get(id(ordinals))
        if index is None:
            index = self._days[id(ordinals)] = DayIndex(ordinals)
        return index

    def weekday_counts(self, ordinals: IntArray) -> IntArray:
        """Prefix counts of charges per weekday (n + 1 by 7)."""
        table = self._weekdays.get(id(ordinals))
        if table is None:
            weekdays = (ordinals + 6) % 7
            table = _prefix_by_weekday(weekdays, np.ones(len(ordinals), dtype=bool))
            self._weekdays[id(ordinals)] = table
        return table

    def text_positions(self, key: int, texts: Callable[[], list[str]]) -> dict[str, IntArray]:
        """Each text's indexes in the series (ascending)."""
        found = self._texts.get(key)
        if found is None:
            grouped: dict[str, list[int]] = {}
            for i, text in enumerate(texts()):
                grouped.setdefault(text, []).append(i)
            found = {k: np.asarray(v, dtype=np.int64) for k, v in grouped.items()}
            self._texts[key] = found
        return found
