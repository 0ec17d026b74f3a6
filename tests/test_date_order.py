"""Dates whose order the data cannot show — 03/04/2024 with no day above 12 anywhere in the file —
are read month/day (the custom of '/' dates) and flagged: `inspect`, the import summary and the
sync summary say so and how to read them day/month; a date that decides it, or dotted dates
(day first everywhere), leave nothing to flag."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from tests.sqlite_runs import sync_source

HEADER = ["Response ID", "Date", "How likely are you to recommend us? (0-10)"]
ROWS = 300  # more than inspect's 200-row preview: the rest of the file is searched too


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def dates(*, separator: str = "/", decisive_at: int | None = None) -> list[str]:
    """Day and month both 1–12 (and differing, so that the two readings differ), unless a row
    `decisive_at` has a second part of 13."""
    found = [f"{n % 12 + 1:02d}{separator}{(n + 5) % 12 + 1:02d}{separator}2024 10:{n % 60:02d}" for n in range(ROWS)]
    if decisive_at is not None:
        found[decisive_at] = f"04{separator}13{separator}2024 09:30"
    return found


def write_survey(path: Path, values: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *([f"R{n}", value, n % 11] for n, value in enumerate(values))])
    return path


def expected_warning(example: str) -> str:
    return (f"column 'Date': no date has a day above 12 (as {example!r}), so the file cannot tell month/day from "
            "day/month; read as month/day — if they are day/month, use --date-order dmy (date_order = 'dmy' in a "
            "mapping or config)")  # fmt: skip


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def submitted(db: Path, native_id: str) -> str:
    with sqlite3.connect(db) as conn:
        [(value,)] = conn.execute("SELECT submitted_at FROM feedback WHERE source_record_id = ?", [native_id])
    return value


def test_inspect_and_the_import_summary_flag_dates_the_file_cannot_order(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = dates()
    write_survey(tmp_path / "survey.csv", values)
    warning = expected_warning(values[0])  # 01/06/2024: 6 January or 1 June

    [inspected] = json.loads(invoke("inspect", "survey.csv", "--format", "json").stdout)
    assert warning in inspected["warnings"]
    assert f"warning: {warning}" in invoke("inspect", "survey.csv").output

    imported = invoke("import", "survey.csv")
    assert f"  ⚠ survey.csv: {warning}" in imported.output  # the sync's, which settles the order
    assert submitted(tmp_path / "cxbridge.db", "R0") == "2024-01-06T10:00:00Z"  # read month/day

    other = invoke("import", "survey.csv", "--date-order", "dmy", "--db", "day_first.db")
    assert other.exit_code == 0 and "⚠" not in other.output
    assert submitted(tmp_path / "day_first.db", "R0") == "2024-06-01T10:00:00Z"


@pytest.mark.parametrize("values", [dates(decisive_at=250), dates(separator=".")], ids=["day-13-at-row-252", "dotted"])
def test_nothing_is_flagged_when_the_data_or_the_custom_decides(tmp_path: Path, monkeypatch, values: list[str]):
    monkeypatch.chdir(tmp_path)
    write_survey(tmp_path / "survey.csv", values)
    [inspected] = json.loads(invoke("inspect", "survey.csv", "--format", "json").stdout)
    assert not [w for w in inspected["warnings"] if "date" in w]
    assert "⚠" not in invoke("import", "survey.csv").output
    day_first = values[0][2] == "."  # 01.06.2024 is 1 June; with 04/13 in the file, 01/06 is 6 January
    assert submitted(tmp_path / "cxbridge.db", "R0") == ("2024-06-01T10:00:00Z" if day_first else "2024-01-06T10:00:00Z")


def test_the_sync_summary_flags_a_source_without_date_order(tmp_path: Path):
    values = dates()
    write_survey(tmp_path / "survey.csv", values)
    source = {"connector": "csv", "path": "survey.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": "How likely are you to recommend us? (0-10)", "metric": "nps"}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert result.ok and result.warnings == [f"survey.csv: {expected_warning(values[0])}"]
    settled = sync_source(tmp_path, {**source, "date_order": "mdy"}, db="settled.db")
    assert settled.ok and settled.warnings == []


@pytest.mark.parametrize("separator", ["/", "."])
def test_dates_after_year_first_ones_are_read_by_their_own_evidence(tmp_path: Path, separator: str):
    """A column that begins year-first (2024-03-01) and goes on day first (rows typed in by hand
    below an export): a day above 12, or the dots' custom, says how the others read — never
    month first because the first dates named the year first."""
    written = {"R0": "2024-03-01 10:00", "R1": "2024-03-02 10:00", "R2": f"13{separator}03{separator}2024 10:00",
               "R3": f"01{separator}04{separator}2024 10:00"}  # fmt: skip
    with (tmp_path / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *([native_id, value, 9] for native_id, value in written.items())])
    source = {"connector": "csv", "path": "survey.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": "How likely are you to recommend us? (0-10)", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source).written == len(written)
    days = {"R0": "2024-03-01", "R1": "2024-03-02", "R2": "2024-03-13", "R3": "2024-04-01"}
    assert {native_id: submitted(tmp_path / "cxbridge.db", native_id) for native_id in written} == {
        native_id: f"{day}T10:00:00Z" for native_id, day in days.items()
    }
    with sqlite3.connect(tmp_path / "cxbridge.db") as conn:
        months = dict(conn.execute("SELECT month, responses FROM nps_by_month"))
    assert months == {"2024-03": 3, "2024-04": 1}


NPS_SOURCE = {"connector": "csv", "path": "survey.csv", "columns": {"id": "Response ID", "submitted_at": "Date"},
              "metrics": [{"column": "How likely are you to recommend us? (0-10)", "metric": "nps"}]}  # fmt: skip


def test_day_first_dates_below_a_preview_of_year_first_ones_read_by_the_files_evidence(tmp_path: Path):
    """Every row of the first 200 is year first (an export), the rows typed below it day first:
    31/01/2025 can only be d/m, so 01/02/2025 is 1 February — not 2 January because the first
    rows named the year first — and nothing is flagged, as the file decides it."""
    written = [f"2025-01-{n % 28 + 1:02d} 10:00" for n in range(ROWS)] + ["31/01/2025 11:00", "01/02/2025 11:00"]
    write_survey(tmp_path / "survey.csv", written)
    result = sync_source(tmp_path, NPS_SOURCE)
    assert (result.written, result.quarantined, result.warnings) == (len(written), 0, [])
    assert submitted(tmp_path / "cxbridge.db", f"R{ROWS}") == "2025-01-31T11:00:00Z"
    assert submitted(tmp_path / "cxbridge.db", f"R{ROWS + 1}") == "2025-02-01T11:00:00Z"


def test_ambiguous_dates_below_a_preview_of_year_first_ones_are_flagged(tmp_path: Path):
    """The same file without a day above 12 below the export: nothing decides 01/02/2025, so it
    reads as the '/' custom says (2 January) and the sync summary says so, as for any file."""
    written = [f"2025-01-{n % 28 + 1:02d} 10:00" for n in range(ROWS)] + ["01/02/2025 11:00"]
    write_survey(tmp_path / "survey.csv", written)
    result = sync_source(tmp_path, NPS_SOURCE)
    assert result.written == len(written)
    assert result.warnings == [f"survey.csv: {expected_warning('01/02/2025 11:00')}"]
    settled = sync_source(tmp_path, {**NPS_SOURCE, "date_order": "dmy"}, db="settled.db")
    assert settled.warnings == [] and submitted(tmp_path / "settled.db", f"R{ROWS}") == "2025-02-01T11:00:00Z"


@pytest.mark.parametrize(("below", "day", "warned"), [("31/01/2025 11:00", "2025-01-31", False),
                                                      ("01/02/2025 11:00", "2025-01-02", True)])  # fmt: skip
def test_dates_below_a_preview_of_month_named_ones_read_by_the_files_evidence(tmp_path: Path, below, day, warned):
    """A month's name ('5 January 2025') says nothing of how 01/02/2025 typed below reads: as
    below year-first dates, the whole file decides it, or it is flagged."""
    written = [f"{n % 28 + 1} January 2025 10:00" for n in range(ROWS)] + [below]
    write_survey(tmp_path / "survey.csv", written)
    result = sync_source(tmp_path, NPS_SOURCE)
    assert (result.written, result.quarantined) == (len(written), 0)
    assert result.warnings == ([f"survey.csv: {expected_warning(below)}"] if warned else [])
    assert submitted(tmp_path / "cxbridge.db", f"R{ROWS}") == f"{day}T11:00:00Z"


def test_year_first_and_month_named_dates_are_both_named_as_what_decides_their_order():
    from cxbridge.tabular.cells import DateOrder, infer_numbered_date_order

    guess = infer_numbered_date_order([(2, "5 March 2024"), (3, "2024-03-06 10:00")])
    assert (guess.order, guess.decided) == (DateOrder.YMD, True)
    assert guess.evidence == ("dates start with the year ('2024-03-06 10:00') or write their month's name "
                              "('5 March 2024': day, month, year)")  # fmt: skip


MONTHLY_SOURCE = {**NPS_SOURCE, "path": "exports/*.csv"}


def write_month(folder: Path, name: str, values: list[str]) -> None:
    """One file of a monthly export: its own response ids, the same header as every month's."""
    folder.mkdir(exist_ok=True)
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *([f"{name}-{n}", value, 7] for n, value in enumerate(values))])


