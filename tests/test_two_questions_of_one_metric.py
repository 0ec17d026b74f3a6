"""One record asking two questions of one metric without naming years — recommend the store and
recommend the brand, or the NPS asked again after a follow-up: the first listed is the record's
`nps` and the report's NPS, the other is kept as another question of it in `feedback_scores`,
and `inspect` and the import say so and how to choose the other (`primary = true`)."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.detection.inspector import inspect_file
from tests.sqlite_runs import query

STORE = "How likely are you to recommend this store to a friend?"
BRAND = "How likely are you to recommend the Acme brand to a friend?"
STORE_NPS = [2, 9, 1, 4, 1, 7, 7, 7, 10, 6, 3, 1, 7, 0, 6, 6, 9, 0, 7, 4]
BRAND_NPS = [8, 6, 8, 10, 3, 4, 4, 9, 7, 8, 6, 9, 0, 7, 3, 6, 6, 10, 2, 5]


def nps(scores: list[int]) -> float:
    return round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores), 1)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "400"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_two_recommend_questions_name_the_one_the_record_s_nps_is_and_primary_chooses_the_other(tmp_path):
    """Both columns were scored and the store's, listed first, was the record's NPS without a word."""
    path = tmp_path / "visits.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Response ID", "Submitted", STORE, BRAND],
                                      *[[f"R{n}", f"2025-03-{n + 1:02d} 10:00", s, b]
                                        for n, (s, b) in enumerate(zip(STORE_NPS, BRAND_NPS, strict=True))]])  # fmt: skip
    [warning] = [w for w in inspect_file(path).warnings if "primary" in w]
    assert warning == (f"columns {STORE!r} and {BRAND!r} both score nps: {STORE!r}, listed first, is the primary (the "
                       f"record's nps, which the report counts), {BRAND!r} another question of it; if {BRAND!r} is this "
                       "response's nps, mark its [[metrics]] entry primary = true, and no other (cxbridge inspect FILE "
                       "--write-mapping mapping.toml; docs/files.md#configuration)")  # fmt: skip
    assert warning in " ".join(run("import", str(path), "--db", str(tmp_path / "x.db")).split())
    report = json.loads(run("report", "--db", str(tmp_path / "x.db"), "--format", "json"))
    assert [(r["metric"], r["responses"], r["score"]) for r in report] == [("nps", 20, nps(STORE_NPS))]
    brand = query(tmp_path, f"SELECT value FROM feedback_scores WHERE question_id = '{BRAND}' ORDER BY record_id",
                  db="x.db")  # fmt: skip
    assert sorted(v for (v,) in brand) == sorted(BRAND_NPS)  # kept, not the record's nps
    mapping = tmp_path / "mapping.toml"
    run("inspect", str(path), "--write-mapping", str(mapping))
    entry = f'column = "{BRAND}"\nmetric = "nps"\n'
    text = mapping.read_text(encoding="utf-8").replace("primary = true\n", "")  # the proposal marks the store's
    mapping.write_text(text.replace(entry, entry + "primary = true\n"), encoding="utf-8")
    run("import", str(path), "--mapping", str(mapping), "--db", str(tmp_path / "y.db"))
    report = json.loads(run("report", "--db", str(tmp_path / "y.db"), "--format", "json"))
    assert [(r["metric"], r["responses"], r["score"]) for r in report] == [("nps", 20, nps(BRAND_NPS))]
