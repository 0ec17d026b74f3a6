"""95 % confidence intervals in `cxbridge report --format json` (issue 17 item 3): each figure of
examples/cxbridge.toml checked against intervals computed here from the example CSV files with
other means than cxbridge's — the NPS adjusted-Wald interval (Rocks 2016) as the weighted mean and
variance of the answers plus their pseudo-answers, the Wilson bounds as the roots of their
quadratic, Student's t by integrating its density — and the significance of each change, which
no period without a measured spread (one answer, answers all alike) can have."""

from __future__ import annotations

import json
import math
import shutil
import statistics
from collections import defaultdict

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge import intervals
from cxbridge.intervals import t_975
from tests.conftest import ROOT
from tests.test_population_views import (
    AUDITS, CES_QUESTION, CSAT_LABELS, CSAT_QUESTION, CUSTOMERS, NPS_QUESTION, VISITS,
)

Z = statistics.NormalDist().inv_cdf(0.975)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """`cxbridge report --format json` of the synced example project, by its arguments."""
    folder = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "examples" / "data", folder / "data")
    shutil.copy(ROOT / "examples" / "cxbridge.toml", folder / "cxbridge.toml")
    config = str(folder / "cxbridge.toml")
    assert CliRunner().invoke(cli, ["sync", "--config", config, "--no-progress"]).exit_code == 0

    def run(*arguments: str, fmt: str = "json") -> list[dict] | str:
        result = CliRunner().invoke(cli, ["report", "--config", config, "--format", fmt, *arguments])
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if fmt == "json" else result.output

    return run


def t_quantile(df: int) -> float:
    """t(0.975, df) by bisection on the t distribution's CDF, integrated with Simpson's rule."""

    def density(x: float) -> float:
        scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
        return scale * (1 + x * x / df) ** (-(df + 1) / 2)

    def cdf_above_zero(x: float, steps: int = 2000) -> float:
        h = x / steps
        inner = sum((4 if i % 2 else 2) * density(i * h) for i in range(1, steps))
        return h / 3 * (density(0) + inner + density(x))

    low, high = 0.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf_above_zero(middle) < 0.475 else (low, middle)
    return (low + high) / 2


@pytest.mark.parametrize("df", [1, 2, 5, 9, 29, 30, 31, 45, 120, 1000])
def test_students_t_is_the_integrated_one(df):
    assert abs(t_975(df) - t_quantile(df)) < 0.0015


def one_decimal(value: float) -> float:
    return math.floor(value * 10 + 0.5) / 10  # half up: the figures here are positive or far from .x5


def close(actual: float | None, expected: float) -> bool:
    return actual is not None and abs(actual - expected) <= 0.05 + 1e-9


def adjusted_wald(values: list[int]) -> tuple[float, float, float, float]:
    """Rocks's (2016) adjusted-Wald NPS of +1/0/−1 answers: the answers weigh 1 each and ¾ of a
    +1, 1½ of a 0 and ¾ of a −1 are added; the interval is the weighted mean ± 1.96 √(weighted
    variance / total weight), within −1…1. Returns (centre, standard error, low, high) × 100."""
    weighted = [(value, 1.0) for value in values] + [(1, 0.75), (0, 1.5), (-1, 0.75)]
    total = sum(weight for _, weight in weighted)
    centre = sum(value * weight for value, weight in weighted) / total
    variance = sum(weight * (value - centre) ** 2 for value, weight in weighted) / total
    se = math.sqrt(variance / total)
    return 100 * centre, 100 * se, 100 * max(-1.0, centre - Z * se), 100 * min(1.0, centre + Z * se)


@pytest.mark.parametrize(
    "values",
    [[1], [-1], [0], [1, 1, 1], [-1] * 5, [1] * 40, [1, 0, -1, 1, 1, 0, -1, 1, 0, 1], [1, -1] * 25],
    ids=["one promoter", "one detractor", "one passive", "3 promoters", "5 detractors", "40 promoters", "mix", "half"],
)
def test_nps_intervals_are_rocks_adjusted_wald_and_never_of_zero_width(values):
    estimate = intervals.nps(len(values), values.count(1), values.count(-1))
    centre, se, low, high = adjusted_wald(values)
    assert estimate.value == pytest.approx(100 * statistics.fmean(values))
    assert (estimate.centre, estimate.se) == (pytest.approx(centre), pytest.approx(se))
    assert (estimate.low, estimate.high) == (pytest.approx(low), pytest.approx(high))
    assert se > 0 and high - low > 10  # alike answers still leave their spread unknown


