"""Nothing imported is never a success (issue 11, "No silent drop"): a file that is empty (0 bytes
or a header without rows) and a source whose every record went to quarantine end with ✘, the
reason in the summary line and in the JSON summary, and exit code 1 — for `cxbridge import` and
`cxbridge sync`. An API source that finds nothing new is still a success; an empty file among
files with rows is a warning."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cxbridge.cli.main import cli

from cxbridge import plugins_host
from cxbridge.plugins.zendesk.source import ZendeskSource
from tests.sqlite_runs import sync_source
from tests.workbooks import write_xlsx
from tests.zendesk_api import API_TOKEN, EMAIL, ZendeskAccount, survey_response, zendesk

HEADER = ["Response ID", "Submitted", "How likely are you to recommend us?"]


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def rows_of(scores: list[Any]) -> list[list[Any]]:
    return [HEADER, *[[f"R{n}", f"2025-03-{n:02d} 10:00", score] for n, score in enumerate(scores, start=1)]]


def write_config(folder: Path, path: str, connector: str = "csv") -> Path:
    config = folder / "cxbridge.toml"
    config.write_text(
        f'[sources.shop]\nconnector = "{connector}"\npath = "{path}"\n'
        '[sources.shop.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\n'
        '[[sources.shop.metrics]]\ncolumn = "How likely are you to recommend us?"\nmetric = "nps"\n',
        encoding="utf-8",
    )
    return config


def summaries(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def db_rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


# --- empty files ---------------------------------------------------------------------------------

EMPTY = {
    "zero_bytes.csv": (lambda path: path.write_bytes(b""), "the file is empty (0 bytes)"),
    "header_only.csv": (lambda path: write_csv(path, [HEADER]), "no rows below the header"),
    "header_only.xlsx": (lambda path: write_xlsx(path, {"Responses": [HEADER]}), "no rows in any sheet"),
}


def empty_file(folder: Path, name: str) -> str:
    """Write the empty file; what cxbridge says about it."""
    write, why = EMPTY[name]
    write(folder / name)
    return f"{name}: {why}; nothing to import"


@pytest.mark.parametrize("name", list(EMPTY))
def test_importing_an_empty_file_fails_saying_it_is_empty(tmp_path, name):
    said = empty_file(tmp_path, name)
    result = invoke("import", str(tmp_path / name), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 1, result.output
    [line] = result.output.splitlines()
    assert line.startswith(f"✘ {name} → ") and line.endswith(said.removeprefix(name)) and line.count(name) == 1, line
    machine = invoke("import", str(tmp_path / name), "--db", str(tmp_path / "x.db"), "--format", "json")
    [summary] = summaries(machine.output)
    assert machine.exit_code == 1 and summary["event"] == "file_summary"
    assert said in summary["error"] and summary.get("written", 0) == 0


@pytest.mark.parametrize("name", list(EMPTY))
def test_syncing_an_empty_file_fails_the_source_every_time_until_it_has_rows(tmp_path, name):
    said = empty_file(tmp_path, name)
    connector = "excel" if name.endswith(".xlsx") else "csv"
    config = write_config(tmp_path, name, connector)
    first = invoke("sync", "--config", str(config))
    assert first.exit_code == 1 and first.output.splitlines()[0] == f"✘ shop ({connector}): failed: {said}"
    again = invoke("sync", "--config", str(config), "--format", "json")
    [summary] = summaries(again.output)
    assert again.exit_code == 1 and (summary["status"], summary["error"], summary["read"]) == ("failed", said, 0)
    assert db_rows(tmp_path / "cxbridge.db", "SELECT status, error FROM sync_runs") == [("failed", said)] * 2
    if name.endswith(".csv"):
        write_csv(tmp_path / name, rows_of([9, 3]))
        filled = invoke("sync", "--config", str(config))
        assert filled.exit_code == 0 and filled.output.startswith("✔ shop (csv): 2 read · 2 written"), filled.output


def test_an_empty_file_among_files_with_rows_is_a_warning_and_the_others_import(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "2025-03-01.csv", rows_of([10, 7, 2]))
    write_csv(folder / "2025-03-02.csv", [HEADER])
    config = write_config(tmp_path, "exports/*.csv")
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 0, result.output
    first, warning = result.stdout.splitlines()
    assert first.startswith("✔ shop (csv): 3 read · 3 written · 0 unchanged · 0 quarantined")
    assert warning == "  ⚠ 2025-03-02.csv: no rows below the header; nothing imported from it"


# --- every record quarantined --------------------------------------------------------------------


def test_a_file_whose_every_row_is_quarantined_fails_naming_the_first_reason(tmp_path):
    write_csv(tmp_path / "scores.csv", rows_of([12, "abc", 15]))
    config = write_config(tmp_path, "scores.csv")
    result = invoke("sync", "--config", str(config), "--format", "json")
    assert result.exit_code == 1, result.output
    [summary] = summaries(result.output)
    assert (summary["status"], summary["read"], summary["written"], summary["quarantined"]) == ("failed", 3, 0, 3)
    assert summary["error"].startswith("every record read (3) went to quarantine, none was written; the first, "
                                       "scores.csv row 2: question 'How likely are you to recommend us?': nps answer "
                                       "12 is outside its scale 0–10")  # fmt: skip
    assert summary["error"].endswith("every reason: cxbridge quarantine list --source shop")
    assert len(db_rows(tmp_path / "cxbridge.db", "SELECT * FROM quarantine")) == 3
    assert db_rows(tmp_path / "cxbridge.db", "SELECT status, records_quarantined FROM sync_runs") == [("failed", 3)]
    # nothing new: the quarantined rows wait for a fix and `cxbridge quarantine replay`
    again = invoke("sync", "--config", str(config))
    assert again.exit_code == 0 and again.output.startswith("✔ shop (csv): 0 read"), again.output


def test_importing_with_a_mapping_a_file_whose_every_row_is_quarantined_fails(tmp_path):
    write_csv(tmp_path / "good.csv", rows_of([9, 10, 4]))
    mapping = tmp_path / "mapping.toml"
    assert invoke("inspect", str(tmp_path / "good.csv"), "--write-mapping", str(mapping)).exit_code == 0
    write_csv(tmp_path / "bad.csv", rows_of([11, 42]))
    result = invoke("import", str(tmp_path / "bad.csv"), "--mapping", str(mapping), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 1
    assert result.output.startswith("✘ bad.csv → good (plain): every record read (2) went to quarantine, none was "
                                    "written; the first, bad.csv row 2:"), result.output  # fmt: skip
    assert "✔" not in result.output


def test_a_dry_run_whose_every_row_would_be_quarantined_fails_too(tmp_path):
    write_csv(tmp_path / "scores.csv", rows_of([-1, 11]))
    result = sync_source(tmp_path, {"connector": "csv", "path": "scores.csv",
                                    "columns": {"id": "Response ID", "submitted_at": "Submitted"},
                                    "metrics": [{"column": HEADER[2], "metric": "nps"}]}, dry_run=True)  # fmt: skip
    assert (result.status, result.quarantined, result.written) == ("failed", 2, 0)
    assert result.error.startswith("every record read (2) went to quarantine")


def test_some_rows_quarantined_is_still_a_success(tmp_path):
    write_csv(tmp_path / "scores.csv", rows_of([11, 9]))
    config = write_config(tmp_path, "scores.csv")
    result = invoke("sync", "--config", str(config))
    assert result.exit_code == 0
    assert result.output.startswith("✔ shop (csv): 2 read · 1 written · 0 unchanged · 1 quarantined")


# --- API sources: nothing new is normal, everything quarantined is not ----------------------------


@pytest.fixture
def zendesk_clock(monkeypatch):
    from datetime import datetime, timezone

    monkeypatch.setattr(ZendeskSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setattr(ZendeskSource, "now", staticmethod(lambda: datetime(2026, 4, 10, tzinfo=timezone.utc)))
    monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)


def zendesk_entry(url: str) -> dict[str, Any]:
    return {"connector": "zendesk", "base_url": url, "email": EMAIL, "api_token": "${ZENDESK_API_TOKEN}",
            "csat": "survey_responses", "start_date": "2026-03-01T00:00:00Z"}  # fmt: skip


def test_an_api_source_with_nothing_new_succeeds(tmp_path, zendesk_clock):
    with zendesk(ZendeskAccount()) as api:
        result = sync_source(tmp_path, zendesk_entry(api.url), name="support")
    assert (result.status, result.read, result.error) == ("success", 0, None)


def test_an_api_source_whose_every_record_is_quarantined_fails(tmp_path, zendesk_clock):
    """Survey responses whose survey Zendesk no longer lists (so no scale) and no csat_scale set."""
    account = ZendeskAccount(surveys=[], survey_responses=[survey_response(1, 4, day=2), survey_response(2, 5, day=3)])
    with zendesk(account) as api:
        result = sync_source(tmp_path, zendesk_entry(api.url), name="support")
    assert (result.status, result.read, result.quarantined, result.written) == ("failed", 2, 2, 0), result.error
    assert result.error.startswith("every record read (2) went to quarantine, none was written; the first, ")
    assert "set csat_scale in the config" in result.error, result.error


# --- a few bad answers do not hide a scored column (issue 11 item 4) -------------------------------


def test_an_nps_column_with_a_few_bad_answers_is_nps_and_only_those_rows_are_quarantined(tmp_path):
    answers = ["9", "10", "11", "8", "abc", "7", "7.5", "6", "-1", "10", "3", "9"]
    rows = [[f"R{n}", f"2025-01-{n:02d}", answer] for n, answer in enumerate(answers, start=1)]
    path = write_csv(tmp_path / "nps.csv", [["id", "date", "NPS"], *rows])
    db = tmp_path / "x.db"
    result = invoke("import", str(path), "--db", str(db))
    assert result.exit_code == 0
    assert result.output.startswith("✔ nps.csv → nps (plain): 12 read · 8 written · 0 unchanged · 4 quarantined")
    good = {f"R{n}": int(a) for n, a in enumerate(answers, start=1) if a.isdigit() and int(a) <= 10}
    assert dict(db_rows(db, "SELECT source_record_id, nps FROM feedback")) == good
    reasons = dict(db_rows(db, "SELECT source_record_id, error FROM quarantine"))
    assert sorted(reasons) == ["R3", "R5", "R7", "R9"]
    assert "nps answer 11 is outside its scale 0–10" in reasons["R3"]
    assert "answer (a word of 3 letters, not shown) is neither a number nor a known label of this nps question" in reasons["R5"]
    assert "nps answer 7.5 is not a whole number 0–10" in reasons["R7"]
    assert "nps answer -1 is outside its scale 0–10" in reasons["R9"]


# --- a saved mapping that leaves out a scored column (sync) ----------------------------------------


def test_a_sync_names_a_column_the_mapping_leaves_out_that_looks_scored_and_its_advice_scores_it(tmp_path):
    write_csv(tmp_path / "scores.csv", rows_of([10, 9, 3, 7]))
    config = tmp_path / "cxbridge.toml"
    config.write_text('[sources.shop]\nconnector = "csv"\npath = "scores.csv"\n[sources.shop.columns]\n'
                      'id = "Response ID"\nsubmitted_at = "Submitted"\n', encoding="utf-8")  # fmt: skip
    result = invoke("sync", "--config", str(config), "--format", "json")
    [summary] = summaries(result.output)
    assert result.exit_code == 0 and summary["status"] == "success"
    [warning] = summary["warnings"]
    assert warning.startswith(f"column {HEADER[2]!r} of scores.csv looks scored but the mapping leaves it out: the header asks "
                              "about recommending")  # fmt: skip
    entry = f"add a [[sources.shop.metrics]] entry with column = {HEADER[2]!r}, metric = 'nps'"
    assert warning.endswith(entry)
    # the advice, followed: the file is read again with the new mapping, and scored
    config.write_text(config.read_text(encoding="utf-8") + f"[[sources.shop.metrics]]\ncolumn = {HEADER[2]!r}\n"
                      "metric = 'nps'\n", encoding="utf-8")  # fmt: skip
    again = invoke("sync", "--config", str(config))
    assert again.exit_code == 0 and "⚠" not in again.output, again.output
    assert sorted(db_rows(tmp_path / "cxbridge.db", "SELECT nps FROM feedback")) == [(3,), (7,), (9,), (10,)]


def test_a_sync_looks_for_scored_columns_among_those_the_mapping_leaves_out_and_no_other(tmp_path, monkeypatch):
    """The mapped columns' values are never looked at: 120 mapped comments of 260 KB took 1.1 s of
    CPU of a sync's 3.8 s before."""
    from cxbridge.detection import profile

    observed, observe = set(), profile._observe
    monkeypatch.setattr(profile, "_observe", lambda column, value: (observed.add(column.column.key), observe(column, value)))
    rows = [row + [f"comment {n}"] for n, row in enumerate(rows_of([10, 9, 3, 7]))]
    write_csv(tmp_path / "scores.csv", [HEADER + ["Comment"], *rows[1:]])
    config = tmp_path / "cxbridge.toml"
    config.write_text('[sources.shop]\nconnector = "csv"\npath = "scores.csv"\n[sources.shop.columns]\n'
                      'id = "Response ID"\nsubmitted_at = "Submitted"\ncomment = "Comment"\n', encoding="utf-8")  # fmt: skip
    [summary] = summaries(invoke("sync", "--config", str(config), "--format", "json").output)
    [warning] = summary["warnings"]
    assert warning.startswith(f"column {HEADER[2]!r} of scores.csv looks scored but the mapping leaves it out")
    assert observed == {HEADER[2]}, observed


