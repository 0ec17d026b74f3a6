"""`cxbridge inspect` and `cxbridge import` as a user runs them: folders of yearly files, one
summary per file, dry runs, saved mappings reused by import and by sync, and a report of the
imported data that matches NPS and CSAT computed here independently."""

from __future__ import annotations

import csv
import json
import random
import shutil
import sqlite3
import tomllib
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from cxbridge.cli.main import cli

from cxbridge import plugins_host
from tests.conftest import half_up
from tests.sqlite_runs import SAMPLES
from tests.workbooks import write_xlsx

HEADER = ["Submitted", "Store", "How likely are you to recommend us to a friend?", "How satisfied were you?",
          "Anything else you would like to tell us?"]  # fmt: skip
SATISFACTION = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def responses(count: int, *, seed: int = 3, start: datetime = datetime(2023, 1, 2, 9)) -> list[list]:
    rng = random.Random(seed)
    return [
        [(start + timedelta(hours=7 * n)).strftime("%d.%m.%Y %H:%M"), f"Store {n % 4}", rng.randrange(11),
         rng.choice(SATISFACTION), rng.choice(["", "Quick and friendly service today", "The queue was far too long"])]
        for n in range(count)
    ]  # fmt: skip


def write_csv(path, rows, *, encoding="utf-8", delimiter=";"):
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows([HEADER, *rows])
    return path


def count(db, sql: str = "SELECT COUNT(*) FROM feedback"):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_folder_of_yearly_files_imports_with_one_summary_per_file(tmp_path):
    folder = tmp_path / "history"
    folder.mkdir()
    write_xlsx(folder / "nps 2022.xlsx", {"Responses": [HEADER, *responses(12, seed=1)]})
    write_csv(folder / "nps_2023.csv", responses(9, seed=2), encoding="cp1250")
    (folder / "nps_2024.xlsx").write_bytes(b"not really a workbook")
    (folder / "readme.txt.bak").write_text("ignored: not a data file")
    db = tmp_path / "cx.db"
    result = invoke("import", str(folder), "--db", str(db), "--timezone", "Europe/Warsaw")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1
    assert lines[0].startswith("✔ nps 2022.xlsx → nps_2022 (plain): 12 read · 12 written")
    assert lines[1].startswith("✔ nps_2023.csv → nps_2023 (plain): 9 read · 9 written")
    assert lines[2].startswith("✘ nps_2024.xlsx → nps_2024: not a readable workbook")
    assert count(db) == [(21,)]
    assert count(db, "SELECT DISTINCT source FROM feedback ORDER BY 1") == [("nps_2022",), ("nps_2023",)]


@pytest.mark.parametrize("command", ["import", "inspect"])
def test_an_unknown_time_zone_is_a_usage_error_before_any_file_is_read(tmp_path, command):
    write_csv(tmp_path / "nps.csv", responses(3))
    where = ["--db", str(tmp_path / "cx.db")] if command == "import" else []
    result = invoke(command, str(tmp_path / "nps.csv"), *where, "--timezone", "Mars/Base")
    assert result.exit_code == 2
    assert result.output.count("unknown time zone 'Mars/Base'") == 1
    assert not (tmp_path / "cx.db").exists()


def test_dry_run_writes_nothing_and_a_second_import_writes_only_the_new_row(tmp_path):
    rows = responses(10)
    path = write_csv(tmp_path / "live.csv", rows)
    db = tmp_path / "cx.db"
    dry = invoke("import", str(path), "--db", str(db), "--dry-run")
    assert "10 read · 10 would write" in dry.output and not db.exists()
    assert "10 written" in invoke("import", str(path), "--db", str(db)).output
    assert "0 read · 0 written" in invoke("import", str(path), "--db", str(db)).output
    write_csv(path, [*rows, *responses(1, seed=9, start=datetime(2024, 5, 5))])
    # the grown file is read on from where the last import ended (docs/files.md): only the new row
    assert "1 read · 1 written · 0 unchanged" in invoke("import", str(path), "--db", str(db)).output
    assert count(db) == [(11,)]
    whole = tmp_path / "whole.db"
    assert "11 written" in invoke("import", str(path), "--db", str(whole)).output
    ids = "SELECT record_id, nps, submitted_at FROM feedback ORDER BY 1"
    assert count(db, ids) == count(whole, ids)


def test_inspect_shows_format_fields_and_evidence(tmp_path):
    path = write_csv(tmp_path / "visits.csv", responses(20), encoding="cp1250")
    out = invoke("inspect", str(path)).output
    assert "visits.csv: plain (0.50)" in out
    assert "delimiter ';'" in out and "encoding" in out
    assert "How likely are you to recommend us to a friend?" in out and "0.95" in out
    assert "the header asks about recommending" in out
    data = json.loads(invoke("inspect", str(path), "--format", "json").stdout)
    [found] = data
    assert found["mapping"]["columns"]["submitted_at"] == "Submitted"
    assert found["mapping"]["date_order"] == "dmy"


def test_an_unreadable_file_is_reported_by_inspect(tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"no")
    good = write_csv(tmp_path / "good.csv", responses(3))
    result = CliRunner().invoke(cli, ["inspect", str(tmp_path / "broken.xlsx"), str(good)])
    assert result.exit_code == 1
    assert "broken.xlsx: not a readable workbook" in result.output
    assert "good.csv: plain" in result.output


