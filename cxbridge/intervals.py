"""95 % confidence intervals of the report's figures, and whether a change between two periods
is significant (docs/report.md#confidence-intervals).

- NPS and eNPS: each answer scores +1 (promoter), 0 (passive) or −1 (detractor); NPS is 100 ×
  their mean m = (P − D) / n, whose variance is ((P + D) / n − m²) / n: NPS ± 1.96 × 100 × √that
  (normal approximation), kept within −100…100.
- Shares (CSAT % satisfied, CES % low effort): the Wilson score interval of k of n.
- Means of 0–100 scores (mystery shops, audits): mean ± t(0.975, n − 1) × s / √n, with s the
  sample standard deviation, kept within 0–100.
- A change between two periods is significant when |difference| > 1.96 × √(SE₁² + SE₂²): the two
  periods' answers are independent samples (a two-sided test at the 5 % level; Welch's
  unpooled standard error for shares and means alike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
_T_975 = (  # t(0.975, df) for df = 1…30, from the standard tables
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
    2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    """A figure with its standard error and 95 % interval (None where n is too small)."""

    value: float
    se: float | None
    low: float | None
    high: float | None


def t_975(df: int) -> float:
    """The 97.5th percentile of Student's t with `df` degrees of freedom: the table to 30, then
    the Cornish–Fisher expansion around the normal one (within 0.001 from df 31)."""
    if df < 1:
        raise ValueError("t needs at least one degree of freedom")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = Z
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def nps(n: int, promoters: int, detractors: int) -> Estimate:
    """NPS (−100…100) of n answers with its interval."""
    m = (promoters - detractors) / n
    se = math.sqrt(max((promoters + detractors) / n - m * m, 0.0) / n)
    return Estimate(100 * m, 100 * se, max(-100.0, 100 * (m - Z * se)), min(100.0, 100 * (m + Z * se)))


def share(n: int, k: int) -> Estimate:
    """The percentage k of n with its Wilson interval; the standard error is the Wald one, √(p(1 − p)/n)."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return Estimate(100 * p, 100 * math.sqrt(p * (1 - p) / n), 100 * (centre - half), 100 * (centre + half))


def mean(n: int, total: float, squares: float) -> Estimate:
    """The mean of n 0–100 scores from their sum and sum of squares, with its t interval (none
    for one score)."""
    m = total / n
    if n < 2:
        return Estimate(m, None, None, None)
    variance = max((squares - n * m * m) / (n - 1), 0.0)
    se = math.sqrt(variance / n)
    half = t_975(n - 1) * se
    return Estimate(m, se, max(0.0, m - half), min(100.0, m + half))


def significant_change(now: Estimate, before: Estimate) -> bool | None:
    """Whether `now` differs from `before` beyond chance at the 5 % level; None when either has
    no standard error (a single score)."""
    if now.se is None or before.se is None:
        return None
    spread = math.sqrt(now.se**2 + before.se**2)
    difference = now.value - before.value
    return abs(difference) > Z * spread if spread > 0 else difference != 0
