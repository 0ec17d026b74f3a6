"""`cxbridge inspect` of yearly files of one layout proposes one source reading a glob of them,
as a team migrating years of sheets keeps them — never one source per file."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import cxbridge
from cxbridge import api
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from tests.conftest import nps_figures
from tests.workbooks import write_xlsx

YEARS = range(2021, 2026)


def write_year(folder: Path, year: int, *, recommend: str = "Weiterempfehlung (0-10)", name: str = "") -> Path:
    """A year's workbook: its answers, one a month, and a sheet of notes."""
    rows = [["ID", "Datum", "Filiale", recommend],
            *[[f"{year}-{n}", f"{n + 1:02d}.0{n + 1}.{year}", "Berlin", (year + n) % 11] for n in range(4)]]  # fmt: skip
    return write_xlsx(folder / (name or f"responses_{year}.xlsx"), {"Antworten": rows, "Notes": [["nur Notizen"]]})


def written_mapping(folder: Path, *files: str) -> dict:
    api.inspect([str(folder / file) for file in files], write_mapping_to=folder / "mapping.toml")
    return tomllib.loads((folder / "mapping.toml").read_text(encoding="utf-8"))["sources"]


def test_yearly_files_of_one_layout_are_proposed_as_one_source_reading_a_glob(tmp_path: Path):
    """Five yearly workbooks were proposed as five sources, one per file: a migrating team had to
    write the glob source by hand."""
    for year in YEARS:
        write_year(tmp_path, year)
    sources = written_mapping(tmp_path, "responses_*.xlsx")
    assert list(sources) == ["responses"]
    assert sources["responses"]["path"] == "responses_*.xlsx"
    assert sources["responses"]["sheets"] == ["Antworten"]
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    assert [(r.ok, r.written) for r in result.results] == [(True, 20)]


def test_an_nps_renamed_between_years_is_one_source_with_its_question_key(tmp_path: Path):
    """Headers that match once a renamed NPS is keyed as one question: one source, both headers
    mapped under `question_key = 'nps'`, every year's answers scored."""
    for year in YEARS:
        write_year(tmp_path, year, recommend="NPS" if year >= 2024 else "Weiterempfehlung (0-10)")
    sources = written_mapping(tmp_path, "responses_*.xlsx")
    assert list(sources) == ["responses"]
    metrics = sorted((m["column"], m["metric"], m.get("question_key")) for m in sources["responses"]["metrics"])
    assert metrics == [("NPS", "nps", "nps"), ("Weiterempfehlung (0-10)", "nps", "nps")]
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    with sqlite3.connect(tmp_path / "cx.db") as db:
        assert db.execute("SELECT count(*), count(nps) FROM feedback").fetchone() == (20, 20)


def test_a_file_of_another_layout_keeps_its_own_source_and_the_glob_leaves_it_out(tmp_path: Path):
    for year in YEARS:
        write_year(tmp_path, year)
    write_xlsx(tmp_path / "responses_extra.xlsx",
               {"Sheet": [["Nr", "Zeitstempel", "Zufriedenheit (1-5)"], *[[n, f"2024-01-0{n}", 4] for n in range(1, 5)]]})  # fmt: skip
    sources = written_mapping(tmp_path, "responses_*.xlsx")
    assert {name: entry["path"] for name, entry in sources.items()} == {
        "responses_202": "responses_202*.xlsx", "responses_extra": "responses_extra.xlsx"}  # fmt: skip


def test_files_no_glob_finds_alone_are_proposed_one_source_each(tmp_path: Path):
    write_year(tmp_path, 2021, name="Umfrage.xlsx")
    write_year(tmp_path, 2022, name="Kundenstimmen.xlsx")
    assert list(written_mapping(tmp_path, "Umfrage.xlsx", "Kundenstimmen.xlsx")) == ["umfrage", "kundenstimmen"]