def test_one_promoter_by_hand():
    """One promoter: P' = 1¾, D' = ¾ of 4, c = 0.25, SE = √((0.4375 + 0.1875 − 0.0625) / 4) = 0.375."""
    estimate = intervals.nps(1, 1, 0)
    assert estimate.value == 100 and estimate.centre == pytest.approx(25) and estimate.se == pytest.approx(37.5)
    assert estimate.low == pytest.approx(100 * (0.25 - Z * 0.375)) and estimate.high == pytest.approx(100 * (0.25 + Z * 0.375))


def test_a_single_answer_against_many_is_no_significant_change():
    """The plain Wald interval of one promoter had zero width, so any move from it was
    'significant'; with the pseudo-answers 100 after 45 of 100 promoters and 40 detractors is not."""
    many = [1] * 45 + [-1] * 40 + [0] * 15
    assert intervals.significant_change(intervals.nps(1, 1, 0), intervals.nps(100, 45, 40)) is False
    (c1, se1, _, _), (c2, se2, _, _) = adjusted_wald([1]), adjusted_wald(many)
    assert abs(c1 - c2) <= Z * math.hypot(se1, se2)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 12), (12, 12), (7, 12), (16, 16), (0, 27)])
def test_shares_have_wilson_intervals_of_positive_width_at_0_and_100_percent(k, n):
    estimate = intervals.share(n, k)
    low, high = wilson(k, n)
    assert (estimate.low, estimate.high) == (pytest.approx(100 * low, abs=1e-9), pytest.approx(100 * high, abs=1e-9))
    assert high - low > 0.1 and 0 <= estimate.low and estimate.high <= 100  # never −0.0 nor 100.00…03 once rounded
    adjusted = (k + 1) / (n + 2)  # Agresti–Caffo: one success and one failure added
    assert estimate.centre == pytest.approx(100 * adjusted)
    assert estimate.se == pytest.approx(100 * math.sqrt(adjusted * (1 - adjusted) / (n + 2)))


def test_all_satisfied_against_none_satisfied_is_tested_not_assumed():
    assert intervals.significant_change(intervals.share(1, 1), intervals.share(1, 0)) is False
    assert intervals.significant_change(intervals.share(30, 30), intervals.share(30, 0)) is True


@pytest.mark.parametrize("scores", [[80.0], [80.0, 80.0, 80.0], [62.5] * 12])
def test_means_of_equal_scores_have_no_interval_and_no_significant_change(scores):
    estimate = intervals.mean(len(scores), sum(scores), sum(s * s for s in scores), min(scores), max(scores))
    assert estimate.value == pytest.approx(scores[0]) and (estimate.se, estimate.low, estimate.high) == (None, None, None)
    spread = intervals.mean(4, 200.0, 50**2 * 2 + 40**2 + 60**2, 40.0, 60.0)
    assert intervals.significant_change(estimate, spread) is None
    assert intervals.significant_change(spread, estimate) is None


def test_nps_intervals_come_from_the_adjusted_wald_of_the_plus_minus_one_scores(report):
    months: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        score = int(row[NPS_QUESTION])
        months[row["Submitted"][:7]].append(1 if score >= 9 else -1 if score <= 6 else 0)
    rows = [r for r in report("--program", "voc", "--metric", "nps")]
    assert [r["month"] for r in rows] == sorted(months)
    estimates = {}
    for row in rows:
        values = months[row["month"]]
        centre, se, low, high = adjusted_wald(values)
        assert close(row["ci_low"], low) and close(row["ci_high"], high), row
        estimates[row["month"]] = (100 * statistics.fmean(values), centre, se)
    assert_changes(rows, estimates, "month")