def test_a_saved_mapping_imports_and_syncs_to_the_same_records(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = responses(15)
    path = write_csv(tmp_path / "store_nps.csv", rows)
    assert invoke("inspect", str(path), "--write-mapping", "mapping.toml", "--timezone", "Europe/Warsaw").exit_code == 0
    mapping = (tmp_path / "mapping.toml").read_text(encoding="utf-8")
    assert "[sources.store_nps]" in mapping and 'path = "store_nps.csv"' in mapping
    assert "# 0.95: the header asks about recommending" in mapping
    edited = mapping.replace("[sources.store_nps]\n", '[sources.store_nps]\ntouchpoint = "store_visit"\n', 1)
    (tmp_path / "mapping.toml").write_text(edited, encoding="utf-8")
    detected = invoke("import", str(path), "--db", "detected.db", "--timezone", "Europe/Warsaw")
    saved = invoke("import", str(path), "--mapping", "mapping.toml", "--db", "saved.db")
    assert "15 written" in detected.output and "15 written" in saved.output
    ids = "SELECT record_id, nps, csat, submitted_at FROM feedback ORDER BY 1"
    assert count(tmp_path / "detected.db", ids) == count(tmp_path / "saved.db", ids)
    assert count(tmp_path / "saved.db", "SELECT DISTINCT touchpoint FROM feedback") == [("store_visit",)]

    synced = invoke("sync", "--config", "mapping.toml", "--db", "saved.db", "--no-progress")
    assert "0 read · 0 written" in synced.output  # the file the import read, unchanged: not even read again
    write_csv(path, [*rows, *responses(2, seed=5, start=datetime(2024, 2, 1))])
    # read on from where the import ended (docs/files.md): the two appended rows, the same records a whole read makes
    assert "2 read · 2 written · 0 unchanged" in invoke("sync", "--config", "mapping.toml", "--db", "saved.db").output
    assert "17 written" in invoke("import", str(path), "--mapping", "mapping.toml", "--db", "whole.db").output
    assert count(tmp_path / "saved.db", ids) == count(tmp_path / "whole.db", ids)


@pytest.mark.parametrize(("inspected", "imported"), [("nps.xlsx", "new.csv"), ("nps.csv", "new.xlsx")])
def test_a_mapping_saved_from_a_workbook_imports_a_csv_export_and_the_other_way_round(
    tmp_path, monkeypatch, inspected, imported
):
    """README's `inspect exports/2023.xlsx --write-mapping nps.toml`, then `import new.csv
    --mapping nps.toml`: the mapping's `connector = "excel"` failed the CSV with `new.csv is a
    delimited file; read it with connector = 'csv'`, though its columns are the workbook's."""
    monkeypatch.chdir(tmp_path)
    rows = responses(8)
    for name in (inspected, imported):
        if name.endswith(".csv"):
            write_csv(tmp_path / name, rows, encoding="cp1250")
        else:
            write_xlsx(tmp_path / name, {"Responses": [HEADER, *rows]})
    assert invoke("inspect", inspected, "--write-mapping", "nps.toml").exit_code == 0
    saved = invoke("import", imported, "--mapping", "nps.toml", "--db", "saved.db")
    assert saved.exit_code == 0, saved.output
    assert "8 read · 8 written" in saved.output
    assert "8 written" in invoke("import", inspected, "--mapping", "nps.toml", "--db", "inspected.db").output
    answers = "SELECT nps, csat, submitted_at, location_name FROM feedback ORDER BY submitted_at"
    assert count(tmp_path / "saved.db", answers) == count(tmp_path / "inspected.db", answers)


def test_a_mistake_in_a_saved_mapping_is_named_in_that_file(tmp_path, monkeypatch):
    """A key the mapping's table does not take (a source's key written under its `columns`): the
    import's error names the mapping file the user wrote — before, it named a `cxbridge.toml`
    beside it that does not exist."""
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "store_nps.csv", responses(3))
    assert invoke("inspect", str(path), "--write-mapping", "nps.toml").exit_code == 0
    mapping = (tmp_path / "nps.toml").read_text(encoding="utf-8")
    (tmp_path / "nps.toml").write_text(mapping.replace("[sources.store_nps.columns]\n",
                                                       "[sources.store_nps.columns]\ntouchpoint_x = 1\n"))  # fmt: skip
    result = invoke("import", str(path), "--mapping", "nps.toml", "--db", "x.db")
    assert result.exit_code == 1 and not (tmp_path / "cxbridge.toml").exists()
    assert f"{tmp_path / 'nps.toml'}: sources.store_nps.columns.touchpoint_x: unknown key" in result.output


