"""An answer typed between two points of a point scale — "3,5" (a comma-decimal locale) or "4.5"
on a 1–5 CSAT, "5.5" on a 1–7 CES — is kept as written and its 0–100 position stored, but it
counts in the top or bottom box only once it reaches that box's own point: top-2-box of 1–5 is
4 and 5, so 3.5 is neutral. `inspect` says so of such answers instead of promising a quarantine."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import cxbridge
from cxbridge.detection.inspector import inspect_file
from cxbridge.metrics import MetricSpec, score
from cxbridge.plugins_host import create_host
from tests.sqlite_runs import query


@pytest.mark.parametrize(("metric", "scale", "direction", "answers", "boxes"), [
    ("csat", (1, 5), "higher_is_better", (1.5, 2.5, 3.5, 4.5), ("dissatisfied", "neutral", "neutral", "satisfied")),
    ("csat", (0, 10), "higher_is_better", (0.5, 1.5, 8.5, 9.5), ("dissatisfied", "neutral", "neutral", "satisfied")),
    ("ces", (1, 7), "higher_is_better", (2.5, 5.5, 6.5), ("neutral", "neutral", "low_effort")),
    ("ces", (1, 7), "lower_is_better", (1.5, 2.5, 6.5), ("low_effort", "neutral", "high_effort")),
    ("csat", (1, 4), "higher_is_better", (1.5, 2.5, 3.5), ("dissatisfied", "neutral", "satisfied")),
])  # fmt: skip
def test_an_answer_between_two_points_is_in_a_box_only_from_that_box_s_own_point(metric, scale, direction, answers,
                                                                                   boxes):
    """3.5 on 1–5 was satisfied and 2.5 dissatisfied: the boxes were cut halfway to the next point
    (above 3, below 3), so a respondent between neutral and satisfied counted as satisfied."""
    spec = MetricSpec(metric=metric, scale=scale, direction=direction)
    assert tuple(score(answer, spec).category for answer in answers) == boxes
    whole = range(int(scale[0]), int(scale[1]) + 1)
    before = {1: "dissatisfied", 2: "dissatisfied", 3: "neutral", 4: "satisfied", 5: "satisfied"}
    if (metric, scale) == ("csat", (1, 5)):
        assert [score(point, spec).category for point in whole] == [before[point] for point in whole]


SATISFACTION = ["2", "5", "1", "3,5", "1", "1", "1", "5", "1", "4", "2", "4", "4,5", "5", "2", "4", "4", "5", "2", "3"]


def test_a_comma_decimal_between_two_points_of_a_csat_is_stored_and_counted_as_its_box_says(tmp_path):
    path = tmp_path / "visits.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "date", "How satisfied are you with your visit?"],
                                      *[[f"R{n}", f"2025-03-{n + 1:02d}", a] for n, a in enumerate(SATISFACTION)]])  # fmt: skip
    [csat] = [p for p in inspect_file(path).chosen if p.target == "csat"]
    assert "2 of 20 answers lie between two points of the scale ('3.5', '4.5'): stored as written, in a box only " \
           "from that box's own point" in csat.describe()
    assert "quarantine" not in csat.describe()
    [item] = cxbridge.import_([path], destination=f"sqlite:///{Path(tmp_path) / 'x.db'}", host=create_host()).files
    assert (item.result.written, item.result.quarantined) == (20, 0), item.error
    values = [float(a.replace(",", ".")) for a in SATISFACTION]
    satisfied = sum(v >= 4 for v in values)  # 4, 4.5 and 5: 3.5 is not yet 4
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db="x.db") == [
        (20, round(100 * satisfied / 20, 1))]  # fmt: skip
    assert query(tmp_path, "SELECT csat, csat_normalized FROM feedback WHERE source_record_id = 'R3'", db="x.db") == [
        (3.5, 62.5)]  # fmt: skip