def assert_changes(rows: list[dict], estimates: dict[str, tuple[float, float, float | None]], by: str) -> None:
    """Each bucket's change since the one before (of the figures), significant when the centres
    differ by more than 1.96 standard errors of the difference of two independent samples; null
    when either side has no standard error, or fewer than 5 answers (indicative)."""
    buckets = [row[by] for row in rows]
    answers = {row[by]: row["responses"] for row in rows}
    assert rows[0]["previous"] is None and rows[0]["change"] is None and rows[0]["change_significant"] is None
    assert all(row["indicative"] is (row["responses"] < 5) for row in rows)
    for previous, row in zip(buckets, rows[1:], strict=False):
        (now, centre_now, se_now), (before, centre_before, se_before) = estimates[row[by]], estimates[previous]
        assert row["previous"] == previous and close(row["change"], now - before)
        if se_now is None or se_before is None or min(answers[row[by]], answers[previous]) < 5:
            assert row["change_significant"] is None, row
        else:
            assert row["change_significant"] == (abs(centre_now - centre_before) > Z * math.hypot(se_now, se_before))


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson bounds: the p where (k/n − p)² = z² p (1 − p) / n, roots of a quadratic."""
    observed = k / n
    a, b, c = 1 + Z * Z / n, -(2 * observed + Z * Z / n), observed * observed
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def agresti_caffo(k: int, n: int) -> tuple[float, float]:
    """The centre and standard error of k of n with one success and one failure added, × 100."""
    p = (k + 1) / (n + 2)
    return 100 * p, 100 * math.sqrt(p * (1 - p) / (n + 2))


def test_csat_intervals_are_wilsons(report):
    months: dict[str, list[bool]] = defaultdict(list)
    for row in CUSTOMERS:
        months[row["Submitted"][:7]].append(CSAT_LABELS[row[CSAT_QUESTION]] >= 4)
    rows = report("--program", "voc", "--metric", "csat")
    significant = []
    for row in rows:
        answers = months[row["month"]]
        low, high = wilson(sum(answers), len(answers))
        assert close(row["ci_low"], 100 * low) and close(row["ci_high"], 100 * high), row
        significant.append(row["change_significant"])
    estimates = {month: (100 * statistics.fmean(a), *agresti_caffo(sum(a), len(a))) for month, a in months.items()}
    assert_changes(rows, estimates, "month")


def test_mystery_shop_intervals_are_students_t(report):
    quarters: dict[str, list[float]] = defaultdict(list)
    for visit in VISITS:
        month = int(visit["Visit date"][5:7])
        quarters[f"{visit['Visit date'][:4]}-Q{(month - 1) // 3 + 1}"].append(int(visit["Score (of 40)"]) / 40 * 100)
    rows = report("--program", "mystery_shop", "--by", "quarter")
    assert [r["quarter"] for r in rows] == sorted(quarters)
    estimates = {}
    for row in rows:
        scores = quarters[row["quarter"]]
        m, se = statistics.fmean(scores), statistics.stdev(scores) / math.sqrt(len(scores))
        assert close(row["score"], m) and row["responses"] == len(scores)
        if se == 0:  # scores all equal: no spread measured, no interval
            assert row["ci_low"] is None and row["ci_high"] is None, row
            se = None
        else:
            half = t_quantile(len(scores) - 1) * se
            assert close(row["ci_low"], max(0, m - half)) and close(row["ci_high"], min(100, m + half)), row
        estimates[row["quarter"]] = (m, m, se)
    assert_changes(rows, estimates, "quarter")


def test_dimensions_have_intervals_but_no_change(report):
    rows = report("--by", "location", "--program", "voc", "--metric", "nps")
    assert rows and all("ci_low" in row and "change" not in row for row in rows)


def test_the_table_and_csv_stay_as_they_were(report):
    """Intervals are in JSON only: the CSV's columns are the documented ones."""
    assert report("--by", "program", fmt="csv").splitlines()[0] == "program,metric,responses,score"
    rows = report("--by", "program")
    assert set(rows[0]) == {"program", "metric", "responses", "score", "questions", "ci_low", "ci_high", "indicative"}


def test_a_significant_change_is_marked_and_a_chance_one_is_not(report):
    """By ISO week the customers' NPS swings: 2025-W03 (−22.2 → 71.4) moves beyond chance, most
    weeks do not. 2025-W27's single answer (a promoter, 100 after 47.1) is indicative: its interval
    is wide, not the zero-width one the plain Wald gave it, and its change is tested not at all."""
    from datetime import date

    weeks: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        year, week, _ = date.fromisoformat(row["Submitted"][:10]).isocalendar()
        score = int(row[NPS_QUESTION])
        weeks[f"{year}-W{week:02d}"].append(1 if score >= 9 else -1 if score <= 6 else 0)
    rows = report("--program", "voc", "--metric", "nps", "--by", "week")
    estimates = {week: (100 * statistics.fmean(v), *adjusted_wald(v)[:2]) for week, v in weeks.items()}
    assert_changes(rows, estimates, "week")
    flags = {row["week"]: row["change_significant"] for row in rows}
    assert flags["2025-W03"] is True and list(flags.values()).count(False) > 10
    assert weeks["2025-W27"] == [1] and flags["2025-W27"] is None  # one answer: indicative, never significant
    w27 = next(row for row in rows if row["week"] == "2025-W27")
    assert w27["nps"] == 100 and w27["ci_high"] - w27["ci_low"] > 100