def test_inspect_says_which_files_the_one_source_reads(tmp_path: Path):
    for year in YEARS:
        write_year(tmp_path, year)
    printed = CliRunner().invoke(cli, ["inspect", str(tmp_path / "responses_*.xlsx")]).output
    assert printed.count("one source proposed:") == 1
    assert ("one source proposed: responses — path = 'responses_*.xlsx' reads the 5 files whose headers and mapping "
            "match: responses_2021.xlsx, responses_2022.xlsx, responses_2023.xlsx, responses_2024.xlsx, "
            "responses_2025.xlsx") in printed  # fmt: skip


def test_a_column_left_out_that_looks_scored_is_named_once_for_each_file_with_the_file(tmp_path: Path):
    """A glob source's sync warned of an unmapped satisfaction column once per file, each warning
    quoting that file's answers but naming no file: the same warning, three times, apparently."""
    for year in (2021, 2022, 2023):
        rows = [["ID", "Datum", "Weiterempfehlung (0-10)", "Zufriedenheit (1-5)"],
                *[[f"{year}-{n}", f"{n + 1:02d}.0{n + 1}.{year}", n + 5, 1 + (n + year) % 5] for n in range(4)]]  # fmt: skip
        write_xlsx(tmp_path / f"responses_{year}.xlsx", {"Antworten": rows, "Antworten 2": rows})
    entry = {"connector": "excel", "path": "responses_*.xlsx", "sheets": ["Antworten"],
             "columns": {"id": "ID", "submitted_at": "Datum"},
             "metrics": [{"column": "Weiterempfehlung (0-10)", "metric": "nps"}]}  # fmt: skip
    config = config_from_dict({"sources": {"responses": entry}}, create_host(), path=tmp_path / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    warned = [w for w in result.results[0].warnings if "looks scored" in w]
    assert [w.split(" looks scored")[0] for w in warned] == [
        f"column 'Zufriedenheit (1-5)' of responses_{year}.xlsx [Antworten]" for year in (2021, 2022, 2023)
    ]


def write_survey(folder: Path, year: int, header: list[str], *extra: list[Any]) -> Path:
    """A year's workbook of a store survey: id, date, store, NPS and comment, then `extra` columns."""
    rows = [[f"{year}-{n}", f"{n + 1:02d}.0{n + 1}.{year}", "Berlin", (year + n) % 11, ["gut", "zu laut", "ok", "super"][n]]
            for n in range(4)]  # fmt: skip
    return write_xlsx(folder / f"survey_{year}.xlsx", {"Antworten": [header, *[row + [column[n] for column in extra]
                                                                               for n, row in enumerate(rows)]]})  # fmt: skip


SURVEY = ["ID", "Datum", "Filiale", "Weiterempfehlung (0-10)", "Kommentar"]


def notes(folder: Path, pattern: str) -> list[str]:
    return [note for item in api.inspect([str(folder / pattern)]) for note in item.notes if "yearly name" in note]


def test_a_question_added_in_a_later_year_leaves_the_years_one_source(tmp_path: Path):
    """survey_2024.xlsx adds a CSAT column: the two years were proposed as two sources, one per
    file, though every column they share is mapped alike."""
    write_survey(tmp_path, 2023, SURVEY)
    write_survey(tmp_path, 2024, [*SURVEY, "Zufriedenheit (1-5)"], [1, 2, 3, 4])
    sources = written_mapping(tmp_path, "survey_*.xlsx")
    assert list(sources) == ["survey"]
    assert sorted((m["column"], m["metric"]) for m in sources["survey"]["metrics"]) == [
        ("Weiterempfehlung (0-10)", "nps"), ("Zufriedenheit (1-5)", "csat")]  # fmt: skip
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    with sqlite3.connect(tmp_path / "cx.db") as db:
        by_year = db.execute("SELECT substr(submitted_at, 1, 4), count(nps), count(csat), count(comment) FROM feedback "
                             "GROUP BY 1 ORDER BY 1").fetchall()  # fmt: skip
    assert by_year == [("2023", 4, 0, 4), ("2024", 4, 4, 4)]
    printed = CliRunner().invoke(cli, ["inspect", str(tmp_path / "survey_*.xlsx")]).output
    assert "(scored in some of them only: 'Zufriedenheit (1-5)' only in survey_2024.xlsx)" in printed


def test_a_mapped_column_renamed_between_years_keeps_a_source_each_and_says_why(tmp_path: Path):
    """The store column renamed in 2024: no mapping reads both files, and inspect said nothing of
    why the yearly files were two sources."""
    write_survey(tmp_path, 2023, SURVEY)
    write_survey(tmp_path, 2024, ["ID", "Datum", "Standort", *SURVEY[3:]])
    assert list(written_mapping(tmp_path, "survey_*.xlsx")) == ["survey_2023", "survey_2024"]
    assert notes(tmp_path, "survey_*.xlsx") == [
        "survey_2023.xlsx and survey_2024.xlsx share a yearly name (survey_*.xlsx) but are not proposed as one "
        "source: columns.location_name is 'Filiale' in survey_2023.xlsx and 'Standort' in survey_2024.xlsx: every file "
        "of a source holds its mapped columns under one header — give the column one header in every year's file "
        "(add it, empty, to a file without it) and inspect them again, or keep a source each"
    ]


def test_two_questions_of_one_metric_in_two_years_keep_a_source_each_and_say_why(tmp_path: Path):
    """Service in 2023, cleanliness in 2024, both CSAT and not one question: one source would fill
    the record's csat from the 2023 question alone, leaving 2024's empty."""
    write_survey(tmp_path, 2023, [*SURVEY, "Zufriedenheit mit dem Service (1-5)"], [1, 2, 3, 4])
    write_survey(tmp_path, 2024, [*SURVEY, "Wie zufrieden waren Sie mit der Sauberkeit? (1-5)"], [2, 3, 4, 5])
    assert list(written_mapping(tmp_path, "survey_*.xlsx")) == ["survey_2023", "survey_2024"]
    assert notes(tmp_path, "survey_*.xlsx") == [
        "survey_2023.xlsx and survey_2024.xlsx share a yearly name (survey_*.xlsx) but are not proposed as one "
        "source: 'Zufriedenheit mit dem Service (1-5)' (survey_2023.xlsx) and 'Wie zufrieden waren Sie mit der Sauberkeit? (1-5)' "
        "(survey_2024.xlsx) are both csat but not matched as one question: if they are one, give both [[metrics]] "
        "entries one question_key; else keep a source each"
    ]


def write_grouped(folder: Path, year: int, title: str) -> Path:
    """A year's workbook whose header joins group titles over 'Wert' and 'Kommentar' (docs/files.md)."""
    rows = [["Datum", title, None, "Zufriedenheit (1-5)", None], [None, "Wert", "Kommentar", "Wert", "Kommentar"],
            *[[f"{n + 1:02d}.0{n + 1}.{year}", (year + n) % 11, f"nps {year}-{n}", 1 + n, f"csat {year}-{n}"]
              for n in range(4)]]  # fmt: skip
    return write_xlsx(folder / f"umfrage_{year}.xlsx", {"Antworten": rows}, merged={"Antworten": ["A1:A2", "B1:C1", "D1:E1"]})


def test_a_renamed_group_title_keeps_its_comment_with_its_score(tmp_path: Path):
    """The NPS group renamed in 2024: its 'Wert' columns matched as one question, but the
    'Kommentar' under the old title and the one under the new kept the years two sources."""
    write_grouped(tmp_path, 2023, "Weiterempfehlung (0-10)")
    write_grouped(tmp_path, 2024, "Empfehlung an Freunde (0-10)")
    sources = written_mapping(tmp_path, "umfrage_*.xlsx")
    assert list(sources) == ["umfrage"]
    entry = sources["umfrage"]
    assert "comment" not in entry["columns"]
    assert entry["comments"] == ["Weiterempfehlung (0-10) - Kommentar", "Empfehlung an Freunde (0-10) - Kommentar",
                                 "Zufriedenheit (1-5) - Kommentar"]  # fmt: skip
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    with sqlite3.connect(tmp_path / "cx.db") as db:
        comments = db.execute("SELECT comment FROM feedback ORDER BY submitted_at").fetchall()
        kept = db.execute("SELECT count(*) FROM feedback_comments").fetchone()
    assert [comment for (comment,) in comments] == [f"nps {year}-{n}" for year in (2023, 2024) for n in range(4)]
    assert kept == (16,), "both comments of every row"


def test_a_sync_names_the_comment_column_a_renamed_group_title_took_from_the_mapping(tmp_path: Path):
    """A mapping saved in 2023, its NPS keyed as the sync advises once 2024 renamed the group: the
    2024 rows were stored without their comment, kept apart in attributes, and no line said so."""
    write_grouped(tmp_path, 2023, "Weiterempfehlung (0-10)")
    write_grouped(tmp_path, 2024, "Empfehlung an Freunde (0-10)")
    nps = [{"column": f"{title} - Wert", "metric": "nps", "question_key": "nps"}
           for title in ("Weiterempfehlung (0-10)", "Empfehlung an Freunde (0-10)")]  # fmt: skip
    entry = {"connector": "excel", "path": "umfrage_*.xlsx", "comments": ["Zufriedenheit (1-5) - Kommentar"],
             "columns": {"submitted_at": "Datum", "comment": "Weiterempfehlung (0-10) - Kommentar"},
             "metrics": [*nps, {"column": "Zufriedenheit (1-5) - Wert", "metric": "csat", "scale": [1, 5]}]}  # fmt: skip
    config = config_from_dict({"sources": {"umfrage": entry}}, create_host(), path=tmp_path / "cxbridge.toml")
    result = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    assert [w for w in result.results[0].warnings if "comment" in w] == [
        "umfrage_2024.xlsx [Antworten] has no column 'Weiterempfehlung (0-10) - Kommentar' (mapped as the record's "
        "comment): its rows take no comment from it; 'Empfehlung an Freunde (0-10) - Kommentar' there reads like it "
        "under another header — to keep it as their comment, list both under comments (before the others) and "
        "leave columns.comment out (docs/files.md, Yearly files as one source)"
    ]


STORE_NPS = "How likely are you to recommend this store to a friend?"
BRAND_NPS = "How likely are you to recommend the Acme brand to a friend?"
STORE_ANSWERS = {2023: [10, 9, 3, 8], 2024: [10, 9, 3, 8]}
BRAND_ANSWERS = {2023: [9, 9, 9, 1], 2024: [2, 3, 10, 6]}


def write_two_recommends(folder: Path, year: int, first: str) -> Path:
    """A year's workbook asking about recommending the store and the brand, `first` listed first:
    the question its own mapping takes as the primary nps."""
    headers = [first, *({STORE_NPS, BRAND_NPS} - {first})]
    answers = {STORE_NPS: STORE_ANSWERS[year], BRAND_NPS: BRAND_ANSWERS[year]}
    rows = [[f"{year}-{n}", f"{year}-03-1{n}", "Berlin", *(answers[header][n] for header in headers)] for n in range(4)]
    return write_xlsx(folder / f"survey_{year}.xlsx", {"Answers": [["ID", "Date", "Store", *headers], *rows]})


def test_a_later_file_listing_another_recommend_question_first_keeps_the_first_files_primary_and_says_so(tmp_path: Path):
    """survey_2024.xlsx lists the brand question first, which its own mapping takes as the record's
    nps: the one source kept the store question of 2023 as the primary, in silence. It still does
    — one question behind a source's nps over the years (DESIGN.md: nps_by_month) — and says so."""
    write_two_recommends(tmp_path, 2023, STORE_NPS)
    write_two_recommends(tmp_path, 2024, BRAND_NPS)
    sources = written_mapping(tmp_path, "survey_*.xlsx")
    assert list(sources) == ["survey"]
    assert [m["column"] for m in sources["survey"]["metrics"] if m.get("primary")] == [STORE_NPS]
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    with sqlite3.connect(tmp_path / "cx.db") as db:
        by_month = db.execute("SELECT month, responses, nps FROM nps_by_month ORDER BY month").fetchall()
    assert by_month == [(f"{year}-03", *nps_figures(STORE_ANSWERS[year])) for year in (2023, 2024)]
    assert nps_figures(STORE_ANSWERS[2024]) != nps_figures(BRAND_ANSWERS[2024])
    told = [note for item in api.inspect([str(tmp_path / "survey_*.xlsx")]) for note in item.notes if "primary" in note]
    assert told == [
        f"survey_2024.xlsx takes {BRAND_NPS!r} as its primary nps, survey_2023.xlsx {STORE_NPS!r}: "
        f"the one source keeps {STORE_NPS!r} the primary in every file, so the record's nps (and nps_by_month) "
        f"follows one question over the years, {BRAND_NPS!r} kept as another question of it (feedback_scores); "
        f"if {BRAND_NPS!r} is the survey's nps, mark its [[metrics]] entry primary = true instead (every year's "
        "nps then reads it), or keep a source each (docs/files.md#yearly-files-as-one-source)"
    ]


def layout_notes(folder: Path, pattern: str) -> list[str]:
    return [note for item in api.inspect([str(folder / pattern)]) for note in item.notes if "one layout" in note]


def test_yearly_files_whose_names_carry_no_year_are_one_source_and_told_their_years_and_read_order(tmp_path: Path):
    """`export.xlsx` (2023) and `export (1).xlsx` (2024), two downloads of one survey: one source,
    in silence, though only the dates inside tell the years apart and a sync reads the 2024 file first."""
    write_year(tmp_path, 2023, name="export.xlsx")
    write_year(tmp_path, 2024, name="export (1).xlsx")
    assert {name: entry["path"] for name, entry in written_mapping(tmp_path, "export*.xlsx").items()} == {
        "export": "export*.xlsx"}  # fmt: skip
    assert layout_notes(tmp_path, "export*.xlsx") == [
        "export (1).xlsx and export.xlsx are one layout read as one source (path = 'export*.xlsx'), but their names "
        "carry no year: only the dates inside tell them apart (export (1).xlsx from 2024, export.xlsx from 2023), a "
        "sync reads them in name order (export (1).xlsx first: where one id is in both, the file read last gives its "
        "row), and any file the glob finds later is read with them — to keep each year's file named by its year, "
        "rename them (export_2023.xlsx, export_2024.xlsx) and inspect them again"
    ]


def test_files_of_one_layout_and_one_year_are_not_told_of_years(tmp_path: Path):
    """Two kiosks' files of 2024: not yearly files, whatever their names."""
    write_year(tmp_path, 2024, name="kiosk north.xlsx")
    write_year(tmp_path, 2024, name="Filiale Süd.xlsx")
    assert layout_notes(tmp_path, "*.xlsx") == []


def test_yearly_files_no_glob_finds_alone_are_told_why_they_are_a_source_each(tmp_path: Path):
    """`Umfrage.xlsx` (2023) and `Kundenstimmen.xlsx` (2024) of one layout: a source each, and
    nothing said of why, nor of what would make them one."""
    write_year(tmp_path, 2023, name="Umfrage.xlsx")
    write_year(tmp_path, 2024, name="Kundenstimmen.xlsx")
    assert list(written_mapping(tmp_path, "Umfrage.xlsx", "Kundenstimmen.xlsx")) == ["umfrage", "kundenstimmen"]
    assert layout_notes(tmp_path, "*.xlsx") == [
        "Kundenstimmen.xlsx and Umfrage.xlsx are one layout (their headers and mapping match) but are proposed as a "
        "source each: no glob finds them and no other file in their folder (never '*.xlsx', which would read any "
        "file saved there later) — to read them as one source, give them one name carrying the year (from the "
        "dates inside: Kundenstimmen.xlsx from 2024, Umfrage.xlsx from 2023), e.g. kundenstimmen_2024.xlsx and "
        "kundenstimmen_2023.xlsx, and inspect them again"
    ]


def test_yearly_files_whose_dates_read_in_two_orders_are_told_why_they_are_a_source_each(tmp_path: Path):
    """One year's file saved with day-first dates, the next with month-first: a source each, in silence."""
    for year, date in ((2023, "2{n}/0{m}/2023"), (2024, "0{m}/2{n}/2024")):
        rows = [["ID", "Datum", "Filiale", "Weiterempfehlung (0-10)"],
                *[[f"{year}-{n}", date.format(n=n, m=n + 1), "Berlin", n + 6] for n in range(4)]]  # fmt: skip
        write_xlsx(tmp_path / ("export.xlsx" if year == 2023 else "export (1).xlsx"), {"Antworten": rows})
    assert list(written_mapping(tmp_path, "export*.xlsx")) == ["export_1", "export"]
    assert layout_notes(tmp_path, "export*.xlsx") == [
        "export (1).xlsx and export.xlsx are one layout (their headers and mapping match) but are proposed as a "
        "source each: their dates read in two orders (date_order 'mdy' in export (1).xlsx, 'dmy' in export.xlsx), "
        "and a source reads its files in one — keep a source each, or save the file whose dates are the odd ones out "
        "with the others' and inspect them again"
    ]


# dates of 2023 with no day above 12 ('03-04-2023' is 3 April or 4 March), of 2024 month first ('04-25-2024')
TRUE_DATES = {2023: [(3, 4), (5, 6), (7, 8), (10, 11)], 2024: [(4, 25), (5, 26), (6, 27), (7, 28)]}
RECOMMEND = {2023: [10, 3, 9, 8], 2024: [10, 2, 9, 9]}


def write_month_first_csv(folder: Path, year: int) -> Path:
    rows = [f"{year}-{n},{month:02d}-{day:02d}-{year},Berlin,{RECOMMEND[year][n]}"
            for n, (month, day) in enumerate(TRUE_DATES[year])]  # fmt: skip
    path = folder / f"responses_{year}.csv"
    path.write_text("\n".join(["ID,Date,Store,How likely are you to recommend us? (0-10)", *rows, ""]), encoding="utf-8")
    return path


def test_a_file_whose_dates_cannot_show_their_order_reads_in_the_one_its_sibling_decides_and_is_told_which(tmp_path: Path):
    """responses_2023.csv's dates all read both ways, responses_2024.csv's only month first: one
    source, read month first by the sync — but inspect told the 2023 file its dates read day first
    (a warning, and 'assumed dmy' in the mapping), and the mapping pinned the order only when the
    deciding file came first by name."""
    for year in TRUE_DATES:
        write_month_first_csv(tmp_path, year)
    inspected = {item.path.name: item for item in api.inspect([str(tmp_path / "responses_*.csv")])}
    ambiguous = inspected["responses_2023.csv"]
    assert ambiguous.settings["date_order"] == "mdy"
    assert ambiguous.warnings == []
    assert [note for note in ambiguous.notes if "date order" in note] == [
        "date order mdy, decided by responses_2024.csv: 4 dates have a second part above 12 (as '04-25-2024' on "
        "row 2), so they are m/d/y; responses_2023.csv's dates, their day and month all 12 or less, cannot show it, "
        "and the files of one source read in one order (docs/files.md#yearly-files-as-one-source)"
    ]
    assert not [note for note in inspected["responses_2024.csv"].notes if "date order" in note]
    sources = written_mapping(tmp_path, "responses_*.csv")
    assert list(sources) == ["responses"]
    assert sources["responses"]["date_order"] == "mdy"
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    with sqlite3.connect(tmp_path / "cx.db") as db:
        by_month = db.execute("SELECT month, responses, nps FROM nps_by_month ORDER BY month").fetchall()
    assert by_month == [(f"{year}-{month:02d}", *nps_figures([score]))
                        for year, dates in TRUE_DATES.items()
                        for (month, _), score in zip(dates, RECOMMEND[year], strict=True)]  # fmt: skip


def test_dotted_dates_that_cannot_show_their_order_stay_day_first_beside_a_month_first_sibling(tmp_path: Path):
    """Dotted dates are day first everywhere: a sync reads '04.03.2023' as 4 March whatever the
    sibling's '04/25/2024' shows, so inspect neither moves them to its order nor saves that order
    (which would read them month first). Inspect and the sync summary say so, under the dotted
    file, naming the sibling and how to read them month first — before, neither said a word."""
    write_month_first_csv(tmp_path, 2024)
    rows = [f"2023-{n},{day:02d}.{month:02d}.2023,Berlin,{RECOMMEND[2023][n]}"
            for n, (month, day) in enumerate(TRUE_DATES[2023])]  # fmt: skip
    (tmp_path / "responses_2023.csv").write_text(
        "\n".join(["ID,Date,Store,How likely are you to recommend us? (0-10)", *rows, ""]), encoding="utf-8")
    inspected = {item.path.name: item for item in api.inspect([str(tmp_path / "responses_*.csv")])}
    assert inspected["responses_2023.csv"].settings["date_order"] == "dmy"
    note = ("column 'Date': its dotted dates cannot show their order (as '04.03.2023': day and month 12 or less) and "
            "are read day first, as dotted dates are everywhere — though the source's other files are month first "
            "(responses_2024.csv: 4 dates have a second part above 12 (as '04-25-2024' on row 2), so they are "
            "m/d/y); if these are month first too, set date_order = 'mdy' for the source")  # fmt: skip
    assert [n for n in inspected["responses_2023.csv"].notes if "date" in n] == [note]
    assert not [n for n in inspected["responses_2024.csv"].notes if "date" in n]
    sources = written_mapping(tmp_path, "responses_*.csv")
    assert list(sources) == ["responses"] and "date_order" not in sources["responses"]
    config = config_from_dict({"sources": sources}, create_host(), path=tmp_path / "mapping.toml")
    [synced] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host()).results
    assert synced.warnings == [f"responses_2023.csv: {note}"]
    with sqlite3.connect(tmp_path / "cx.db") as db:
        months = db.execute("SELECT month FROM nps_by_month WHERE month < '2024' ORDER BY month").fetchall()
    assert months == [(f"2023-{month:02d}",) for month, _ in TRUE_DATES[2023]]


