"""Mystery-shop and audit scores are detected, never dropped (issue 11 item 4): a "Score (of 40)",
"Points /50" or "Compliance %" column is the visit's score on the scale its header or its values
say, normalized 0–100, when the file's program is a mystery-shop or audit one (detected from its
headers and name, or given); yes/no criteria are kept as answers; in a VoC file such a column is
kept as an answer and the import says how to score it. Every normalized score is checked against
the file's own values, read here with the csv module."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cxbridge.cli.main import cli

from cxbridge import plugins_host
from cxbridge.detection.inspector import Hints, inspect_file
from tests.workbooks import write_xlsx

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "data"
CHECKLIST = Path(__file__).parent / "data" / "audits" / "store_audit_checklist.csv"  # percentages, a section, yes/no


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def db_rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def by_target(inspection) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for proposal in inspection.chosen:
        found.setdefault(proposal.target, []).append(proposal.column)
    return found


def visits(header: str, values: list[Any], *, extra: tuple[str, ...] = ("Shopper",)) -> list[list[Any]]:
    return [["Visit ID", "Visit date", *extra, header],
            *[[f"V{n}", f"2025-04-{n:02d}", *(f"person{n % 3}" for _ in extra), value]
              for n, value in enumerate(values, start=1)]]  # fmt: skip


# --- the shipped examples --------------------------------------------------------------------------


def criterion_evidence(header: str, low: str, high: str, examples: str, visit: str, what: str) -> str:
    maximum = header.rsplit("of ", 1)[1].rstrip(")")
    return (f"the header names the maximum ({header!r}: 0–{maximum}); answers {low}–{high} ({examples}); another "
            f"points column besides {visit!r} (the score of each {what}): a criterion of it, normalized 0–100 beside "
            "it, never averaged into it")  # fmt: skip


def test_the_mystery_shop_example_imports_its_score_of_40_and_its_criteria_of_10(tmp_path):
    path = EXAMPLES / "mystery_shop_2025.csv"
    inspection = inspect_file(path)
    assert inspection.settings["program"] == "mystery_shop"
    assert any(note.startswith("program mystery_shop: the file holds a points score, and 'Shopper'")
               for note in inspection.notes)  # fmt: skip
    [score] = [p for p in inspection.chosen if p.target == "mystery_shop"]
    assert (score.column, score.spec) == ("Score (of 40)", {"scale": [0.0, 40.0]})
    criteria = ["Greeting (of 10)", "Cleanliness (of 10)", "Product knowledge (of 10)", "Checkout (of 10)"]
    proposed = [p for p in inspection.chosen if p.target == "criterion"]
    assert [(p.column, p.spec) for p in proposed] == [(column, {"scale": [0.0, 10.0]}) for column in criteria]
    assert proposed[0].describe() == criterion_evidence("Greeting (of 10)", "0", "10", "'8', '9', '7'",
                                                        "Score (of 40)", "mystery-shop visit")  # fmt: skip
    assert "question" not in by_target(inspection) and not inspection.warnings
    assert by_target(inspection)["comment"] == ["Notes"]
    assert (by_target(inspection)["agent_id"], by_target(inspection)["team"]) == (["Staff served"], ["Department"])
    mapping = tmp_path / "visits.toml"
    assert invoke("inspect", str(path), "--write-mapping", str(mapping)).exit_code == 0
    assert '\ncolumn = "Greeting (of 10)"\nmetric = "criterion"\nscale = [0.0, 10.0]\n' in mapping.read_text("utf-8")

    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--db", str(db))
    rows = read_rows(path)
    assert result.exit_code == 0 and result.output.startswith("✔ mystery_shop_2025.csv → mystery_shop_2025 (plain): "
                                                              f"{len(rows)} read · {len(rows)} written"), result.output  # fmt: skip
    stored = db_rows(db, "SELECT f.source_record_id, f.program, f.respondent_type, s.metric, s.question_id, s.value, "
                         "s.scale_min, s.scale_max, s.normalized FROM feedback f JOIN feedback_scores s USING (record_id)")  # fmt: skip
    expected = [(row["Visit ID"], "mystery_shop", "shopper", "mystery_shop", "Score (of 40)", float(row["Score (of 40)"]),
                 0.0, 40.0, pytest.approx(float(row["Score (of 40)"]) * 100 / 40)) for row in rows]  # fmt: skip
    expected += [(row["Visit ID"], "mystery_shop", "shopper", "criterion", column, float(row[column]), 0.0, 10.0,
                  pytest.approx(float(row[column]) * 10)) for row in rows for column in criteria]  # fmt: skip
    assert sorted(stored, key=lambda row: row[:5]) == sorted(expected, key=lambda row: row[:5])


def test_a_sync_names_an_unmapped_criterion_of_the_mapped_visit_score_as_a_criterion(tmp_path):
    rows = [["Visit ID", "Visit date", "Store ID", "Greeting (of 10)", "Tidiness (of 10)", "Score (of 20)"],
            ["V1", "2025-03-03", "S1", 7, 9, 16], ["V2", "2025-03-04", "S2", 10, 4, 14],
            ["V3", "2025-03-05", "S1", 3, 8, 11]]  # fmt: skip
    write_csv(tmp_path / "visits.csv", rows)
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.shop]\nconnector = "csv"\npath = "visits.csv"\nprogram = "mystery_shop"\n\n'
        '[sources.shop.columns]\nid = "Visit ID"\nsubmitted_at = "Visit date"\nlocation_id = "Store ID"\n\n'
        '[[sources.shop.metrics]]\ncolumn = "Score (of 20)"\nmetric = "mystery_shop"\nscale = [0, 20]\n', "utf-8")
    result = invoke("sync", "--config", str(tmp_path / "cxbridge.toml"))
    assert result.exit_code == 0, result.output
    warnings = [line.strip().removeprefix("⚠ ") for line in result.output.splitlines() if "⚠" in line]
    assert warnings == [
        f"column {column!r} of visits.csv looks scored but the mapping leaves it out: "
        + criterion_evidence(column, low, high, examples, "Score (of 20)", "mystery-shop visit")
        + f"; to score it, add a [[sources.shop.metrics]] entry with column = {column!r}, metric = 'criterion', "
          "scale = [0, 10]"
        for column, low, high, examples in [("Greeting (of 10)", "3", "10", "'7', '10', '3'"),
                                            ("Tidiness (of 10)", "4", "9", "'9', '4', '8'")]
    ]  # fmt: skip
    assert not any("visit's score" in warning for warning in warnings)


def test_the_example_network_without_its_criteria_mapped_warns_of_each_criterion(tmp_path):
    config = EXAMPLES.parent / "cxbridge.toml"
    text = config.read_text(encoding="utf-8")
    criteria = ["Greeting (of 10)", "Cleanliness (of 10)", "Product knowledge (of 10)", "Checkout (of 10)"]
    for column in criteria:
        entry = f'[[sources.mystery_shop.metrics]]\ncolumn = "{column}"\nmetric = "criterion"\nscale = [0, 10]\n'
        assert entry in text
        text = text.replace(entry, "")
    (tmp_path / "data").mkdir()
    for name in ("mystery_shop_2025.csv", "store_audit_2025.csv"):
        (tmp_path / "data" / name).write_bytes((EXAMPLES / name).read_bytes())
    (tmp_path / "cxbridge.toml").write_text(text, encoding="utf-8")
    result = invoke("sync", "--config", str(tmp_path / "cxbridge.toml"), "--source", "mystery_shop")
    assert result.exit_code == 0, result.output
    warnings = [line.strip().removeprefix("⚠ ") for line in result.output.splitlines() if "⚠" in line]
    assert [warning.split(": ", 1)[0] for warning in warnings] == [
        f"column {column!r} of mystery_shop_2025.csv looks scored but the mapping leaves it out" for column in criteria]
    for column, warning in zip(criteria, warnings, strict=True):
        assert "another points column besides 'Score (of 40)' (the score of each mystery-shop visit)" in warning
        assert warning.endswith(f"column = {column!r}, metric = 'criterion', scale = [0, 10]")


def test_the_store_audit_example_imports_its_points_of_50_as_the_audit_score(tmp_path):
    path = EXAMPLES / "store_audit_2025.csv"
    inspection = inspect_file(path)
    assert inspection.settings["program"] == "audit" and not inspection.warnings
    [score] = [p for p in inspection.chosen if p.target == "audit"]
    assert (score.column, score.spec) == ("Points (of 50)", {"scale": [0.0, 50.0]})
    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--db", str(db))
    rows = read_rows(path)
    assert result.exit_code == 0 and f"{len(rows)} read · {len(rows)} written" in result.output, result.output
    stored = db_rows(db, "SELECT f.source_record_id, f.program, f.respondent_type, s.metric, s.value, s.normalized "
                         "FROM feedback f JOIN feedback_scores s USING (record_id)")  # fmt: skip
    assert sorted(stored) == sorted(
        (row["Audit ID"], "audit", "auditor", "audit", float(row["Points (of 50)"]),
         pytest.approx(float(row["Points (of 50)"]) / 50 * 100)) for row in rows
    )  # fmt: skip


def test_an_audit_checklist_scores_its_percentages_and_its_section_as_a_criterion(tmp_path):
    path = CHECKLIST
    inspection = inspect_file(path)
    assert inspection.settings["program"] == "audit"
    [score] = [p for p in inspection.chosen if p.target == "audit"]
    assert (score.column, score.spec) == ("Compliance %", {"scale": [0.0, 100.0]})
    assert "values are written as percentages" in score.describe()
    assert by_target(inspection)["question"] == ["Price labels correct", "Fire exits clear"]
    [section] = [p for p in inspection.chosen if p.target == "criterion"]
    assert (section.column, section.spec) == ("Cleanliness (of 20)", {"scale": [0.0, 20.0]})
    assert section.describe().endswith("another points column besides 'Compliance %' (the score of each audit): a "
                                       "criterion of it, normalized 0–100 beside it, never averaged into it")  # fmt: skip
    assert not inspection.warnings

    mapping = tmp_path / "audit.toml"
    assert invoke("inspect", str(path), "--write-mapping", str(mapping)).exit_code == 0
    text = mapping.read_text(encoding="utf-8")
    assert 'program = "audit"' in text
    assert '\ncolumn = "Cleanliness (of 20)"\nmetric = "criterion"\nscale = [0.0, 20.0]\n' in text
    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--mapping", str(mapping), "--db", str(db))
    assert result.exit_code == 0 and "30 read · 30 written" in result.output, result.output
    rows = read_rows(path)
    compliance = {row["Audit ID"]: float(row["Compliance %"].rstrip("%")) for row in rows}
    cleanliness = {row["Audit ID"]: float(row["Cleanliness (of 20)"]) for row in rows}
    stored = db_rows(db, "SELECT f.source_record_id, s.metric, s.value, s.normalized FROM feedback f "
                         "JOIN feedback_scores s USING (record_id) WHERE f.program = 'audit'")  # fmt: skip
    expected = [(audit, "audit", value, pytest.approx(value)) for audit, value in compliance.items()]
    expected += [(audit, "criterion", value, pytest.approx(value / 20 * 100)) for audit, value in cleanliness.items()]
    assert sorted(stored, key=lambda row: row[:2]) == sorted(expected, key=lambda row: row[:2])


# --- headers and values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "values", "scale"),
    [
        ("Score (of 40)", [32, 25, 40, 18, 36], [0.0, 40.0]),
        ("Score (out of 40)", [32, 25, 40, 18, 36], [0.0, 40.0]),
        ("Total score [max 25]", [20, 25, 13, 9, 22], [0.0, 25.0]),
        ("Points /50", [41, 50, 33, 47, 29], [0.0, 50.0]),
        ("Score (40 pts)", [32, 25, 40, 18, 36], [0.0, 40.0]),
        ("Wynik (z 20)", [15, 17.5, 20, 11, 19], [0.0, 20.0]),
        ("Баллы (из 30)", [21, 30, 25, 18, 27], [0.0, 30.0]),
        ("Compliance %", [85, 92.5, 100, 71, 64], [0.0, 100.0]),
        ("Score", ["85%", "92,5 %", "100%", "71%", "64%"], [0.0, 100.0]),
    ],
)
def test_the_scale_comes_from_the_header_or_from_percentages(tmp_path, header, values, scale):
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", visits(header, values)))
    [score] = [p for p in inspection.chosen if p.column == header]
    assert (score.target, score.spec) == ("mystery_shop", {"scale": scale})


def test_a_spreadsheets_percent_cells_are_fractions_of_one(tmp_path):
    path = write_xlsx(tmp_path / "audits.xlsx", {"Audits": [["Audit ID", "Audit date", "Compliance %"],
                                                            *[[f"A{n}", f"2025-05-0{n}", share] for n, share in
                                                              enumerate([0.85, 0.9, 0.725, 1, 0.6], start=1)]]})  # fmt: skip
    inspection = inspect_file(path)
    [score] = [p for p in inspection.chosen if p.target == "audit"]
    assert score.spec == {"scale": [0.0, 1.0]} and "a spreadsheet's percent cells" in score.describe()
    db = tmp_path / "x.db"
    assert invoke("import", str(path), "--db", str(db)).exit_code == 0
    assert sorted(db_rows(db, "SELECT value, normalized FROM feedback_scores")) == [
        (value, pytest.approx(value * 100)) for value in sorted([0.85, 0.9, 0.725, 1, 0.6])
    ]


@pytest.mark.parametrize(("odd", "quarantined", "ignored"), [([85], 1, []), ([99, 99], 0, [99])],
                         ids=["a-typed-85", "a-repeated-99"])  # fmt: skip
def test_one_typo_or_a_no_answer_code_among_percent_cells_keeps_them_fractions_of_one(tmp_path, odd, quarantined,
                                                                                      ignored):
    """Percent cells (0.85) with one 85 typed for 0.85, or a 99 no-answer code given twice, were read
    0–100 — every audit scored under 1 % — as any number above 1 made them no fractions: the typo
    rule (`tolerance`) says which far-off numbers are slips or codes, here as for any scored column."""
    shares = [0.85, 0.9, 0.725, 1, 0.6, 0.8, 0.95, 0.7]
    path = write_xlsx(tmp_path / "audits.xlsx", {"Audits": [["Audit ID", "Audit date", "Compliance %"],
                                                            *[[f"A{n}", f"2025-05-{n:02d}", share] for n, share in
                                                              enumerate([*shares, *odd], start=1)]]})  # fmt: skip
    [score] = [p for p in inspect_file(path).chosen if p.target == "audit"]
    assert score.spec == {"scale": [0.0, 1.0], **({"ignore_values": ignored} if ignored else {})}, score.spec
    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--db", str(db))
    read = len(shares) + len(odd)
    assert f"{read} read · {read - quarantined} written · 0 unchanged · {quarantined} quarantined" in result.output
    assert sorted(db_rows(db, "SELECT value, normalized FROM feedback_scores")) == [
        (share, pytest.approx(share * 100)) for share in sorted(shares)
    ]
    errors = [error for (error,) in db_rows(db, "SELECT error FROM quarantine")]
    assert len(errors) == quarantined
    assert all(error.startswith("question 'Compliance %': audit answer 85 is outside its scale 0–1;") for error in errors)


def test_a_points_column_of_a_voc_file_is_kept_and_the_import_says_how_to_score_it(tmp_path):
    path = write_csv(tmp_path / "survey.csv", visits("Score (of 40)", [30, 22, 38], extra=("Store",)))
    inspection = inspect_file(path)
    assert "program" not in inspection.settings
    assert not [p for p in inspection.chosen if p.target in ("mystery_shop", "audit")]
    result = invoke("import", str(path), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 0
    assert ("⚠ column 'Score (of 40)' is not scored: the header names the maximum ('Score (of 40)': 0–40); answers "
            "22–38") in result.output  # fmt: skip
    assert ("but the program is voc; kept as an answer, unscored; if the rows are mystery-shop visits or audits, "
            "import with --program mystery_shop (or audit)") in result.output  # fmt: skip
    # the advice, followed
    db = tmp_path / "y.db"
    scored = invoke("import", str(path), "--program", "mystery_shop", "--db", str(db))
    assert scored.exit_code == 0 and "⚠" not in scored.output, scored.output
    assert sorted(db_rows(db, "SELECT value, normalized FROM feedback_scores WHERE metric = 'mystery_shop'")) == [
        (value, pytest.approx(value / 40 * 100)) for value in (22.0, 30.0, 38.0)
    ]


def test_a_file_naming_both_programs_is_left_to_the_user(tmp_path):
    rows = visits("Score (of 40)", [30, 22, 38], extra=("Shopper", "Auditor"))
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", rows))
    assert "program" not in inspection.settings
    assert "program not decided: the file names both mystery_shop ('Shopper') and audit ('Auditor'); set --program" in (
        inspection.notes
    )
    chosen = inspect_file(tmp_path / "visits.csv", Hints(program="audit"))
    assert [p.target for p in chosen.chosen if p.column == "Score (of 40)"] == ["audit"]


def test_a_score_without_its_maximum_is_kept_and_the_warning_says_to_set_the_scale(tmp_path):
    inspection = inspect_file(write_csv(tmp_path / "mystery.csv", visits("Score", [31, 27, 35, 22])))
    assert inspection.settings["program"] == "mystery_shop"
    [warning] = inspection.warnings
    assert "the header names points ('score') but not their maximum" in warning
    assert warning.endswith("map it under [[metrics]] with metric = 'mystery_shop' and scale = [0, MAX]")


def test_points_off_the_scale_go_to_quarantine_with_the_reason(tmp_path):
    values = [32, 25, 45, 18, 36, 40, 12, 33, 29, 38, 21]  # 45 of 40: a typo
    path = write_csv(tmp_path / "mystery.csv", visits("Score (of 40)", values))
    [score] = [p for p in inspect_file(path).chosen if p.target == "mystery_shop"]
    assert "1 of 11 answers is off the scale ('45'): that row goes to quarantine" in score.describe()
    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--db", str(db))
    assert result.exit_code == 0 and "11 read · 10 written · 0 unchanged · 1 quarantined" in result.output
    [(error,)] = db_rows(db, "SELECT error FROM quarantine")
    assert error.startswith("question 'Score (of 40)': mystery_shop answer 45 is outside its scale 0–40")


def test_a_typed_380_among_8_visits_is_quarantined_and_the_other_visits_scored(tmp_path):
    """A 380 typed for 38 is one of 8 visits, 12 % of them: the column was kept unscored under the
    points' own 10 % rule. Points take the one rule of every scored column (`tolerance`): a few
    numbers far off the scale are slips."""
    values = [32, 25, 380, 18, 36, 40, 12, 33]
    path = write_csv(tmp_path / "mystery.csv", visits("Score (of 40)", values))
    [score] = [p for p in inspect_file(path).chosen if p.target == "mystery_shop"]
    assert "1 of 8 answers is off the scale ('380'): that row goes to quarantine" in score.describe()
    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--db", str(db))
    assert "8 read · 7 written · 0 unchanged · 1 quarantined" in result.output, result.output
    [(visit, error)] = db_rows(db, "SELECT source_record_id, error FROM quarantine")
    assert visit == "V3" and "mystery_shop answer 380 is outside its scale 0–40" in error
    stored = db_rows(db, "SELECT value, normalized FROM feedback_scores WHERE metric = 'mystery_shop'")
    assert sorted(stored) == sorted((value, value * 100 / 40) for value in values if value <= 40)


def test_many_points_far_off_the_scale_are_another_quantity_though_under_a_tenth(tmp_path):
    """Fifteen 400s among 300 visits scored 0–40 (5 %) were quarantined as typos: more far-off
    numbers than slips (1 + 2 % of the answers) say the scale is not the one the header names."""
    values = [n % 41 for n in range(300)] + [400] * 15
    inspection = inspect_file(write_csv(tmp_path / "mystery.csv", visits("Score (of 40)", values)))
    assert "mystery_shop" not in by_target(inspection)
    [score] = [p for p in inspection.proposals if p.column == "Score (of 40)"]
    assert "15 of 315 answers are off it ('400'), 15 more than a point off, too many for typos" in score.describe()


def test_a_repeated_99_among_visit_points_is_a_no_answer_code_not_typos(tmp_path):
    """A 99 ("not assessed") given 3 times among points of 40: named a likely no-answer code and
    ignored, as under a satisfaction question — it went to quarantine row by row."""
    values = [32, 25, 99, 18, 36, 40, 99, 12, 33, 29, 38, 21, 99, 30]
    [score] = [p for p in inspect_file(write_csv(tmp_path / "m.csv", visits("Score (of 40)", values))).chosen
               if p.target == "mystery_shop"]  # fmt: skip
    assert score.spec["ignore_values"] == [99], score.spec
    assert "99 given 3 times, more than a point off the scale: likely a no-answer code" in score.describe()
    assert "off the scale ('99')" not in score.describe()


def test_the_count_of_points_off_the_scale_leaves_out_the_no_answer_codes(tmp_path):
    """Three 99s ("not assessed") are no answers: a typed 380 was '1 of 15 answers' with them in the whole."""
    values = [32, 25, 99, 18, 36, 40, 99, 12, 33, 29, 38, 21, 99, 30, 380]
    [score] = [p for p in inspect_file(write_csv(tmp_path / "m.csv", visits("Score (of 40)", values))).chosen
               if p.target == "mystery_shop"]  # fmt: skip
    assert "1 of 12 answers is off the scale ('380')" in score.describe(), score.describe()


def test_a_nps_score_column_is_still_nps(tmp_path):
    rows = visits("NPS score", [9, 10, 3, 7, 8, 0, 6], extra=("Shopper",))
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", rows))
    assert [p.target for p in inspection.chosen if p.column == "NPS score"] == ["nps"]
    assert "program" not in inspection.settings and not inspection.warnings


@pytest.mark.parametrize("other", ["Target audit score %", "Previous audit score (of 50)", "Audit score goal %",
                                   "Last year's mystery shop score (of 40)", "Goal NPS score"])
def test_a_target_or_earlier_score_is_kept_unscored_and_never_the_visit_score(tmp_path, other):
    """"Target audit score %" listed before "Audit score %" was the audit (the visit's score) and the
    real one its criterion; listed after, a criterion. A goal or another time's points are no answer
    of this visit: kept unscored, with the warning the "Target NPS" rule gives."""
    maximum = 40 if "(of 40)" in other else 50 if "(of 50)" in other else 100
    score = "Score (of 40)" if maximum == 40 else "Audit score %"
    rows = [["Visit date", other, score], *[[f"2026-01-{n % 28 + 1:02d}", maximum - n % 7, 40 - n % 9]
                                            for n in range(24)]]  # fmt: skip
    path = tmp_path / "audits.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    inspection = inspect_file(path, Hints(program="mystery_shop" if maximum == 40 else "audit"))
    assert [(p.target, p.unscored) for p in inspection.proposals if p.column == other] == [("question", True)]
    assert [m["column"] for m in inspection.source_config()["metrics"]] == [score]
    assert any(repr(other) in warning and "another time's or a target's" in warning for warning in inspection.warnings)


@pytest.mark.parametrize("score", [None, "Score (of 40)"], ids=["alone", "beside-the-visit-score"])
def test_an_nps_in_percentages_is_never_a_visits_score(tmp_path, score):
    """"NPS 2024" holding a store's NPS (85%, 12%) in a mystery-shop file was scored as the visit's
    mystery_shop score, its percentages read as the visit's points: an NPS result is kept as an
    answer, with its warning, and the visit's points column (if any) stays its score."""
    nps, points = ["85%", "12%", "40%"], [30, 22, 38, 35]
    extra = [score] if score else []
    rows = [["Visit ID", "Visit date", "Shopper", "NPS 2024", *extra],
            *[[f"V{n}", f"2025-04-{n + 1:02d}", f"p{n % 3}", nps[n % 3], *([points[n % 4]] if score else [])]
              for n in range(12)]]  # fmt: skip
    inspection = inspect_file(write_csv(tmp_path / "visits.csv", rows), Hints(program="mystery_shop"))
    assert [m["column"] for m in inspection.source_config().get("metrics", [])] == extra
    assert any("'NPS 2024' is not scored" in w and "its values are percentages" in w for w in inspection.warnings)