def test_an_imported_file_reports_the_nps_and_csat_computed_independently(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = responses(400, seed=11)
    path = write_xlsx(tmp_path / "survey.xlsx", {"Data": [HEADER, *rows]})
    assert "400 written" in invoke("import", str(path), "--db", "cx.db").output
    report = json.loads(invoke("report", "--db", "cx.db", "--by", "month", "--format", "json").output)
    expected: dict[str, dict[str, list]] = {}
    for submitted, _, nps, satisfaction, _ in rows:
        month = datetime.strptime(submitted, "%d.%m.%Y %H:%M").strftime("%Y-%m")
        expected.setdefault(month, {"nps": [], "csat": []})
        expected[month]["nps"].append(nps)
        expected[month]["csat"].append(SATISFACTION.index(satisfaction) + 1)
    figures = {(row["month"], row["metric"]): (row["responses"], row["score"]) for row in report}
    assert {row["program"] for row in report} == {"voc"}
    assert set(figures) == {(month, metric) for month in expected for metric in ("nps", "csat")}
    for month, answers in expected.items():
        scores, csat = answers["nps"], answers["csat"]
        promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
        assert figures[month, "nps"] == (len(scores), half_up(Fraction(100 * (promoters - detractors), len(scores))))
        assert figures[month, "csat"] == (len(csat), half_up(Fraction(100 * sum(c >= 4 for c in csat), len(csat))))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_typed_12_in_a_recommend_column_is_quarantined_and_the_report_scores_the_other_answers(tmp_path, kind):
    """A Google Forms short-answer NPS question: four answered 11 and one typed 12 (for 2), 5 of
    45 — more than a tenth, and one of them more than a point off 0–10, so the column was shown
    but not mapped and the import stored no NPS at all. The typos' rows go to quarantine, and the
    report's NPS is the arithmetic of the other 40 answers."""
    typos = {4: 11, 13: 12, 22: 11, 31: 11, 40: 11}
    answers = [typos.get(n, (n * 7) % 11) for n in range(45)]
    header = ["Timestamp", "How likely are you to recommend us?", "What could we do better?"]
    rows = [[datetime(2026, 3, 2 + n % 20, 9, n), answer, "Shorter queues" if n % 3 else ""]
            for n, answer in enumerate(answers)]  # fmt: skip
    if kind == "csv":
        path = tmp_path / "Form Responses 1.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *[[f"{t:%Y/%m/%d %I:%M:%S %p} GMT+1", *rest] for t, *rest in rows]])
    else:
        path = write_xlsx(tmp_path / "Form Responses 1.xlsx", {"Form Responses 1": [header, *rows]})
    db = tmp_path / "cx.db"
    imported = invoke("import", str(path), "--db", str(db), "--timezone", "Europe/Warsaw")
    assert "45 read · 40 written · 0 unchanged · 5 quarantined" in imported.output, imported.output
    quarantined = count(db, "SELECT json_extract(context, '$.row') FROM quarantine ORDER BY 1")
    assert [row for (row,) in quarantined] == [n + 2 for n in typos]  # the header is row 1
    report = json.loads(invoke("report", "--db", str(db), "--format", "json").output)
    scores = [answer for answer in answers if answer <= 10]
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    nps = half_up(Fraction(100 * (promoters - detractors), len(scores)))
    assert [(row["metric"], row["responses"], row["score"]) for row in report] == [("nps", 40, nps)]


def test_a_typed_55_in_a_satisfaction_column_is_quarantined_and_the_report_scores_the_other_answers(tmp_path):
    """Eight answers 1–5 to "How satisfied…" and one typed 55 (for 5): its numbers "reached the top
    of no usual scale", so the column was kept unscored and the import stored no CSAT at all. The
    typo's row goes to quarantine, and the report's CSAT is the arithmetic of the other 8 answers."""
    answers = [5, 4, 2, 55, 5, 3, 4, 1, 5]
    rows = [["Submitted", "How satisfied were you with your visit?"],
            *[[f"2026-03-{n + 2:02d} 10:00", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    path = tmp_path / "visits.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    db = tmp_path / "cx.db"
    imported = invoke("import", str(path), "--db", str(db))
    assert "9 read · 8 written · 0 unchanged · 1 quarantined" in imported.output, imported.output
    quarantined = count(db, "SELECT json_extract(context, '$.row'), error FROM quarantine")
    assert [(row, "csat answer 55 is outside its scale 1–5" in reason) for row, reason in quarantined] == [(5, True)]
    report = json.loads(invoke("report", "--db", str(db), "--format", "json").output)
    scores = [answer for answer in answers if answer <= 5]
    csat = half_up(Fraction(100 * sum(s >= 4 for s in scores), len(scores)))
    assert [(row["metric"], row["responses"], row["score"]) for row in report] == [("csat", 8, csat)]


def test_the_written_mapping_ignores_a_repeated_99_and_the_report_scores_the_other_answers(tmp_path, monkeypatch):
    """Four answers of 99 ("don't know") under a 0–10 recommend question each went to quarantine;
    the mapping `inspect --write-mapping` writes now proposes `ignore_values = [99]`, the import by
    it keeps those rows unscored, quarantines the one typed 12, and the report's NPS is the
    arithmetic of the 0–10 answers."""
    monkeypatch.chdir(tmp_path)
    answers = [(n * 7) % 11 for n in range(200)]
    for row in (10, 60, 110, 160):
        answers[row] = 99
    answers[77] = 12
    rows = [["Submitted", "How likely are you to recommend us?"],
            *[[f"2026-03-{n % 28 + 1:02d} 10:{n % 60:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    with (tmp_path / "nps.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    assert invoke("inspect", "nps.csv", "--write-mapping", "mapping.toml").exit_code == 0
    [metric] = tomllib.loads((tmp_path / "mapping.toml").read_text(encoding="utf-8"))["sources"]["nps"]["metrics"]
    assert metric["ignore_values"] == [99], metric
    imported = invoke("import", "nps.csv", "--mapping", "mapping.toml", "--db", "cx.db")
    assert "200 read · 199 written · 0 unchanged · 1 quarantined" in imported.output, imported.output
    assert count("cx.db", "SELECT json_extract(context, '$.row') FROM quarantine") == [(77 + 2,)]
    report = json.loads(invoke("report", "--db", "cx.db", "--format", "json").output)
    scores = [answer for answer in answers if answer <= 10]
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    nps = half_up(Fraction(100 * (promoters - detractors), len(scores)))
    assert [(row["metric"], row["responses"], row["score"]) for row in report] == [("nps", 195, nps)]


def test_an_import_without_a_mapping_says_which_code_it_reads_as_no_answer(tmp_path, monkeypatch):
    """A plain import reads a repeated 99 as "don't know", as the written mapping does: its rows were
    stored without a score while the summary said only "60 written" — now it names the code, the
    column and how often, and the report counts the other answers."""
    monkeypatch.chdir(tmp_path)
    answers = [(n * 5) % 11 for n in range(60)]
    for row in (5, 25, 45):
        answers[row] = 99
    rows = [["Submitted", "How likely are you to recommend us?"],
            *[[f"2026-03-{n % 28 + 1:02d} 10:{n % 60:02d}", answer] for n, answer in enumerate(answers)]]  # fmt: skip
    with (tmp_path / "nps.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    imported = invoke("import", "nps.csv", "--db", "cx.db")
    assert "60 read · 60 written · 0 unchanged · 0 quarantined" in imported.output, imported.output
    assert ("⚠ column 'How likely are you to recommend us?' (nps): 99 given 3 times, more than a point off the scale: "
            "likely a no-answer code") in imported.output, imported.output  # fmt: skip
    report = json.loads(invoke("report", "--db", "cx.db", "--format", "json").output)
    scores = [answer for answer in answers if answer <= 10]
    nps = half_up(Fraction(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)), len(scores)))
    assert [(row["metric"], row["responses"], row["score"]) for row in report] == [("nps", 57, nps)]


@pytest.mark.parametrize("content", [b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4, b"\x00\x01\x02\xff\xfe"])
def test_a_binary_file_named_csv_is_an_unreadable_file_and_the_others_still_import(tmp_path, content):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "a.csv", responses(3, seed=1))
    (folder / "b.csv").write_bytes(content)
    write_csv(folder / "c.csv", responses(4, seed=2))
    db = tmp_path / "cx.db"
    result = invoke("import", str(folder), "--db", str(db))
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1
    assert lines[0].startswith("✔ a.csv") and lines[2].startswith("✔ c.csv")
    assert lines[1].startswith("✘ b.csv → b: not a text file but binary data")  # the file named once, not twice
    assert "give it its real extension, or export it again as CSV" in lines[1]
    assert count(db) == [(7,)]
    inspected = CliRunner().invoke(cli, ["inspect", str(folder / "b.csv")])
    assert inspected.exit_code == 1 and inspected.output.startswith("✘ b.csv: not a text file but binary data")


def test_inspect_of_a_survey_definition_alone_says_how_to_use_it(tmp_path):
    (tmp_path / "survey.qsf").write_text('{"SurveyEntry": {"SurveyID": "SV_1"}, "SurveyElements": []}')
    for command, *where in (["inspect"], ["import", "--db", str(tmp_path / "cx.db")]):
        result = CliRunner().invoke(cli, [command, str(tmp_path / "survey.qsf"), *where])
        assert result.exit_code == 2
        assert "survey.qsf: a survey definition" in result.output
        assert f"cxbridge {command} responses.csv survey.qsf" in result.output


def test_answers_off_the_scale_are_quarantined_with_their_reason_and_the_rest_imported(tmp_path):
    rows = responses(40, seed=4)
    rows[7][2], rows[12][3], rows[20][2] = 11, "Sorta kinda", "N/A"
    path = write_csv(tmp_path / "store.csv", rows)
    db = tmp_path / "cx.db"
    assert "40 read · 38 written · 0 unchanged · 2 quarantined" in invoke("import", str(path), "--db", str(db)).output
    reasons = count(db, "SELECT json_extract(context, '$.row'), field, error FROM quarantine ORDER BY 1")
    assert [(row, field) for row, field, _ in reasons] == [(9, HEADER[2]), (14, HEADER[3])]
    assert "nps answer 11 is outside its scale 0–10" in reasons[0][2] and "answer (a text of 2 words, not shown)" in reasons[1][2]
    assert count(db, "SELECT COUNT(*) FROM feedback WHERE nps IS NULL") == [(1,)]  # the N/A answer


def test_every_sheet_of_a_yearly_workbook_imports_and_a_sheet_left_out_is_named(tmp_path):
    base = ["Date", "Store", "How likely are you to recommend us?"]
    sheets = {
        "2023": [["Store NPS survey 2023"], [], base, *[[f"2023-03-{n + 1:02d}", "S1", n] for n in range(4)]],
        "2024": [[*base, "Comment"], *[[f"2024-03-{n + 1:02d}", "S2", 9, f"A comment number {n} here"]
                                       for n in range(3)]],
        "Notes": [["Read me"], ["How the survey was run"]],
    }  # fmt: skip
    path = write_xlsx(tmp_path / "store nps.xlsx", sheets)
    db = tmp_path / "cx.db"
    lines = invoke("import", str(path), "--db", str(db)).output.strip().splitlines()
    assert lines[0].startswith("✔ store nps.xlsx → store_nps (plain): 7 read · 7 written")
    assert lines[1] == "  sheet 'Notes' left out: none of its columns is one the mapping of sheet '2024' reads"
    by_sheet = "SELECT json_extract(raw, '$.sheet'), COUNT(nps), COUNT(comment) FROM feedback GROUP BY 1 ORDER BY 1"
    assert count(db, by_sheet) == [("2023", 4, 0), ("2024", 3, 3)]
    inspected = invoke("inspect", str(path)).output
    assert "note: sheet 'Notes' left out: none of its columns" in inspected


SHEETS = {"Main": [["Submitted", "NPS"], ["2025-06-02 09:00", 9], ["2025-06-03 09:00", 4], ["2025-06-04 09:00", 10]],
          "Team": [["Submitted", "NPS"], ["2025-06-05 09:00", 7], ["2025-06-06 09:00", 2]]}  # fmt: skip


@pytest.mark.parametrize("mapped", [None, "every sheet", "--sheet Team"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "import"])
def test_import_sheet_reads_that_sheet_alone(tmp_path, monkeypatch, mapped, dry_run):
    """`--sheet` of `import` restricts it on every path: detected or saved mapping (written for
    every sheet, or by `inspect --sheet`, which then lists that sheet), dry run or not."""
    monkeypatch.chdir(tmp_path)
    write_xlsx(tmp_path / "survey.xlsx", SHEETS)
    mapping = []
    if mapped is not None:
        asked = ["--sheet", "Team"] if mapped == "--sheet Team" else []
        assert invoke("inspect", "survey.xlsx", *asked, "--write-mapping", "m.toml").exit_code == 0
        mapping = ["--mapping", "m.toml"]
    imported = invoke("import", "survey.xlsx", "--sheet", "Team", *mapping, *(["--dry-run"] if dry_run else []))
    team = [row[1] for row in SHEETS["Team"][1:]]
    assert imported.exit_code == 0 and f"{len(team)} read" in imported.output, imported.output
    if not dry_run:
        stored = "SELECT json_extract(raw, '$.sheet'), nps FROM feedback ORDER BY submitted_at"
        assert count(tmp_path / "cxbridge.db", stored) == [("Team", nps) for nps in team]


def test_inspect_sheet_writes_a_mapping_of_that_sheet_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_xlsx(tmp_path / "survey.xlsx", SHEETS)
    assert invoke("inspect", "survey.xlsx", "--sheet", "Team", "--write-mapping", "m.toml").exit_code == 0
    assert 'sheets = ["Team"]' in (tmp_path / "m.toml").read_text(), (tmp_path / "m.toml").read_text()
    imported = invoke("import", "survey.xlsx", "--mapping", "m.toml")
    assert imported.exit_code == 0 and f"{len(SHEETS['Team']) - 1} read" in imported.output, imported.output


@pytest.mark.parametrize("mapped", [False, True], ids=["detected", "saved mapping"])
def test_import_of_a_sheet_the_workbook_lacks_lists_its_sheets(tmp_path, monkeypatch, mapped):
    monkeypatch.chdir(tmp_path)
    write_xlsx(tmp_path / "survey.xlsx", SHEETS)
    mapping = ["--mapping", "m.toml"] if mapped else []
    if mapped:
        assert invoke("inspect", "survey.xlsx", "--write-mapping", "m.toml").exit_code == 0
    imported = invoke("import", "survey.xlsx", "--sheet", "Taem", *mapping)
    assert imported.exit_code != 0 and "no sheet named 'Taem'; sheets: Main, Team" in imported.output, imported.output
    assert not (tmp_path / "cxbridge.db").exists() or count(tmp_path / "cxbridge.db") == [(0,)]


def test_a_saved_mapping_reads_yearly_files_whose_older_ones_lack_a_column_added_later(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = "Date,Store,How likely are you to recommend us?"
    (tmp_path / "nps_2023.csv").write_text(f"{base}\n2023-01-05,S1,9\n2023-02-05,S2,4\n", encoding="utf-8")
    (tmp_path / "nps_2024.csv").write_text(f"{base},Comment\n2024-01-05,S1,10,great\n2024-02-05,S2,3,slow\n",
                                           encoding="utf-8")  # fmt: skip
    assert invoke("inspect", "nps_2024.csv", "--write-mapping", "m.toml").exit_code == 0
    mapping = (tmp_path / "m.toml").read_text(encoding="utf-8")  # two short, varied answers under `Comment`
    assert 'comment = "Comment"' in mapping
    comments = "SELECT substr(submitted_at, 1, 10), comment FROM feedback ORDER BY 1"
    expected = [("2023-01-05", None), ("2023-02-05", None), ("2024-01-05", "great"), ("2024-02-05", "slow")]

    imported = invoke("import", "nps_*.csv", "--mapping", "m.toml", "--db", "imported.db")
    assert imported.exit_code == 0, imported.output
    lines = imported.output.strip().splitlines()
    assert lines[0].startswith("✔ nps_2023.csv → nps_2024 (plain): 2 read · 2 written")
    assert lines[1].startswith("✔ nps_2024.csv → nps_2024 (plain): 2 read · 2 written")
    assert count("imported.db", comments) == expected

    (tmp_path / "cxbridge.toml").write_text(mapping.replace('path = "nps_2024.csv"', 'path = "nps_*.csv"'), "utf-8")
    synced = invoke("sync", "--db", "synced.db", "--no-progress")
    assert synced.exit_code == 0 and "4 read · 4 written" in synced.output
    assert count("synced.db", comments) == expected
    ids = "SELECT record_id FROM feedback ORDER BY 1"
    assert count("synced.db", ids) == count("imported.db", ids)  # each file keeps its identity, so its ids

    (tmp_path / "m.toml").write_text(mapping.replace('comment = "Comment"', 'comment = "Comments"'), "utf-8")
    typo = invoke("import", "nps_*.csv", "--mapping", "m.toml", "--db", "typo.db")
    failed = typo.output.strip().splitlines()
    assert typo.exit_code == 1 and not (tmp_path / "typo.db").exists()
    missing = "the mapped column 'Comments' is not in the header; did you mean 'Comment'"
    assert failed[0].startswith(
        f"✘ nps_2023.csv → nps_2024 (plain): [sources.nps_2024] nps_2023.csv: {missing} (another sheet or file"
    )
    assert failed[1] == (
        f"✘ nps_2024.csv → nps_2024 (plain): [sources.nps_2024] nps_2024.csv: {missing}? nothing was read or written"
    )


def test_a_file_that_fails_after_rows_were_written_says_how_many_are_kept(tmp_path):
    """A quote never closed at the end of a long file fails it after the rows before were read
    and written (kept: exactly once, the next import goes on once it is fixed): its ✘ line says
    how many, not only the error — as the sync's summary of a failed source does."""
    rows = responses(3000)
    path = write_csv(tmp_path / "long.csv", rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('01.01.2024 10:00;Store 1;9;"Very satisfied\n')
    invoke("inspect", str(tmp_path / "long.csv"), "--write-mapping", str(tmp_path / "m.toml"))
    imported = invoke("import", str(path), "--mapping", str(tmp_path / "m.toml"), "--db", str(tmp_path / "x.db"))
    [line] = [line for line in imported.output.splitlines() if line.startswith("✘")]
    assert count(tmp_path / "x.db") == [(len(rows),)]
    opened = count(tmp_path / "x.db", "SELECT COUNT(*) FROM feedback_cases")[0][0]  # by the default rules
    assert line.endswith(f"({len(rows):,} written and {opened:,} cases opened before it failed, kept)"), line
    assert f"(nothing from row {len(rows) + 2} on was imported)" in line, line
    config = tmp_path / "cxbridge.toml"
    config.write_text((tmp_path / "m.toml").read_text(encoding="utf-8"), encoding="utf-8")
    synced = invoke("sync", "--config", str(config), "--db", str(tmp_path / "synced.db"))
    kept = f"({len(rows):,} written and {opened:,} cases opened before it failed, kept)"
    assert synced.output.splitlines()[0].endswith(kept), synced.output



def test_a_sync_that_fails_after_quarantining_rows_lists_their_rules_under_its_failed_line(tmp_path):
    """Before, a failed source's ✘ line had none of its quarantine under it, only the run's last
    line a `quarantine list` of every source."""
    rows = responses(3000)
    rows[5][2] = 99
    path = write_csv(tmp_path / "long.csv", rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('01.01.2024 10:00;Store 1;9;"Very satisfied\n')
    invoke("inspect", str(path), "--write-mapping", str(tmp_path / "cxbridge.toml"))
    synced = invoke("sync", "--config", str(tmp_path / "cxbridge.toml"), "--db", str(tmp_path / "x.db"))
    failed, rule, listed = synced.stdout.splitlines()
    assert failed.startswith("✘ long (csv): failed: long.csv: row 3002 (line 3002) opens a quoted cell"), failed
    outside = f"question {HEADER[2]!r}: nps answer 99 is outside its scale 0–10"
    assert rule == f"  ✘ 1 × answer-outside-scale, e.g. {outside}", rule
    assert listed.startswith("  … see cxbridge quarantine list --source long --config "), listed


def test_a_small_file_whose_quote_is_never_closed_says_nothing_of_it_was_imported(tmp_path):
    """A quote left open in a file short enough to be read whole before its first row (its
    layout is read from its first rows) fails it with no row written: the message says nothing
    of the file was imported, not "nothing from row 32 on", which reads as rows 2–31 kept."""
    write_csv(tmp_path / "a.csv", responses(30))
    path = write_csv(tmp_path / "b.csv", responses(30, seed=4))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('01.01.2024 10:00;Store 1;9;"Very satisfied\n')
    invoke("inspect", str(tmp_path / "a.csv"), "--write-mapping", str(tmp_path / "m.toml"))
    imported = invoke("import", str(tmp_path / "a.csv"), str(path), "--mapping", str(tmp_path / "m.toml"),
                      "--db", str(tmp_path / "x.db"))  # fmt: skip
    assert count(tmp_path / "x.db") == [(30,)]
    [line] = [line for line in imported.output.splitlines() if line.startswith("✘")]
    assert "b.csv" in line and "row 32" in line, line
    assert "nothing of it was imported" in line and "on was imported" not in line, line


GOOGLE_FORMS_TIMES = ["2025/01/31 11:30:00 PM GMT-5", "2023/06/12 10:41:52 AM GMT+5:30", "2024/03/01 12:05:00 AM GMT+0"]
"""The Timestamp column as a Google Forms "Download responses (.csv)" is reported to write it: the
date year first, a 12-hour time and the form's offset from GMT, in whole hours or with minutes.
The search tool's pages and issues corpora hold no page of Google's saying so; the one source
found is a public test suite (find_string "AM GMT+5:30") of a Google Forms exporter reading
'2026/09/01 8:46:43 AM GMT+3' and '2026/09/01 8:00:00 AM GMT+5:30' as those offsets."""


def test_google_forms_timestamps_with_a_gmt_offset_are_read_at_that_offset(tmp_path):
    """Every row went to quarantine ("not a date this importer knows") and inspect said the
    timestamps carried no time zone; each is the instant its offset says, whatever --timezone."""
    path = tmp_path / "responses.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Timestamp", "Store", HEADER[2]],
                                      *zip(GOOGLE_FORMS_TIMES, ["Store 1"] * 3, [9, 3, 10])])  # fmt: skip
    inspected = json.loads(invoke("inspect", str(path), "--format", "json").stdout)[0]
    assert (inspected["format"], inspected["mapping"]["columns"]["submitted_at"]) == ("google_forms", "Timestamp")
    assert not [note for note in inspected["notes"] if "time zone" in note]
    result = invoke("import", str(path), "--db", str(tmp_path / "cx.db"), "--timezone", "Europe/Warsaw")
    assert count(tmp_path / "cx.db", "SELECT COUNT(*) FROM quarantine") == [(0,)], result.output
    utc = timezone.utc
    expected = [
        datetime(2024, 3, 1, 0, 5, tzinfo=utc),  # nps 10: 12:05 AM at GMT+0 is five past midnight
        datetime(2025, 2, 1, 4, 30, tzinfo=utc),  # nps 9: 11:30 PM at GMT-5 is 04:30 UTC the next day
        datetime(2023, 6, 12, 5, 11, 52, tzinfo=utc),  # nps 3: 10:41:52 AM at GMT+5:30 is 5 h 30 min earlier
    ]
    stored = count(tmp_path / "cx.db", "SELECT submitted_at FROM feedback ORDER BY nps DESC")
    assert [datetime.fromisoformat(at) for (at,) in stored] == expected


def zoned_qualtrics_export(path, zone: str):
    """The Qualtrics sample (one response, recorded 2017-07-18 08:28:48) naming `zone` in its
    import-id row, as an export made in that zone does."""
    text = (SAMPLES / "qualtRics_sample.csv").read_text(encoding="utf-8")
    for name in ("startDate", "endDate", "recordedDate"):
        text = text.replace(f'{{""ImportId"":""{name}""}}', f'{{""ImportId"":""{name}"",""timeZone"":""{zone}""}}')
    path.write_text(text, encoding="utf-8")
    return path


def test_one_timezone_for_several_files_reads_only_the_times_that_carry_no_zone(tmp_path):
    """--timezone is the zone of times without one: a Qualtrics export naming its zone keeps it
    (it was read in --timezone instead), a time with an offset keeps the offset, and only the
    naive times are read in --timezone."""
    zoned = zoned_qualtrics_export(tmp_path / "zoned.csv", "Europe/Zurich")
    write_csv(tmp_path / "naive.csv", [["01.03.2024 10:00", "Store 1", 9, "Satisfied", ""]])
    write_csv(tmp_path / "offset.csv", [["2024-03-01T10:00:00+02:00", "Store 1", 3, "Neutral", ""]])
    result = invoke("import", str(zoned), str(tmp_path / "naive.csv"), str(tmp_path / "offset.csv"),
                    "--db", str(tmp_path / "cx.db"), "--timezone", "America/New_York")  # fmt: skip
    assert result.exit_code == 0, result.output
    zurich, new_york = ZoneInfo("Europe/Zurich"), ZoneInfo("America/New_York")
    moments = {"zoned": datetime(2017, 7, 18, 8, 28, 48, tzinfo=zurich),
               "naive": datetime(2024, 3, 1, 10, 0, tzinfo=new_york),
               "offset": datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))}  # fmt: skip
    days = {"zoned": new_york, "naive": new_york, "offset": new_york}  # the source's zone counts every record's days
    expected = sorted((source, at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       at.astimezone(days[source]).date().isoformat()) for source, at in moments.items())  # fmt: skip
    stored = count(tmp_path / "cx.db", "SELECT source, submitted_at, submitted_local_date FROM feedback ORDER BY 1")
    assert stored == expected


def test_inspect_says_a_declared_zone_is_read_whatever_timezone_is_given(tmp_path):
    zoned = zoned_qualtrics_export(tmp_path / "zoned.csv", "Europe/Zurich")
    [inspected] = json.loads(invoke("inspect", str(zoned), "--timezone", "America/New_York", "--format", "json").stdout)
    assert "timestamps are read in Europe/Zurich, the time zone the export declares" in inspected["notes"]


def test_the_import_summary_groups_the_quarantine_reasons_and_their_advice_fits_an_import(tmp_path, monkeypatch):
    """`cxbridge import` printed "4 quarantined" and no reason, and each reason stored told to edit
    "the [[metrics]] entry of the column" and to run `cxbridge sync --full-refresh --source NAME` —
    neither of which an import without a saved mapping has. The summary lists each reason with its
    count, most first, and the advice names the mapping `inspect --write-mapping` saves and the
    import that reads the file with it; with `--mapping`, that file."""
    monkeypatch.chdir(tmp_path)
    five = ["Strongly disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree", "Strongly agree"]
    column = "I was satisfied with the service"
    later = ["Agree", "Agree", "Agree", "Disagree", "Sorta", "Sorta"]
    answers = [five[n % 5] for n in range(500)] + later
    with open("late.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Response ID", "Date", column],
                                      *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", a] for n, a in enumerate(answers)]])  # fmt: skip
    result = invoke("import", "late.csv", "--db", "x.db")
    lines = result.output.splitlines()
    assert lines[0].startswith("✔ late.csv → late (plain): 506 read · 500 written · 0 unchanged · 6 quarantined")
    quarantined = [line for line in lines if line.startswith("  ✘ ")]
    counts = [int(line.split()[1]) for line in quarantined]
    assert counts == [3, 2, 1], result.output
    for line, answer in zip(quarantined, ("'Agree'", "(a word of 5 letters, not shown)", "'Disagree'"), strict=True):
        assert f"× question {column!r}: answer {answer}" in line, line  # 'Sorta' is a label no scale knows
    with sqlite3.connect("x.db") as db:
        reasons = {error for (error,) in db.execute("SELECT error FROM quarantine")}
    assert len(reasons) == 3
    for reason in reasons:
        assert "`cxbridge inspect late.csv --write-mapping mapping.toml`" in reason, reason
        assert "cxbridge sync" not in reason and "entry of the column" not in reason, reason
    [size] = [reason for reason in reasons if "answer 'Agree'" in reason]
    assert "set scale = [1, 7]" in size and "(`cxbridge import late.csv --mapping mapping.toml` then reads" in size, size

    assert invoke("inspect", "late.csv", "--write-mapping", "saved.toml").exit_code == 0
    again = invoke("import", "late.csv", "--db", "y.db", "--mapping", "saved.toml")
    assert "6 quarantined" in again.output.splitlines()[0], again.output
    with sqlite3.connect("y.db") as db:
        reasons = {error for (error,) in db.execute("SELECT error FROM quarantine")}
    assert len(reasons) == 3 and all("saved.toml" in reason and "--write-mapping" not in reason for reason in reasons)


def test_the_import_summary_shows_the_five_commonest_reasons_and_counts_the_rest(tmp_path, monkeypatch):
    """Seven answers no label reads are seven reasons: the five holding most records are shown, the
    other two counted with the command that lists every one."""
    monkeypatch.chdir(tmp_path)
    odd = [f"x{n}" for n in range(7)]  # codes, quoted
    answers = [SATISFACTION[n % 5] for n in range(100)] + odd + odd[:3] + odd[:1]
    with open("odd.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Response ID", "Date", "How satisfied were you?"],
                                      *[[f"R{n}", f"2026-01-{n % 28 + 1:02d}", a] for n, a in enumerate(answers)]])  # fmt: skip
    lines = invoke("import", "odd.csv", "--db", "x.db").output.splitlines()
    assert "· 11 quarantined" in lines[0], lines
    shown = [line for line in lines if line.startswith("  ✘ ")]
    assert [line.split(" × ")[0] for line in shown[:5]] == ["  ✘ 3", "  ✘ 2", "  ✘ 2", "  ✘ 1", "  ✘ 1"], shown
    assert [f"answer 'x{n}'" in line for n, line in zip((0, 1, 2, 3, 4), shown, strict=False)] == [True] * 5
    assert shown[5:] == ["  ✘ 2 more for other reasons: cxbridge quarantine list --source odd --db x.db"]


def test_the_import_summary_says_how_many_cases_it_opened_as_the_sync_summary_does(tmp_path):
    """An import applies the loop's rules (docs/loop.md): importing history opened a case for
    every detractor while its line said nothing of them; the sync line says `· 94 cases opened`."""
    rows = responses(30)
    unhappy = sum(1 for row in rows if row[2] <= 6 or row[3] in SATISFACTION[:2])
    path = write_csv(tmp_path / "history.csv", rows)
    db = tmp_path / "cx.db"

    dry = invoke("import", str(path), "--db", str(db), "--dry-run")
    done = invoke("import", str(path), "--db", str(db))

    assert unhappy > 1
    assert f"30 read · 30 would write · 0 unchanged · 0 quarantined · {unhappy} cases would open" in dry.output
    assert f"30 read · 30 written · 0 unchanged · 0 quarantined · {unhappy} cases opened" in done.output
    assert count(db, "SELECT COUNT(*) FROM feedback_cases") == [(unhappy,)]
    again = invoke("import", str(path), "--db", str(db), "--dry-run")
    assert "case" not in again.output  # nothing read again opens a second one


@pytest.mark.parametrize("command", ["import", "inspect"])
def test_a_folder_or_glob_without_exports_is_named_with_the_files_looked_for(tmp_path, monkeypatch, command):
    """An empty folder (or one of PDFs, or a glob matching nothing) said "no data files to import
    (unsupported file types?)", naming neither what was looked in nor what is looked for."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "summary.pdf").write_bytes(b"%PDF-1.4")
    where = ["--db", "cx.db"] if command == "import" else []

    result = invoke(command, "exports", "surveys/*.csv", *where)

    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert ("error: 'exports', 'surveys/*.csv': no CSV, Excel or JSON export found (files ending .csv, .json, .jsonl, "
            f".ndjson, .ods, .tab, .tsv, .txt, .xls, .xlsb, .xlsm, .xlsx); nothing to {command}") in said  # fmt: skip
    assert not (tmp_path / "cx.db").exists()


@pytest.mark.parametrize("scale", [1, 1000], ids=["seconds", "milliseconds"])
def test_a_column_of_unix_epoch_times_is_the_submitted_time(tmp_path, scale):
    starts = [datetime(2025, 1, 5, 10, tzinfo=timezone.utc) + timedelta(hours=5 * n) for n in range(8)]
    rows = [[int(start.timestamp()) * scale, *row[1:]] for start, row in zip(starts, responses(8), strict=True)]
    path = write_csv(tmp_path / "epochs.csv", rows)
    unit = "seconds" if scale == 1 else "milliseconds"
    shown = invoke("inspect", str(path)).output
    assert f"Unix epoch {unit}" in shown and f"'{rows[0][0]}'" in shown
    assert "8 read · 8 written" in invoke("import", str(path), "--db", str(tmp_path / "cx.db")).output
    stored = count(tmp_path / "cx.db", "SELECT submitted_at FROM feedback ORDER BY 1")
    assert stored == [(start.strftime("%Y-%m-%dT%H:%M:%SZ"),) for start in starts]


@pytest.mark.parametrize("first", ["sync", "import"])
def test_importing_a_file_a_configured_source_reads_keeps_one_cursor_entry_for_it(tmp_path, monkeypatch, first):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    write_csv(tmp_path / "data" / "store_nps_2025.csv", responses(4), delimiter=",")
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.store]\nconnector = "csv"\npath = "data/store_nps_2025.csv"\ndate_order = "dmy"\n'
        '[sources.store.columns]\nsubmitted_at = "Submitted"\nlocation_id = "Store"\n'
        f'[[sources.store.metrics]]\ncolumn = "{HEADER[2]}"\nmetric = "nps"\n', encoding="utf-8")  # fmt: skip
    commands = [["sync", "--no-progress"], ["import", "data/store_nps_2025.csv"]]
    for command in commands if first == "sync" else commands[::-1]:
        assert invoke(*command).exit_code == 0
    status = invoke("status").output
    assert "1 file read: store_nps_2025.csv" in status, status
    assert count("cxbridge.db") == [(4,)]



SYNCED, IMPORTED = "store_nps_2025.csv", "data/store_nps_2025.csv"
"""The file's names in a cursor saved before d57353b by `sync`, then `import data/store_nps_2025.csv`."""


@pytest.fixture(scope="module")
def synced_older_then_further(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """A folder whose source `store` synced the first 4 of responses(8), then the first 6, and the
    cursor's state of its file after each ("older", "further") — once a module, copied by each test."""
    folder = tmp_path_factory.mktemp("synced-twice")
    (folder / "data").mkdir()
    (folder / "cxbridge.toml").write_text(
        '[sources.store]\nconnector = "csv"\npath = "data/store_nps_2025.csv"\ndate_order = "dmy"\n'
        '[sources.store.columns]\nsubmitted_at = "Submitted"\nlocation_id = "Store"\n'
        f'[[sources.store.metrics]]\ncolumn = "{HEADER[2]}"\nmetric = "nps"\n', encoding="utf-8")  # fmt: skip
    states = {}
    with pytest.MonkeyPatch.context() as patched:
        patched.chdir(folder)
        patched.setattr(plugins_host, "_host", None)
        for upto, state in ((4, "older"), (6, "further")):
            write_csv(folder / IMPORTED, responses(8)[:upto], delimiter=",")
            assert invoke("sync", "--no-progress").exit_code == 0
            [(cursor,)] = count("cxbridge.db", "SELECT cursor FROM sync_state WHERE source = 'store'")
            states[state] = json.loads(cursor)["files"][SYNCED]
    return folder, states


@pytest.mark.parametrize("then", ["sync", "import"])
@pytest.mark.parametrize(("before", "read"), [
    ({SYNCED: "further", IMPORTED: "older"}, 2),
    ({SYNCED: "older", IMPORTED: "further"}, 2),
    ({SYNCED: "older", IMPORTED: "further, not these bytes"}, 4),
    ({IMPORTED: "further"}, 2),
], ids=["synced-further", "imported-further", "imported-further-not-these-bytes", "imported-alone"])  # fmt: skip
def test_a_file_kept_twice_in_a_cursor_of_before_is_kept_once_read_on_from_its_further_state(
    tmp_path, monkeypatch, then, before, read, synced_older_then_further
):
    """Before d57353b `sync` then `import` of the file a source reads kept it under two names; the
    next sync or import keeps it under one, read on from the state further along — one that the
    file's bytes confirm: a state they do not is no place to read on from (its rows read again)."""
    monkeypatch.chdir(tmp_path)
    synced, states = synced_older_then_further
    shutil.copytree(synced, tmp_path, dirs_exist_ok=True)
    rows, path = responses(8), tmp_path / IMPORTED
    states = {**states, "further, not these bytes": {**states["further"], "sha256": "0" * 64, "prefix_sha256": "0" * 64}}
    with sqlite3.connect("cxbridge.db") as db:
        saved = {"files": {name: states[state] for name, state in before.items()}}
        db.execute("UPDATE sync_state SET cursor = ? WHERE source = 'store'", [json.dumps(saved)])
    write_csv(path, rows, delimiter=",")  # two rows appended
    command = ["sync", "--no-progress"] if then == "sync" else ["import", IMPORTED]
    run = invoke(*command)
    assert f"{read} read · 2 written · {read - 2} unchanged" in run.output, run.output
    assert f"1 file read: {SYNCED}" in invoke("status").output
    assert count("cxbridge.db") == [(8,)]
    assert "0 read · 0 written" in invoke(*command).output


def test_an_imported_files_comment_is_the_reason_after_the_score_never_the_company_asked_first(tmp_path):
    """A company asked first (long, varied text, so free text too) and a reason after the score: the
    record's comment is the reason or none — the detractor queue shows the reason, never the
    company — and both stay rows of `feedback_comments`."""
    companies = ["Acme Logistics International", "Bright Future Consulting Group", "Northwind Traders Limited",
                 "Contoso Pharmaceuticals Europe", "Fabrikam Industrial Holdings", "Tailspin Toys Manufacturing"]  # fmt: skip
    reasons = ["", "Delivery took three weeks", "", "Cheaper shipping please", "", "More colours"]
    scores = [2, 3, 9, 10, 4, 8]
    path = tmp_path / "b2b.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([
            ["Submitted", "Your company", "How likely are you to recommend us? (0-10)", "Anything we should change"],
            *([f"0{n + 1}.02.2026 10:00", company, score, reason]
              for n, (company, score, reason) in enumerate(zip(companies, scores, reasons))),
        ])  # fmt: skip
    assert invoke("inspect", str(path), "--write-mapping", str(tmp_path / "b2b.toml")).exit_code == 0
    mapping = tomllib.loads((tmp_path / "b2b.toml").read_text(encoding="utf-8"))["sources"]["b2b"]
    assert (mapping["columns"]["comment"], mapping["comments"]) == ("Anything we should change", ["Your company"])
    assert "6 written" in invoke("import", str(path), "--db", str(tmp_path / "b2b.db"), "--timezone", "UTC").output
    db = tmp_path / "b2b.db"
    assert count(db, "SELECT nps, comment FROM feedback ORDER BY submitted_at") == [
        (score, reason or None) for score, reason in zip(scores, reasons)]  # fmt: skip
    assert count(db, "SELECT nps, comment FROM detractor_queue ORDER BY submitted_at") == [
        (2, None), (3, "Delivery took three weeks"), (4, None)]  # fmt: skip
    assert count(db, "SELECT COUNT(*) FROM feedback_comments") == [(len(companies) + 3,)]


