"""Exact, seed-free statistics for ``compare``: medians with order-statistic intervals, paired win fractions.

Values may be ``math.inf`` (a run that never reached a target): they sort last, so a median or an interval end that
falls on them reads "not reached". Nothing here draws random numbers, so two documents of the same runs agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: The confidence the intervals aim at (each is at least this, exactly what it reaches is reported).
CONFIDENCE = 0.95
#: The normal quantile of a two-sided 95 % interval (Wilson's score interval).
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class MedianInterval:
    """A sample's median and a distribution-free interval for the population median.

    :param median: the sample median (``inf`` when more than half the values are).
    :param low: the lower end, an order statistic of the sample.
    :param high: the upper end, an order statistic of the sample.
    :param coverage: the interval's exact coverage (at least :data:`CONFIDENCE` from 6 values on).
    """

    median: float
    low: float
    high: float
    coverage: float


def _binomial_cdf(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2)."""
    return sum(math.comb(n, i) for i in range(0, k + 1)) / 2**n


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> MedianInterval:
    """The median and the exact order-statistic interval ``[x(l), x(n+1-l)]`` with the largest ``l`` whose coverage
    ``1 - 2 P(Binomial(n, 1/2) <= l - 1)`` is at least ``confidence`` (``l = 1``, the range, when none is)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    rank = 1
    while rank + 1 <= (n + 1) // 2 and 1 - 2 * _binomial_cdf(rank, n) >= confidence:
        rank += 1
    coverage = 1 - 2 * _binomial_cdf(rank - 1, n)
    return MedianInterval(median, ordered[rank - 1], ordered[n - rank], coverage)


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``trials`` with Wilson's 95 % score interval."""

    successes: int
    trials: int
    low: float
    high: float

    @property
    def fraction(self) -> float:
        """``successes / trials``."""
        return self.successes / self.trials if self.trials else math.nan


def wilson(successes: int, trials: int, z: float = Z_95) -> Proportion:
    """Wilson's score interval of a binomial proportion (well behaved at 0 and at ``trials``)."""
    if trials <= 0:
        return Proportion(successes, trials, 0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Proportion(successes, trials, low, high)


@dataclass(frozen=True)
class PairedComparison:
    """Paired by seed: in how many seeds ``first`` needed fewer epochs than ``second``, the same, or more.

    :param first: the first strategy.
    :param second: the second strategy.
    :param fewer: seeds where ``first`` needed fewer (or reached a target ``second`` did not).
    :param ties: seeds where both needed the same (or neither reached it).
    :param more: seeds where ``first`` needed more.
    """

    first: str
    second: str
    fewer: int
    ties: int
    more: int

    @property
    def seeds(self) -> int:
        """The seeds compared."""
        return self.fewer + self.ties + self.more

    @property
    def fewer_share(self) -> Proportion:
        """The fraction of seeds where ``first`` needed fewer epochs, with its interval."""
        return wilson(self.fewer, self.seeds)

    @property
    def more_share(self) -> Proportion:
        """The fraction of seeds where ``first`` needed more epochs, with its interval."""
        return wilson(self.more, self.seeds)

    @property
    def verdict(self) -> str:
        """``fewer`` or ``more`` when the interval of that fraction lies above one half, else ``not separated``."""
        if self.fewer_share.low > 0.5:
            return "fewer"
        if self.more_share.low > 0.5:
            return "more"
        return "not separated"


def paired(first: str, second: str, a: Sequence[float], b: Sequence[float]) -> PairedComparison:
    """Compare two strategies' values seed by seed (``a[i]`` and ``b[i]`` come from the same seed)."""
    if len(a) != len(b):
        raise ValueError("paired comparisons need one value per seed on each side")
    fewer = sum(1 for x, y in zip(a, b, strict=True) if x < y)
    more = sum(1 for x, y in zip(a, b, strict=True) if x > y)
    return PairedComparison(first, second, fewer, len(a) - fewer - more, more)
