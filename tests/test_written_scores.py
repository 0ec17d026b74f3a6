"""Scores written as a share of the scale's top ("7/10") or as stars ("★★★★☆") — as analysts
type them into a sheet, or a form tool exports a star rating — are the number they show: scored on
the scale they name, checked against the rows; one naming another scale's top ("4/5" under a 0–10
question) is quarantined saying so."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.errors import DataError
from cxbridge.metrics import MetricSpec, coerce
from tests.sqlite_runs import query

RECOMMEND = "How likely are you to recommend us to a friend?"
SATISFIED = "How satisfied are you with your visit?"
NPS_ANSWERS = [2, 9, 1, 4, 1, 7, 7, 7, 10, 6, 3, 1, 7, 0, 6, 6, 9, 0, 7, 4]
CSAT_ANSWERS = [2, 5, 1, 3, 1, 1, 1, 5, 1, 4, 2, 4, 1, 5, 2, 4, 4, 5, 2, 3]


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "400"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def test_scores_written_out_of_ten_and_as_stars_are_scored_on_the_scale_they_name(tmp_path):
    """'7/10' was read as an amount and the column left unscored as 'labels of no known scale', and
    so were stars, though each names its score and its scale's top."""
    rows = [["id", "date", RECOMMEND, SATISFIED], *[[f"R{n}", f"2025-03-{n + 1:02d}", f"{a}/10", stars(s)]
                                                   for n, (a, s) in enumerate(zip(NPS_ANSWERS, CSAT_ANSWERS, strict=True))]]  # fmt: skip
    path = write(tmp_path / "typed.csv", rows)
    assert "not scored" not in run("import", str(path), "--db", str(tmp_path / "x.db"))
    report = {r["metric"]: (r["responses"], r["score"])
              for r in json.loads(run("report", "--db", str(tmp_path / "x.db"), "--format", "json"))}  # fmt: skip
    promoters, detractors = sum(a >= 9 for a in NPS_ANSWERS), sum(a <= 6 for a in NPS_ANSWERS)
    assert report == {"nps": (20, round(100 * (promoters - detractors) / 20, 1)),
                      "csat": (20, round(100 * sum(s >= 4 for s in CSAT_ANSWERS) / 20, 1))}  # fmt: skip
    stored = query(tmp_path, "SELECT nps, csat FROM feedback ORDER BY CAST(substr(source_record_id, 2) AS INTEGER)",
                   db="x.db")  # fmt: skip
    assert stored == [(a, float(s)) for a, s in zip(NPS_ANSWERS, CSAT_ANSWERS, strict=True)]


@pytest.mark.parametrize(("answer", "spec", "value"), [
    ("7/10", MetricSpec(metric="nps"), 7), (" 10 / 10 ", MetricSpec(metric="nps"), 10),
    ("0/10", MetricSpec(metric="nps"), 0), ("★★★★☆", MetricSpec(metric="csat", scale=(1, 5)), 4),
    ("★☆☆☆☆", MetricSpec(metric="csat", scale=(1, 5)), 1), ("4,5/5", MetricSpec(metric="csat", scale=(1, 5)), 4.5),
])  # fmt: skip
def test_an_answer_out_of_the_scale_s_top_is_its_number(answer, spec, value):
    assert coerce(answer, spec) == value


@pytest.mark.parametrize(("answer", "spec", "why"), [
    ("4/5", MetricSpec(metric="nps"), "answer '4/5' is out of 5, not of this nps scale's 10"),
    ("★★★★☆", MetricSpec(metric="csat", scale=(1, 7)), "answer '★★★★☆' is out of 5, not of this csat scale's 7"),
])  # fmt: skip
def test_an_answer_out_of_another_scale_s_top_is_quarantined_saying_so(answer, spec, why):
    with pytest.raises(DataError, match=why):
        coerce(answer, spec)


FACES = {1: "😠", 2: "🙁", 3: "😐", 4: "🙂", 5: "😀"}


@pytest.mark.parametrize(("header", "cell", "said"), [
    (RECOMMEND, lambda n: "7-8" if n == 3 else str(NPS_ANSWERS[n]), "answer '7-8' names an amount"),
    (RECOMMEND, lambda n: "8.5" if n == 3 else str(NPS_ANSWERS[n]), "nps answer 8.5 is not a whole number 0–10"),
    (SATISFIED, lambda n: FACES[CSAT_ANSWERS[n]], "are not points of a known satisfaction"),
    (SATISFIED, lambda n: str((n * 37) % 101), "map it under [[metrics]] with metric = 'csat' and scale = [0, 100]"),
])  # fmt: skip
def test_a_range_a_decimal_nps_emoji_faces_and_a_0_to_100_slider_are_named_never_scored_silently(tmp_path, header,
                                                                                                   cell, said):
    """A guard — these were right: a range or a decimal NPS goes to quarantine saying what to do,
    emoji faces and a 0–100 satisfaction slider are kept unscored with a warning naming the fix."""
    path = write(tmp_path / "typed.csv", [["id", "date", header], *[[f"R{n}", f"2025-03-{n + 1:02d}", cell(n)]
                                                                    for n in range(20)]])  # fmt: skip
    assert said in run("import", str(path), "--db", str(tmp_path / "x.db"))
    scored = query(tmp_path, "SELECT count(*) FROM feedback_scores", db="x.db")[0][0]
    quarantined = query(tmp_path, "SELECT count(*) FROM quarantine", db="x.db")[0][0]
    assert (scored, quarantined) == ((19, 1) if header == RECOMMEND else (0, 0))


def test_four_out_of_five_is_a_four(tmp_path):
    """A guard — it was right: '4 out of 5' is read as 4 on 1–5."""
    rows = [["id", "date", SATISFIED], *[[f"R{n}", f"2025-03-{n + 1:02d}", f"{s} out of 5"]
                                         for n, s in enumerate(CSAT_ANSWERS)]]  # fmt: skip
    path = write(tmp_path / "typed.csv", rows)
    run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert query(tmp_path, "SELECT responses, csat_pct FROM csat_by_month", db="x.db") == [
        (20, round(100 * sum(s >= 4 for s in CSAT_ANSWERS) / 20, 1))]  # fmt: skip