def test_a_lone_definition_named_after_its_own_export_is_not_read_into_another_surveys(tmp_path):
    """`cxbridge import FOLDER` of the QualtricsTools legacy export with its .qsf and the qualtRics
    sample's legacy export (tests/data/samples: BSD, MIT): the only definition was paired with
    every file, so the qualtRics response ("This is a multiple choice question." 2, "Hello World!")
    was stored as survey SV_3Czxxo8mVNob5gV "No Basis for Evaluation", its 2 labelled "In the
    middle" under "Indicate how you feel about squash". A definition whose name starts some files'
    names is theirs alone."""
    names = ("QualtricsTools_No_Basis_for_Evaluation_Legacy.csv", "QualtricsTools_No_Basis_for_Evaluation.qsf",
             "qualtRics_sample_legacy.csv")  # fmt: skip
    for name in names:
        shutil.copy(SAMPLES / name, tmp_path / name)
    run = CliRunner().invoke(cli, ["import", str(tmp_path), "--db", str(tmp_path / "x.db"), "--include-test-responses"])
    assert run.exit_code == 0, run.output
    legacy = list(csv.reader((SAMPLES / "qualtRics_sample_legacy.csv").open(encoding="utf-8-sig")))
    with sqlite3.connect(tmp_path / "x.db") as db:
        found = db.execute("SELECT source, survey_id, COUNT(*) FROM feedback GROUP BY 1, 2 ORDER BY 1").fetchall()
        [answers] = db.execute("SELECT answers FROM feedback WHERE source = 'qualtrics_sample_legacy'").fetchone()
    assert found == [("qualtrics_sample_legacy", None, 1),
                     ("qualtricstools_no_basis_for_evaluation_legacy", "SV_3Czxxo8mVNob5gV", 15)]  # fmt: skip
    assert json.loads(answers)["Q1"] == {"text": legacy[1][10], "value": legacy[2][10], "label": None}