def test_an_import_names_a_column_left_out_by_its_sheet_alone_under_the_line_naming_its_file(tmp_path):
    """The ✔ line names the file imported: its warning need not (before, `column '…' of scores.csv
    looks scored` repeated it); a sync, whose source may read several files, names it."""
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[sources.shop]\nconnector = "csv"\n[sources.shop.columns]\nid = "Response ID"\n'
                       'submitted_at = "Submitted"\n', encoding="utf-8")  # fmt: skip
    csv_file = write_csv(tmp_path / "scores.csv", rows_of([10, 9, 3, 7]))
    result = invoke("import", str(csv_file), "--mapping", str(mapping), "--db", str(tmp_path / "a.db"))
    [line, warning] = result.stdout.splitlines()
    assert line.startswith("✔ scores.csv → shop: 4 read")
    assert warning.startswith(f"  ⚠ column {HEADER[2]!r} looks scored but the mapping leaves it out: ")
    mapping.write_text(mapping.read_text(encoding="utf-8").replace('"csv"', '"excel"'), encoding="utf-8")
    workbook = write_xlsx(tmp_path / "scores.xlsx", {"Antworten": rows_of([10, 9, 3, 7])})
    result = invoke("import", str(workbook), "--mapping", str(mapping), "--db", str(tmp_path / "b.db"))
    assert f"  ⚠ column {HEADER[2]!r} of sheet 'Antworten' looks scored but" in result.stdout, result.stdout
    assert result.stdout.count("scores.xlsx") == 1