def test_a_file_without_a_decisive_date_reads_as_the_other_files_of_its_source_show(tmp_path: Path):
    """The files of a glob share the source's mapping, so one whose days are all 12 or less is
    read as another file's 31/01/2025 shows (day/month): 01/02/2025 is 1 February, not flagged —
    whichever file comes first."""
    write_month(tmp_path / "exports", "2025-01.csv", ["01/02/2025 10:00", "03/02/2025 10:00"])
    write_month(tmp_path / "exports", "2025-02.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    result = sync_source(tmp_path, MONTHLY_SOURCE)
    assert (result.written, result.quarantined, result.warnings) == (4, 0, [])
    assert submitted(tmp_path / "cxbridge.db", "2025-01.csv-0") == "2025-02-01T10:00:00Z"
    assert submitted(tmp_path / "cxbridge.db", "2025-01.csv-1") == "2025-02-03T10:00:00Z"


def test_a_later_file_without_a_decisive_date_reads_as_the_source_decided_before(tmp_path: Path):
    """The next sync reads only the new file: the order an earlier file showed is the source's,
    kept in its state, so 01/03/2025 is 1 March, as a clean sync of both files reads it."""
    write_month(tmp_path / "exports", "2025-01.csv", ["31/01/2025 11:00"])
    assert sync_source(tmp_path, MONTHLY_SOURCE).written == 1
    write_month(tmp_path / "exports", "2025-02.csv", ["01/03/2025 10:00"])
    second = sync_source(tmp_path, MONTHLY_SOURCE)
    assert (second.read, second.written, second.warnings) == (1, 1, [])
    assert submitted(tmp_path / "cxbridge.db", "2025-02.csv-0") == "2025-03-01T10:00:00Z"
    clean = sync_source(tmp_path, MONTHLY_SOURCE, db="clean.db")
    assert clean.warnings == [] and submitted(tmp_path / "clean.db", "2025-02.csv-0") == "2025-03-01T10:00:00Z"


def test_files_of_one_source_whose_dates_show_both_orders_are_an_error_naming_both(tmp_path: Path):
    """31/01/2025 in one file and 01/31/2025 in another: the source's mapping reads them one way,
    so which is right is the user's to say; the file against the order shown before is not
    imported, in the same sync or a later one, until date_order says it."""
    write_month(tmp_path / "exports", "eu.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    write_month(tmp_path / "exports", "us.csv", ["01/31/2025 11:00", "02/01/2025 11:00"])
    result = sync_source(tmp_path, MONTHLY_SOURCE)
    assert not result.ok and result.written == 2
    assert "eu.csv: 1 date has a first part above 12 (as '31/01/2025 11:00' on row 2)" in result.error
    assert "us.csv: 1 date has a second part above 12 (as '01/31/2025 11:00' on row 2)" in result.error
    assert "set date_order for the source" in result.error
    only_eu = sync_source(tmp_path, {**MONTHLY_SOURCE, "path": "exports/eu.csv"}, db="later.db")
    assert only_eu.ok and only_eu.written == 2
    later = sync_source(tmp_path, MONTHLY_SOURCE, db="later.db")  # eu.csv read before, us.csv new: both named
    assert not later.ok and "eu.csv: 1 date has" in later.error and "us.csv: 1 date has" in later.error


def test_the_advice_for_files_showing_both_orders_names_the_files_each_date_order_then_refuses(tmp_path: Path):
    """The advice says what setting date_order does — the files written the other way are refused
    whole until exported again in its order, naming them for each setting — or to split the files
    into a source per order; each setting then refuses the file the advice named for it."""
    write_month(tmp_path / "exports", "eu.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    write_month(tmp_path / "exports", "us.csv", ["01/31/2025 11:00", "02/01/2025 11:00"])
    result = sync_source(tmp_path, MONTHLY_SOURCE)
    assert result.error.endswith(
        "— and one mapping reads them one way: give the files of each order a source of their own (date_order = "
        "'dmy' for those written d/m/y, 'mdy' for those written m/d/y), or set date_order for the source, and the "
        "files written the other way are then refused whole, each named, until exported again in that order: with "
        "date_order = 'dmy', us.csv; with 'mdy', eu.csv"
    ), result.error
    for order, refused, kept in [("dmy", "us.csv", "eu.csv"), ("mdy", "eu.csv", "us.csv")]:
        settled = sync_source(tmp_path, {**MONTHLY_SOURCE, "date_order": order}, db=f"{order}.db")
        assert settled.error.startswith(f"1 of 2 files could not be read (the others were imported): {refused}: ")
        assert sorted(feedback_rows(tmp_path / f"{order}.db")) == [f"{kept}-0", f"{kept}-1"]


def test_a_later_file_written_against_the_sources_date_order_is_refused_whole_naming_both_files(tmp_path: Path):
    """date_order = 'mdy' saved for the source (as `inspect --write-mapping` saves it from April's
    04/25/2025), then May's file written day first (25/05/2025): refused whole, naming it, the
    setting, a date of it with its row, April's file and what to do — not its every row quarantined
    as an impossible month; the source's other new file still syncs. A day-first file whose days
    are all 12 or less cannot show it: read month first, as the setting says, and nothing told."""
    pinned = {**MONTHLY_SOURCE, "date_order": "mdy"}
    write_month(tmp_path / "exports", "2025-04.csv", ["04/25/2025 10:00", "04/02/2025 10:00"])
    assert sync_source(tmp_path, pinned).written == 2
    write_month(tmp_path / "exports", "2025-05.csv", ["01/05/2025 10:00", "25/05/2025 10:00", "26/05/2025 10:00"])
    write_month(tmp_path / "exports", "2025-06.csv", ["06/13/2025 10:00"])
    write_month(tmp_path / "exports", "2025-07.csv", ["01/07/2025 10:00"])  # 1 July, read as 7 January
    result = sync_source(tmp_path, pinned)
    assert not result.ok and (result.written, result.quarantined, result.warnings) == (2, 0, [])
    assert result.error == (
        "1 of 4 files could not be read (the others were imported): 2025-05.csv: column 'Date': 2 dates have a "
        "first part above 12 (as '25/05/2025 10:00' on row 3), so they are d/m/y, against date_order 'mdy' set "
        "for the source (2025-04.csv: 1 date has a second part above 12 (as '04/25/2025 10:00' on row 2), so it "
        "is m/d/y) — nothing of the file was imported: give the files written d/m/y a source of their own "
        "(date_order = 'dmy'), or export this one m/d/y as the source's other files are"
    )
    stored = feedback_rows(tmp_path / "cxbridge.db")
    assert not [key for key in stored if key.startswith("2025-05.csv")]
    assert (stored["2025-06.csv-0"], stored["2025-07.csv-0"]) == ("2025-06-13T10:00:00Z", "2025-01-07T10:00:00Z")


def test_a_workbook_whose_second_sheet_is_written_against_the_sources_date_order_stores_none_of_its_sheets(
    tmp_path: Path,
):
    """The sheets of a workbook are one file: its first sheet's month-first rows are not written
    before its second sheet's 25/05/2025 refuses it, naming the sheet."""
    from tests.workbooks import write_xlsx

    header = ["Response ID", "Date", "How likely are you to recommend us? (0-10)"]
    write_xlsx(tmp_path / "book.xlsx", {"April": [header, ["A1", "04/25/2025 10:00", 9]],
                                        "May": [header, ["M1", "01/05/2025 10:00", 9], ["M2", "25/05/2025 10:00", 7]]})  # fmt: skip
    result = sync_source(tmp_path, {**NPS_SOURCE, "connector": "excel", "path": "book.xlsx", "date_order": "mdy"})
    assert not result.ok and (result.written, result.quarantined) == (0, 0)
    assert result.error.startswith("book.xlsx [May]: column 'Date': 1 date has a first part above 12 (as "
                                   "'25/05/2025 10:00' on row 3), so it is d/m/y, against date_order 'mdy'")  # fmt: skip
    assert feedback_rows(tmp_path / "cxbridge.db") == {}


def test_a_mapping_saved_from_a_file_without_a_decisive_date_leaves_the_order_to_the_source(tmp_path: Path):
    """inspect --write-mapping on January's file (every day ≤ 12) names the order it assumed in a
    comment, not as date_order: pinned, it read every month's file m/d — February's 31/01/2025
    quarantined — when the mapping became the glob source of all of them."""
    from cxbridge.detection.mapping_file import read_mapping
    from cxbridge.importing import inspect

    write_month(tmp_path / "exports", "2025-01.csv", ["01/02/2025 10:00", "03/02/2025 10:00"])
    inspect([tmp_path / "exports" / "2025-01.csv"], write_mapping_to=tmp_path / "mapping.toml")
    assert "# date_order left out: all 2 dates have day and month ≤ 12" in (tmp_path / "mapping.toml").read_text("utf-8")
    _, entry, _ = read_mapping(tmp_path / "mapping.toml")
    assert "date_order" not in entry
    write_month(tmp_path / "exports", "2025-02.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    result = sync_source(tmp_path, {**entry, "path": "exports/*.csv"})
    assert (result.written, result.quarantined, result.warnings) == (4, 0, [])
    assert submitted(tmp_path / "cxbridge.db", "2025-01.csv-0") == "2025-02-01T10:00:00Z"


def feedback_rows(db: Path) -> dict[str, str]:
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT source_record_id, submitted_at FROM feedback"))


def day_first(value: str) -> str:
    """'03/04/2025 10:00' read as 3 April, computed here without cxbridge."""
    day, month, rest = value.split("/")
    return f"{rest[:4]}-{month}-{day}T{rest[5:]}:00Z"


@pytest.mark.parametrize("mapping", [False, True], ids=["detected", "saved-mapping"])
@pytest.mark.parametrize("undecided", ["2025-01.csv", "2025-03.csv"], ids=["read-first", "read-last"])
def test_a_folder_import_reads_a_file_without_a_decisive_date_as_its_sibling_files_show(
    tmp_path: Path, monkeypatch, undecided: str, mapping: bool
):
    """`cxbridge import exports/` imports each file on its own, but the files are one export:
    one whose days are all 12 or less reads day first as a sibling's 13/04/2025 shows, whichever
    is read first, with or without a saved mapping — not month first with a warning."""
    monkeypatch.chdir(tmp_path)
    ambiguous = ["03/04/2025 10:00", "05/06/2025 10:00"]
    write_month(tmp_path / "exports", undecided, ambiguous)
    write_month(tmp_path / "exports", "2025-02.csv", ["13/04/2025 11:00", "01/02/2025 11:00"])
    options = []
    if mapping:
        invoke("inspect", f"exports/{undecided}", "--write-mapping", "mapping.toml")
        options = ["--mapping", "mapping.toml"]
    imported = invoke("import", "exports/", "--db", "x.db", *options)
    assert imported.exit_code == 0, imported.output
    assert "⚠" not in imported.output
    stored = feedback_rows(tmp_path / "x.db")
    assert {key: stored[key] for key in stored if key.startswith(undecided)} == {
        f"{undecided}-{n}": day_first(value) for n, value in enumerate(ambiguous)
    }
    assert stored["2025-02.csv-1"] == "2025-02-01T11:00:00Z"


def test_a_folder_import_whose_files_show_both_orders_imports_nothing_and_says_what_to_do(
    tmp_path: Path, monkeypatch
):
    """31/01/2025 in one file and 01/31/2025 in a later one: refused before any file is imported
    — not the first file written and the later one failed — naming both files with a date of
    each, and --date-order; with it, the dates of the other order are quarantined, none lost."""
    monkeypatch.chdir(tmp_path)
    write_month(tmp_path / "exports", "eu.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    write_month(tmp_path / "exports", "more.csv", ["03/04/2025 10:00", "05/06/2025 10:00"])
    write_month(tmp_path / "exports", "us.csv", ["02/01/2025 11:00", "01/31/2025 11:00"])
    for options in ([], ["--mapping", "mapping.toml"]):
        if options:
            invoke("inspect", "exports/more.csv", "--write-mapping", "mapping.toml")  # leaves date_order out
        refused = invoke("import", "exports/", "--db", "x.db", *options)
        assert refused.exit_code == 2
        assert "eu.csv: 1 date has a first part above 12 (as '31/01/2025 11:00' on row 2)" in refused.output
        assert "us.csv: 1 date has a second part above 12 (as '01/31/2025 11:00' on row 3)" in refused.output
        assert "--date-order dmy" in refused.output and "nothing was imported" in refused.output
        assert feedback_rows(tmp_path / "x.db") == {}
    settled = invoke("import", "exports/", "--db", "x.db", "--date-order", "dmy")
    assert settled.exit_code == 0 and "1 quarantined" in settled.output  # us.csv's 01/31/2025 cannot be day first
    stored = feedback_rows(tmp_path / "x.db")
    assert stored["eu.csv-1"] == "2025-02-01T11:00:00Z" and stored["more.csv-0"] == "2025-04-03T10:00:00Z"
    assert stored["us.csv-0"] == "2025-01-02T11:00:00Z" and "us.csv-1" not in stored
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("SELECT source_record_id FROM quarantine").fetchall() == [("us.csv-1",)]


def test_a_folder_import_against_the_order_its_source_read_before_imports_nothing(tmp_path: Path, monkeypatch):
    """With a saved mapping the files are one source, whose state keeps the order an earlier import
    showed (31/01/2025): a later folder showing the other order (01/31/2025) is refused before its
    undecided sibling is written month first, naming the file read before too."""
    monkeypatch.chdir(tmp_path)
    write_month(tmp_path / "later", "2025-03.csv", ["03/04/2025 10:00", "05/06/2025 10:00"])
    invoke("inspect", "later/2025-03.csv", "--write-mapping", "mapping.toml")  # leaves date_order out
    write_month(tmp_path / "january", "2025-01.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    assert invoke("import", "january/", "--mapping", "mapping.toml", "--db", "x.db").exit_code == 0
    write_month(tmp_path / "later", "2025-02.csv", ["02/01/2025 11:00", "01/31/2025 11:00"])

    refused = invoke("import", "later/", "--mapping", "mapping.toml", "--db", "x.db")

    assert refused.exit_code == 2 and "the files of this import and those its source read before" in refused.output
    assert "2025-01.csv: 1 date has a first part above 12 (as '31/01/2025 11:00' on row 2)" in refused.output
    assert "2025-02.csv: 1 date has a second part above 12 (as '01/31/2025 11:00' on row 3)" in refused.output
    assert sorted(feedback_rows(tmp_path / "x.db")) == ["2025-01.csv-0", "2025-01.csv-1"]


def test_a_file_whose_dates_cannot_be_looked_at_before_the_import_fails_alone(tmp_path: Path, monkeypatch):
    """Only files showing both orders refuse the whole import: any other error while a file's
    dates are looked at is left to the file's own import (which, if it must, fails alone)."""
    from cxbridge.errors import SourceError
    from cxbridge.tabular.source import FileStream

    monkeypatch.chdir(tmp_path)
    write_month(tmp_path / "exports", "2025-01.csv", ["03/04/2025 10:00", "05/06/2025 10:00"])
    write_month(tmp_path / "exports", "2025-02.csv", ["13/04/2025 11:00", "01/02/2025 11:00"])
    looked_at = FileStream.date_evidence

    def broken_for_january(self, dates, file, headers):
        if file.path.name == "2025-01.csv":
            raise SourceError("2025-01.csv: cannot be looked at now")
        return looked_at(self, dates, file, headers)

    monkeypatch.setattr(FileStream, "date_evidence", broken_for_january)
    imported = invoke("import", "exports/", "--db", "x.db")
    assert imported.exit_code == 0, imported.output
    assert sorted(feedback_rows(tmp_path / "x.db")) == ["2025-01.csv-0", "2025-01.csv-1", "2025-02.csv-0", "2025-02.csv-1"]


@pytest.mark.parametrize("mapping", [False, True], ids=["detected", "saved-mapping"])
def test_an_import_reads_a_file_without_a_decisive_date_once_to_order_it_and_once_to_import_it(
    tmp_path: Path, monkeypatch, mapping: bool
):
    """Every day of the file is 12 or less, so finding that out reads all of its rows: once, by
    inspect (a detected mapping) or by the import's look at the files' dates (a saved one) — the
    look and the sync reuse what was found — and once more to import them. Rows are counted as
    the tables give them."""
    from cxbridge.tabular.table import Table

    monkeypatch.chdir(tmp_path)
    values = dates()
    write_survey(tmp_path / "survey.csv", values)
    options = []
    if mapping:
        invoke("inspect", "survey.csv", "--write-mapping", "mapping.toml")
        options = ["--mapping", "mapping.toml"]
    given: list[str] = []
    numbered = Table.numbered

    def counted(table):
        for row in numbered(table):
            given.append(table.where)
            yield row

    monkeypatch.setattr(Table, "numbered", counted)
    imported = invoke("import", "survey.csv", *options)
    assert imported.exit_code == 0 and expected_warning(values[0]) in imported.output, imported.output
    assert submitted(tmp_path / "cxbridge.db", "R0") == "2024-01-06T10:00:00Z"  # read month/day
    assert len(given) / ROWS == 2 and set(given) == {"survey.csv"}


def import_with_another_in_between(tmp_path: Path, monkeypatch, mapping: bool, path: str):
    """Import `path` into the source `monthly` (or through a mapping inspect wrote of
    later/2025-03.csv, without date_order), while another import — of january/2025-01.csv, whose
    dates read day first — runs right after this one's look at the order its source read before,
    ahead of its syncs and without the destination's lock. Both imports' results."""
    import cxbridge
    from cxbridge import importing

    monkeypatch.chdir(tmp_path)
    write_month(tmp_path / "january", "2025-01.csv", ["31/01/2025 11:00", "01/02/2025 11:00"])
    options: dict = {"source": "monthly"}
    if mapping:
        invoke("inspect", "later/2025-03.csv", "--write-mapping", "mapping.toml")  # leaves date_order out
        options = {"mapping": "mapping.toml"}
    destination = f"sqlite:///{tmp_path / 'x.db'}"
    looked = importing._order_read_before
    others: list = []

    def another_import_in_between(ready, destination_, host):
        before = looked(ready, destination_, host)
        if not others:  # the other import's own look comes here too: it runs alone
            others.append(None)
            others[0] = cxbridge.import_(["january/2025-01.csv"], destination=destination, **options)
        return before

    monkeypatch.setattr(importing, "_order_read_before", another_import_in_between)
    imported = cxbridge.import_([path], destination=destination, **options)
    return others[0], imported


@pytest.mark.parametrize("mapping", [False, True], ids=["detected", "saved-mapping"])
def test_an_import_reads_an_undecided_file_in_the_order_its_source_holds_when_its_sync_writes(
    tmp_path: Path, monkeypatch, mapping: bool
):
    """The import looks at the order its source read before ahead of its syncs, without the
    destination's lock: another import of the source that saves an order in between (here, run
    right after the look) is what the sync, holding the lock, reads the undecided file by — as it
    would had the other import ended first — not the order the look found missing."""
    write_month(tmp_path / "later", "2025-03.csv", ["03/04/2025 10:00", "05/06/2025 10:00"])
    other, imported = import_with_another_in_between(tmp_path, monkeypatch, mapping, "later/2025-03.csv")
    assert [file.ok for file in other.files] == [True] and [file.ok for file in imported.files] == [True]
    stored = feedback_rows(tmp_path / "x.db")
    assert stored["2025-01.csv-0"] == "2025-01-31T11:00:00Z"
    assert stored["2025-03.csv-0"] == "2025-04-03T10:00:00Z" and stored["2025-03.csv-1"] == "2025-06-05T10:00:00Z"
    assert not [w for file in imported.files for w in file.all_warnings if "date" in w]


@pytest.mark.parametrize("mapping", [False, True], ids=["detected", "saved-mapping"])
def test_an_import_whose_files_show_the_order_another_import_saved_against_in_between_writes_none_of_them(
    tmp_path: Path, monkeypatch, mapping: bool
):
    """The same, with this import's files showing month/day (01/31/2025) and the other import
    saving day/month (31/01/2025) after the look: run after it, this import is refused; run so,
    each of its files fails naming both orders' files, and none of its rows is written."""
    write_month(tmp_path / "later", "2025-02.csv", ["02/01/2025 11:00", "01/31/2025 11:00"])
    write_month(tmp_path / "later", "2025-03.csv", ["03/04/2025 10:00", "05/06/2025 10:00"])
    other, imported = import_with_another_in_between(tmp_path, monkeypatch, mapping, "later/")
    assert [file.ok for file in other.files] == [True] and [file.ok for file in imported.files] == [False, False]
    for file in imported.files:
        error = file.error or file.result.error
        assert "2025-01.csv: 1 date has a first part above 12" in error, error
        assert "2025-02.csv: 1 date has a second part above 12" in error
        # the advice fits the command run: the import's option, not a config key it has no config for
        assert "--date-order dmy or --date-order mdy" in error and "for the source" not in error, error
    assert sorted(feedback_rows(tmp_path / "x.db")) == ["2025-01.csv-0", "2025-01.csv-1"]
