"""A weighted or quota'd export carries a weight per response ("Weight", "weight_final"): cxbridge
counts each response once, unweighted, in every metric — so `inspect`, the import and a sync whose
mapping leaves the column out say so, naming the column, and the report's figures are the
unweighted ones, checked here against the rows; the weights are kept in `attributes`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.detection.inspector import inspect_file
from tests.sqlite_runs import query
from tests.weight_warnings import weight_warning

RECOMMEND = "How likely are you to recommend us to a friend?"
ANSWERS = [2, 9, 1, 4, 1, 7, 7, 7, 10, 6, 3, 1, 7, 0, 6, 6, 9, 0, 7, 4]
WEIGHTS = [f"{0.5 + (n % 4) * 0.25:.2f}" for n in range(len(ANSWERS))]  # 0.50 … 1.25


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "400"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


def write(path: Path, weight: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Response ID", "Submitted", RECOMMEND, weight],
                                      *[[f"R{n}", f"2025-03-{n + 1:02d} 10:00", a, w]
                                        for n, (a, w) in enumerate(zip(ANSWERS, WEIGHTS, strict=True))]])  # fmt: skip
    return path


def warning_of(weight: str) -> str:
    return weight_warning(f"column {weight!r}", "0.5–1.25", weight)


@pytest.mark.parametrize("weight", ["Weight", "weight_final", "Final weight", "Gewichtung"])
def test_a_weight_column_is_named_unweighted_and_the_report_counts_each_response_once(tmp_path, weight):
    """The weights were kept in attributes and nothing was said: a weighted export's unweighted NPS
    read as its published, weighted one."""
    path = write(tmp_path / "weighted.csv", weight)
    assert warning_of(weight) in inspect_file(path).warnings
    assert warning_of(weight) in run("import", str(path), "--db", str(tmp_path / "x.db"))
    promoters, detractors = sum(a >= 9 for a in ANSWERS), sum(a <= 6 for a in ANSWERS)
    report = json.loads(run("report", "--db", str(tmp_path / "x.db"), "--format", "json"))
    assert [(r["metric"], r["responses"], r["score"]) for r in report] == [
        ("nps", len(ANSWERS), round(100 * (promoters - detractors) / len(ANSWERS), 1))]  # fmt: skip
    kept = query(tmp_path, f"SELECT json_extract(attributes, '$.\"{weight}\"') FROM feedback ORDER BY "
                           "CAST(substr(source_record_id, 2) AS INTEGER)", db="x.db")  # fmt: skip
    assert [w for (w,) in kept] == WEIGHTS


def with_key(mapping: Path, line: str) -> None:
    """The saved mapping with `line` added to its `[sources.weighted]` table."""
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace("[sources.weighted.columns]", f"{line}\n\n[sources.weighted.columns]"), encoding="utf-8")


@pytest.mark.parametrize("line", [
    'acknowledged_weights = ["Weight_Final"]',  # the warning read: named in any case
    'attributes = ["weight_final"]',  # listed as an attribute: kept on purpose
])  # fmt: skip
def test_a_sync_whose_mapping_leaves_the_weight_out_says_so_until_the_source_acknowledges_it(tmp_path, line):
    """The warning said to list the column under attributes — which, listing that column alone,
    left every other unmapped column out of attributes; `acknowledged_weights` keeps them."""
    path = write(tmp_path / "weighted.csv", "weight_final")
    mapping = tmp_path / "mapping.toml"
    run("inspect", str(path), "--write-mapping", str(mapping))
    assert warning_of("weight_final") in run("import", str(path), "--mapping", str(mapping), "--db", str(tmp_path / "x.db"))
    with_key(mapping, line)
    assert "weight per response" not in run("import", str(path), "--mapping", str(mapping), "--db", str(tmp_path / "y.db"))
    kept = query(tmp_path, "SELECT json_extract(attributes, '$.weight_final') FROM feedback WHERE source_record_id = 'R1'",
                 db="y.db")  # fmt: skip
    assert kept == [(WEIGHTS[1],)]


@pytest.mark.parametrize(("value", "message"), [
    ('["wieght_final"]', "sources.weighted.acknowledged_weights: 'wieght_final' names no survey weight"),
    ('"weight_final"', "sources.weighted.acknowledged_weights: write a list of the fields the source's weight warnings "
                       'quote, e.g. acknowledged_weights = ["weight_final"]'),
])  # fmt: skip
def test_an_acknowledged_weight_that_names_no_weight_is_a_config_error_naming_the_key(tmp_path, value, message):
    """A misspelt field would silence nothing, and the warning would go on without a word of why."""
    path = write(tmp_path / "weighted.csv", "weight_final")
    mapping = tmp_path / "mapping.toml"
    run("inspect", str(path), "--write-mapping", str(mapping))
    with_key(mapping, f"acknowledged_weights = {value}")
    result = CliRunner().invoke(cli, ["import", str(path), "--mapping", str(mapping), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1, result.output  # the file is refused before it is read
    assert f"✘ weighted.csv → weighted (plain): {mapping}: {message}" in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("header", "values"), [
    ("Weight", ["", "", "N/A"] * 7),  # nothing to weigh by
    ("Weight (kg)", [f"{60 + n}" for n in range(20)]),  # a unit: a body weight, no survey weight
    ("Parcel weight", [f"{1.5 + n / 10:.1f}" for n in range(20)]),  # what was delivered
])  # fmt: skip
def test_a_column_of_no_survey_weights_is_not_named_so(tmp_path, header, values):
    path = tmp_path / "other.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Response ID", "Submitted", RECOMMEND, header],
                                      *[[f"R{n}", f"2025-03-{n + 1:02d} 10:00", a, v]
                                        for n, (a, v) in enumerate(zip(ANSWERS, values, strict=False))]])  # fmt: skip
    assert not [w for w in inspect_file(path).warnings if "weight per response" in w]


def test_the_documented_weighted_nps_query_weighs_each_answer_by_its_kept_weight(tmp_path):
    """docs/report.md (Weights) prints a query of a weighted NPS of your own on SQLite; it ran
    in no test. On the import of a weight_final column it gives 100 · Σ w·(promoter − detractor) / Σ w."""
    import re
    from fractions import Fraction

    from tests.conftest import ROOT

    weights_section = (ROOT / "docs" / "report.md").read_text(encoding="utf-8").split("### Weights", 1)[1]
    documented = re.search(r"```sql\n(.*?)```", weights_section, flags=re.S)
    assert documented and "weight_final" in documented[1]
    run("import", str(write(tmp_path / "weighted.csv", "weight_final")), "--db", str(tmp_path / "x.db"))
    [(weighted,)] = query(tmp_path, documented[1], db="x.db")
    sign = [1 if a >= 9 else -1 if a <= 6 else 0 for a in ANSWERS]
    expected = 100 * sum(Fraction(w) * s for w, s in zip(WEIGHTS, sign, strict=True)) / sum(map(Fraction, WEIGHTS))
    assert weighted == pytest.approx(float(expected), abs=1e-9)
    unweighted = Fraction(100 * sum(sign), len(ANSWERS))
    assert expected != unweighted  # the weights move the figure: the test tells the two apart
