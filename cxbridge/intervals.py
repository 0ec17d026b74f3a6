"""95 % confidence intervals of the report's figures, and whether a change between two periods
is significant (docs/report.md#confidence-intervals).

- NPS and eNPS: the adjusted-Wald interval of Rocks (2016, "Interval estimation for the net
  promoter score", The American Statistician 70(4)): add ¾ of a promoter, ¾ of a detractor and
  1½ passives to the n answers, then with the adjusted shares p = (P + ¾) / (n + 3) and
  d = (D + ¾) / (n + 3), the centre c = p − d and SE = √((p + d − c²) / (n + 3)), the interval is
  100 × (c ± 1.96 × SE), kept within −100…100. The pseudo-answers keep it from having zero width
  when every answer is alike (one answer, or all promoters), where the plain Wald one had.
- Shares (CSAT % satisfied, CES % low effort): the Wilson score interval of k of n; the standard
  error for a change is the adjusted one of Agresti & Caffo (2000): one success and one failure
  added, √(p̃(1 − p̃) / (n + 2)) with p̃ = (k + 1) / (n + 2).
- Means of 0–100 scores (mystery shops, audits): mean ± t(0.975, n − 1) × s / √n, with s the
  sample standard deviation, kept within 0–100; none for one score or for scores all equal
  (s = 0 says nothing of the spread, it was not measured).
- A change between two periods is significant when |c₁ − c₂| > 1.96 × √(SE₁² + SE₂²), c the
  adjusted centres above (the mean itself for means): the two periods' answers are independent
  samples (a two-sided test at the 5 % level, Lewis & Sauro's for NPS); unknown (None) when
  either period has no interval.
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
    """A figure with its 95 % interval, and the centre and standard error a change is tested on
    (None where the answers cannot tell the spread: one score, or scores all equal)."""

    value: float
    se: float | None
    low: float | None
    high: float | None
    centre: float | None = None


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
    """NPS (−100…100) of n answers with its adjusted-Wald interval (Rocks 2016)."""
    adjusted = n + 3
    p, d = (promoters + 0.75) / adjusted, (detractors + 0.75) / adjusted
    centre = p - d
    se = math.sqrt((p + d - centre * centre) / adjusted)
    low, high = max(-1.0, centre - Z * se), min(1.0, centre + Z * se)
    return Estimate(100 * (promoters - detractors) / n, 100 * se, 100 * low, 100 * high, 100 * centre)


def share(n: int, k: int) -> Estimate:
    """The percentage k of n with its Wilson interval; the standard error and centre a change is
    tested on are Agresti and Caffo's, of (k + 1) of (n + 2)."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    adjusted = (k + 1) / (n + 2)
    se = math.sqrt(adjusted * (1 - adjusted) / (n + 2))
    low, high = max(0.0, centre - half), min(1.0, centre + half)  # 0 and 1 exactly at 0 % and 100 %, not ±1e-16
    return Estimate(100 * p, 100 * se, 100 * low, 100 * high, 100 * adjusted)


def mean(n: int, total: float, squares: float, lowest: float, highest: float) -> Estimate:
    """The mean of n 0–100 scores from their sum, sum of squares and range, with its t interval
    (none for one score, or scores all equal: no spread was measured)."""
    m = total / n
    if n < 2 or lowest == highest:
        return Estimate(m, None, None, None)
    variance = max((squares - n * m * m) / (n - 1), 0.0)
    se = math.sqrt(variance / n)
    half = t_975(n - 1) * se
    return Estimate(m, se, max(0.0, m - half), min(100.0, m + half), m)


def significant_change(now: Estimate, before: Estimate) -> bool | None:
    """Whether `now` differs from `before` beyond chance at the 5 % level, on their centres; None
    when either has no interval (a positive standard error) to test with."""
    if not (now.se and before.se) or now.centre is None or before.centre is None:
        return None
    return abs(now.centre - before.centre) > Z * math.sqrt(now.se**2 + before.se**2)