def test_two_surveys_legacy_exports_are_not_told_to_be_one_layout(tmp_path: Path):
    """The QualtricsTools survey's legacy export (with its .qsf) and the qualtRics sample's legacy
    export (tests/data/samples: BSD, MIT) share the V1…V10 header and the mapping of its fields,
    but not a question: two surveys. `inspect` of their folder called them "one layout (their
    headers and mapping match)" and told the user to rename them by year to read them as one
    source — which would read the qualtRics answers through the other survey's definition."""
    from tests.sqlite_runs import copy_sample

    for name in ("QualtricsTools_No_Basis_for_Evaluation_Legacy.csv", "QualtricsTools_No_Basis_for_Evaluation.qsf",
                 "qualtRics_sample_legacy.csv"):  # fmt: skip
        copy_sample(name, tmp_path)
    inspections = api.inspect([str(tmp_path)])
    assert {item.path.name: Path(item.settings.get("definition", "-")).name for item in inspections} == {
        "QualtricsTools_No_Basis_for_Evaluation_Legacy.csv": "QualtricsTools_No_Basis_for_Evaluation.qsf",
        "qualtRics_sample_legacy.csv": "-",
    }
    assert [note for item in inspections for note in item.notes if "one layout" in note] == []


def test_dotted_dates_beside_a_day_first_sibling_need_no_note(tmp_path: Path):
    """Read day first as the sibling's '25.04.2024' shows: nothing to tell, in inspect or the sync."""
    for year, dates in {2023: TRUE_DATES[2023], 2024: [(4, 25), (5, 26)]}.items():
        rows = [f"{year}-{n},{day:02d}.{month:02d}.{year},Berlin,8" for n, (month, day) in enumerate(dates)]
        (tmp_path / f"responses_{year}.csv").write_text(
            "\n".join(["ID,Date,Store,How likely are you to recommend us? (0-10)", *rows, ""]), encoding="utf-8")
    inspected = api.inspect([str(tmp_path / "responses_*.csv")])
    assert not [note for item in inspected for note in item.notes if "date" in note]
    config = config_from_dict({"sources": written_mapping(tmp_path, "responses_*.csv")}, create_host(),
                              path=tmp_path / "mapping.toml")  # fmt: skip
    [synced] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host()).results
    assert synced.ok and synced.warnings == []