def test_a_sync_names_a_mystery_shop_score_the_mapping_leaves_out(tmp_path):
    rows = [["Visit ID", "Visit date", "Score (of 40)"], ["V1", "2025-04-01", 31], ["V2", "2025-04-02", 22]]
    write_csv(tmp_path / "visits.csv", rows)
    source = ('[sources.shop]\nconnector = "csv"\npath = "visits.csv"\n{program}'
              '[sources.shop.columns]\nid = "Visit ID"\n')
    config = tmp_path / "cxbridge.toml"
    config.write_text(source.format(program=""), encoding="utf-8")
    voc = invoke("sync", "--config", str(config))
    assert "⚠ column 'Score (of 40)' of visits.csv is not scored: " in voc.output
    assert "but the program is voc; kept in attributes" in voc.output
    config.write_text(source.format(program='program = "mystery_shop"\n'), encoding="utf-8")
    shop = invoke("sync", "--config", str(config))
    assert ("add a [[sources.shop.metrics]] entry with column = 'Score (of 40)', metric = 'mystery_shop', "
            "scale = [0, 40]") in shop.output  # fmt: skip


def test_an_appended_row_alone_quarantined_fails_that_run_saying_what_to_do_and_the_next_goes_on(tmp_path):
    """Kept on purpose: a run that stored nothing it read is a failure, appended rows or not; its
    line says the rows wait in quarantine, later syncs go on past them, and how to mend them."""
    from tests.conftest import Workspace, survey_row

    workspace = Workspace(tmp_path)
    workspace.write_csv([survey_row(n) for n in range(1, 6)])
    assert workspace.sync().results[0].status == "success"
    with (tmp_path / "responses.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(survey_row(6, nps=12))
    failed = workspace.sync().results[0]
    assert (failed.status, failed.read, failed.quarantined) == ("failed", 1, 1)
    assert failed.error.startswith("every record read (1) went to quarantine, none was written; the first, "
                                   "responses.csv row 7: question 'nps': nps answer 12 is outside its scale 0–10")  # fmt: skip
    assert failed.error.endswith(
        "; they wait in quarantine, and later syncs go on past them: mend them where they were written (a changed "
        "file is read again), or mend the settings the reasons name and run cxbridge quarantine "
        "replay --source survey; every reason: cxbridge quarantine list --source survey"
    )
    after = workspace.sync().results[0]
    assert (after.status, after.read) == ("success", 0)
    assert len(workspace.query("SELECT record_id FROM quarantine")) == 1
    assert len(workspace.query("SELECT record_id FROM feedback")) == 5