def test_ces_intervals_by_month_are_wilsons_of_the_best_two_boxes(report):
    months: dict[str, list[bool]] = defaultdict(list)
    for row in CUSTOMERS:
        months[row["Submitted"][:7]].append(int(row[CES_QUESTION]) >= 6)  # 6 and 7 of 1–7 agreement: low effort
    rows = report("--program", "voc", "--metric", "ces")
    assert [(r["month"], r["responses"], r["low_effort"]) for r in rows] == [
        (month, len(a), sum(a)) for month, a in sorted(months.items())]
    for row in rows:
        low, high = wilson(row["low_effort"], row["responses"])
        assert close(row["ci_low"], 100 * low) and close(row["ci_high"], 100 * high), row
    estimates = {month: (100 * statistics.fmean(a), *agresti_caffo(sum(a), len(a))) for month, a in months.items()}
    assert_changes(rows, estimates, "month")


def test_audit_months_of_one_audit_have_no_interval_and_are_indicative(report):
    """The audits fall 11, 1, 11 and 1 a month: the single ones are a score without a spread,
    indicative, and no change from or to them is called significant; the others are Student's t."""
    months: dict[str, list[float]] = defaultdict(list)
    for audit in AUDITS:
        months[audit["Audit date"][:7]].append(int(audit["Points (of 50)"]) / 50 * 100)
    rows = report("--program", "audit", "--metric", "audit")
    assert [(r["month"], r["responses"]) for r in rows] == [(m, len(s)) for m, s in sorted(months.items())]
    assert [r["indicative"] for r in rows] == [False, True, False, True]
    estimates = {}
    for row in rows:
        scores = months[row["month"]]
        m = statistics.fmean(scores)
        assert close(row["score"], m)
        if len(scores) == 1:
            assert row["ci_low"] is None and row["ci_high"] is None
            estimates[row["month"]] = (m, m, None)
            continue
        se = statistics.stdev(scores) / math.sqrt(len(scores))
        half = t_quantile(len(scores) - 1) * se
        assert close(row["ci_low"], max(0, m - half)) and close(row["ci_high"], min(100, m + half)), row
        estimates[row["month"]] = (m, m, se)
    assert_changes(rows, estimates, "month")
    assert [r["change_significant"] for r in rows] == [None, None, None, None]


def test_a_month_without_visits_is_skipped_by_the_change_not_filled_in(report):
    """No mystery shop in April: May's change is from March, the last month with visits."""
    rows = report("--program", "mystery_shop", "--metric", "mystery_shop")
    months = sorted({visit["Visit date"][:7] for visit in VISITS})
    assert "2025-04" not in months and [r["month"] for r in rows] == months
    may = next(row for row in rows if row["month"] == "2025-05")
    assert may["previous"] == "2025-03"


@pytest.mark.parametrize(("promoters", "passives", "detractors"), [(1, 0, 1), (2, 0, 0), (0, 2, 0), (0, 0, 2)])
def test_two_answers_have_the_adjusted_wald_interval_worked_out_by_hand(promoters, passives, detractors):
    """n = 2: of 5 with the pseudo-answers, p = (P + ¾) / 5, d = (D + ¾) / 5."""
    p, d = (promoters + 0.75) / 5, (detractors + 0.75) / 5
    se = math.sqrt((p + d - (p - d) ** 2) / 5)
    estimate = intervals.nps(2, promoters, detractors)
    assert estimate.value == 50 * (promoters - detractors)
    assert estimate.low == pytest.approx(100 * max(-1, p - d - Z * se))
    assert estimate.high == pytest.approx(100 * min(1, p - d + Z * se))
    assert estimate.high - estimate.low > 50  # two answers tell little, whichever they are


def test_two_different_scores_have_the_t_interval_of_one_degree_of_freedom():
    """60 and 80: mean 70, s = √200, SE = 10, t(0.975, 1) = 12.706 → 70 ± 127.06, kept to 0…100."""
    estimate = intervals.mean(2, 140.0, 60.0**2 + 80.0**2, 60.0, 80.0)
    assert estimate.se == pytest.approx(10) and (estimate.low, estimate.high) == (0.0, 100.0)
    assert t_quantile(1) == pytest.approx(12.706, abs=1e-3)


def test_the_table_marks_the_figures_of_fewer_than_5_answers_and_says_why(report):
    months: dict[str, int] = defaultdict(int)
    for audit in AUDITS:
        months[audit["Audit date"][:7]] += 1
    lines = report("--program", "audit", fmt="table").splitlines()
    assert lines[0].split() == ["month", "┃", "program", "┃", "metric", "┃", "responses", "┃", "score", "┃", "indicative"]
    marked = {line.split()[0]: line.split()[-1] == "yes" for line in lines[2:2 + len(months)]}
    assert marked == {month: n < 5 for month, n in months.items()} and sum(marked.values()) == 2
    assert lines[-1].startswith("indicative: fewer than 5 answers behind the figure")
    assert "indicative" not in report("--program", "voc", fmt="table")  # none small: no column, no line
    assert report("--program", "audit", fmt="csv").splitlines()[0] == "month,program,metric,responses,score"