def test_surveymonkey_details_in_a_mixed_folder_pair_with_the_responses_of_their_survey_id(tmp_path):
    """Two surveys' responses/bulk and details saved under names that do not start each other
    (tests/data/samples and tests/data/vendor/surveymonkey, both MIT): each responses file carries
    its `survey_id`, so each is read with the details of that id — before, neither details file
    started a data file's name and there were two, so both surveys were read without them (choice
    ids, no survey id)."""
    vendor = Path(__file__).parent / "data" / "vendor" / "surveymonkey"
    copies = {SAMPLES / "roumaya_318754279_details.json": "details_a.json",
              SAMPLES / "roumaya_318754279_responses_bulk.json": "export_2.json",
              vendor / "airbyte_306079584_details.json": "details_b.json",
              vendor / "airbyte_306079584_responses_bulk.json": "export_1.json"}  # fmt: skip
    for origin, name in copies.items():
        shutil.copy(origin, tmp_path / name)
    run = CliRunner().invoke(cli, ["import", str(tmp_path), "--db", str(tmp_path / "x.db")])
    assert run.exit_code == 0, run.output
    with sqlite3.connect(tmp_path / "x.db") as db:
        found = db.execute("SELECT source, survey_id, COUNT(*) FROM feedback GROUP BY 1, 2 ORDER BY 1").fetchall()
        [answers] = db.execute("SELECT answers FROM feedback WHERE source = 'export_2' LIMIT 1").fetchone()
    assert found == [("export_1", "306079584", 13), ("export_2", "318754279", 2)]
    assert json.loads(answers)["769893650"]["value"] == 3  # choice 5096103935, whose text the details give as "3"


def test_surveymonkey_details_of_another_survey_id_are_not_paired_by_name(tmp_path):
    """The R package's details (survey 318754279) as survey.json beside airbyte's responses/bulk of
    survey 306079584 as survey_2024.json (both MIT): the name pairs them, the survey ids do not —
    the responses are read without the details (and the summary says so), not stored under the
    other survey's id; before, they were stored as survey 318754279 "my survey"."""
    vendor = Path(__file__).parent / "data" / "vendor" / "surveymonkey"
    shutil.copy(SAMPLES / "roumaya_318754279_details.json", tmp_path / "survey.json")
    shutil.copy(vendor / "airbyte_306079584_responses_bulk.json", tmp_path / "survey_2024.json")
    run = CliRunner().invoke(cli, ["import", str(tmp_path), "--db", str(tmp_path / "x.db")])
    assert run.exit_code == 0, run.output
    assert "read without the survey's details" in run.output
    with sqlite3.connect(tmp_path / "x.db") as db:
        assert db.execute("SELECT survey_id, COUNT(*) FROM feedback GROUP BY 1").fetchall() == [(None, 13)]
