"""95 % confidence intervals in `cxbridge report --format json` (issue 17 item 3): each figure of
examples/cxbridge.toml checked against intervals computed here from the example CSV files with
other means than cxbridge's — the NPS variance by `statistics`, the Wilson bounds as the roots of
their quadratic, Student's t by integrating its density — and the significance of each change."""

from __future__ import annotations

import json
import math
import shutil
import statistics
from collections import defaultdict

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.intervals import t_975
from tests.conftest import ROOT
from tests.test_population_views import CSAT_LABELS, CSAT_QUESTION, CUSTOMERS, NPS_QUESTION, VISITS

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


def test_nps_intervals_come_from_the_variance_of_the_plus_minus_one_scores(report):
    months: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        score = int(row[NPS_QUESTION])
        months[row["Submitted"][:7]].append(1 if score >= 9 else -1 if score <= 6 else 0)
    rows = [r for r in report("--program", "voc", "--metric", "nps")]
    assert [r["month"] for r in rows] == sorted(months)
    estimates = {}
    for row in rows:
        values = months[row["month"]]
        m, n = statistics.fmean(values), len(values)
        half = Z * math.sqrt(statistics.pvariance(values) / n)
        low, high = max(-1.0, m - half), min(1.0, m + half)
        assert close(row["ci_low"], 100 * low) and close(row["ci_high"], 100 * high), row
        estimates[row["month"]] = (100 * m, 100 * math.sqrt(statistics.pvariance(values) / n))
    assert_changes(rows, estimates, "month")


def assert_changes(rows: list[dict], estimates: dict[str, tuple[float, float]], by: str) -> None:
    """Each bucket's change since the one before, significant when the difference exceeds 1.96
    standard errors of the difference of two independent samples."""
    buckets = [row[by] for row in rows]
    assert rows[0]["previous"] is None and rows[0]["change"] is None and rows[0]["change_significant"] is None
    for previous, row in zip(buckets, rows[1:], strict=False):
        (now, se_now), (before, se_before) = estimates[row[by]], estimates[previous]
        assert row["previous"] == previous and close(row["change"], now - before)
        assert row["change_significant"] == (abs(now - before) > Z * math.hypot(se_now, se_before))


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson bounds: the p where (k/n − p)² = z² p (1 − p) / n, roots of a quadratic."""
    observed = k / n
    a, b, c = 1 + Z * Z / n, -(2 * observed + Z * Z / n), observed * observed
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


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
    estimates = {month: (100 * statistics.fmean(a), 100 * math.sqrt(statistics.fmean(a) * (1 - statistics.fmean(a)) / len(a)))
                 for month, a in months.items()}  # fmt: skip
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
        half = t_quantile(len(scores) - 1) * se
        assert close(row["score"], m) and row["responses"] == len(scores)
        assert close(row["ci_low"], max(0, m - half)) and close(row["ci_high"], min(100, m + half)), row
        estimates[row["quarter"]] = (m, se)
    assert_changes(rows, estimates, "quarter")


def test_dimensions_have_intervals_but_no_change(report):
    rows = report("--by", "location", "--program", "voc", "--metric", "nps")
    assert rows and all("ci_low" in row and "change" not in row for row in rows)


def test_the_table_and_csv_stay_as_they_were(report):
    """Intervals are in JSON only: the CSV's columns are the documented ones."""
    assert report("--by", "program", fmt="csv").splitlines()[0] == "program,metric,responses,score"
    rows = report("--by", "program")
    assert set(rows[0]) == {"program", "metric", "responses", "score", "ci_low", "ci_high"}


def test_a_significant_change_is_marked_and_a_chance_one_is_not(report):
    """By ISO week the customers' NPS swings: 2025-W03 (−22.2 → 71.4) moves beyond chance, most
    weeks do not."""
    from datetime import date

    weeks: dict[str, list[int]] = defaultdict(list)
    for row in CUSTOMERS:
        year, week, _ = date.fromisoformat(row["Submitted"][:10]).isocalendar()
        score = int(row[NPS_QUESTION])
        weeks[f"{year}-W{week:02d}"].append(1 if score >= 9 else -1 if score <= 6 else 0)
    rows = report("--program", "voc", "--metric", "nps", "--by", "week")
    estimates = {week: (100 * statistics.fmean(v), 100 * math.sqrt(statistics.pvariance(v) / len(v))) for week, v in weeks.items()}
    assert_changes(rows, estimates, "week")
    flags = {row["week"]: row["change_significant"] for row in rows}
    assert flags["2025-W03"] is True and list(flags.values()).count(False) > 10
