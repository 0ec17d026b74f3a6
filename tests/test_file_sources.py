"""The csv and excel sources on messy real-world files: Russian and Polish sheets in their code
pages, decimal commas, d/m dates, Excel serial days, labelled answers and N/A, growing files
without ids, bad rows in quarantine, and a broken file among good ones."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest

import cxbridge
from cxbridge.errors import ConfigError
from tests.conftest import half_up
from tests.sqlite_runs import query, records, sync_source
from tests.workbooks import write_ods, write_xls, write_xlsx

RUSSIAN_SHEET = (
    "Дата;Магазин;Канал;Насколько вероятно, что вы порекомендуете нас?;Довольны ли вы обслуживанием?;"
    "Сумма;Комментарий\n"
    "03.02.2024 10:15;Москва, Тверская;Телефон;9;Очень доволен;1 250,50;Всё отлично\n"
    '13.02.2024 18:40;Казань;E-mail;3;Недоволен;99,90;"Долго ждал;\nкассир один"\n'
    "14.02.2024 09:00;Казань;Сайт;7;Затрудняюсь ответить;10,00;\n"
)
NPS_RU = "Насколько вероятно, что вы порекомендуете нас?"
CSAT_RU = "Довольны ли вы обслуживанием?"


def test_russian_cp1251_semicolon_sheet_with_labels_and_decimal_commas(tmp_path):
    (tmp_path / "opros.csv").write_bytes(RUSSIAN_SHEET.encode("cp1251"))
    source = {
        "connector": "csv", "path": "opros.csv", "timezone": "Europe/Moscow",
        "columns": {"submitted_at": "Дата", "location_name": "Магазин", "channel": "Канал", "comment": "Комментарий"},
        "metrics": [{"column": NPS_RU, "metric": "nps"}, {"column": CSAT_RU, "metric": "csat", "scale": [1, 5]}],
    }  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.read, result.written, result.quarantined) == (3, 3, 0)
    rows = query(tmp_path, "SELECT submitted_at, location_name, channel, nps, csat, comment, attributes FROM feedback "
                           "ORDER BY submitted_at")  # fmt: skip
    assert rows[0][:6] == ("2024-02-03T07:15:00Z", "Москва, Тверская", "phone", 9, 5.0, "Всё отлично")
    assert rows[1][:6] == ("2024-02-13T15:40:00Z", "Казань", "email", 3, 2.0, "Долго ждал;\nкассир один")
    assert rows[2][2:5] == ("web", 7, None)  # "Затрудняюсь ответить" ("hard to say") carries no score
    assert json.loads(rows[0][6]) == {"Сумма": "1 250,50"}
    labels = query(tmp_path, "SELECT json_extract(answers, '$.\"' || ? || '\".label') FROM feedback", (CSAT_RU,))
    assert sorted(label for (label,) in labels) == ["Затрудняюсь ответить", "Недоволен", "Очень доволен"]


def test_polish_cp1250_tab_file_with_dates_decided_from_the_data(tmp_path):
    text = (
        "Data\tSklep\tJak bardzo jest Pan/Pani zadowolony z wizyty?\tUwagi\n"
        "02/03/2024\tŁódź\tBardzo zadowolony\tMiła obsługa, dziękuję\n"
        "25/03/2024\tKraków\tNiezadowolona\tZa długa kolejka\n"
        "26/03/2024\tGdańsk\tNie dotyczy\t\n"
    )
    (tmp_path / "ankieta.tsv").write_bytes(text.encode("cp1250"))
    source = {
        "connector": "csv", "path": "ankieta.tsv", "timezone": "Europe/Warsaw",
        "columns": {"submitted_at": "Data", "location_name": "Sklep", "comment": "Uwagi"},
        "metrics": [{"column": "Jak bardzo jest Pan/Pani zadowolony z wizyty?", "metric": "csat"}],
    }  # fmt: skip
    assert sync_source(tmp_path, source).written == 3
    rows = query(tmp_path, "SELECT submitted_at, location_name, csat, comment FROM feedback ORDER BY submitted_at")
    assert rows == [
        ("2024-03-01T23:00:00Z", "Łódź", 5.0, "Miła obsługa, dziękuję"),  # 25/03 shows the day comes first
        ("2024-03-24T23:00:00Z", "Kraków", 2.0, "Za długa kolejka"),
        ("2024-03-25T23:00:00Z", "Gdańsk", None, None),
    ]


def workbook_rows(count: int, *, start: int = 0) -> list[list]:
    return [
        [45292 + n + 0.5, f"S{n % 3}", n % 11, ["Very satisfied", "Satisfied", "Neutral"][n % 3], f"note {n}"]
        for n in range(start, start + count)
    ]


HEADER = ["Submitted", "Store", "How likely are you to recommend us?", "How satisfied are you?", "Comment"]
EXCEL_SOURCE = {
    "connector": "excel", "path": "nps_*.xlsx", "timezone": "UTC",
    "columns": {"submitted_at": "Submitted", "location_id": "Store", "comment": "Comment"},
    "metrics": [{"column": "How likely are you to recommend us?", "metric": "nps"},
                {"column": "How satisfied are you?", "metric": "csat", "scale": [1, 5]}],
}  # fmt: skip


def test_every_sheet_of_every_workbook_with_excel_serial_days(tmp_path):
    write_xlsx(tmp_path / "nps_2023.xlsx", {"Q1": [HEADER, *workbook_rows(4)], "Chart": [["totals"], [1, 2]]})
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(3, start=10)]})
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert (result.read, result.written, result.quarantined) == (7, 7, 0)
    rows = query(tmp_path, "SELECT submitted_at, location_id, nps, csat FROM feedback ORDER BY submitted_at LIMIT 2")
    assert rows == [("2024-01-01T12:00:00Z", "S0", 0, 5.0), ("2024-01-02T12:00:00Z", "S1", 1, 4.0)]


def test_a_sheet_the_mapping_does_not_fit_is_logged_as_passed_over_once_a_sync(tmp_path, caplog):
    write_xlsx(tmp_path / "nps_book.xlsx", {"Q1": [HEADER, *workbook_rows(3)], "Notes": [["just notes"], ["more"]]})
    with caplog.at_level("INFO", logger="cxbridge"):
        assert sync_source(tmp_path, EXCEL_SOURCE).written == 3
    passed_over = [r.getMessage() for r in caplog.records if "passed over" in r.getMessage()]
    assert len(passed_over) == 1 and passed_over[0].startswith("nps_book.xlsx [Notes]: passed over"), passed_over


def test_a_sheet_passed_over_is_warned_of_at_the_first_read_of_its_file_only(tmp_path, caplog):
    """A glob source without `sheets` warned 'Notes … passed over' at every sync that read a
    file again (a yearly workbook kept up to date): a warning the user had seen, and could do
    nothing about but name the sheets. Said at a file's first read; read again, at debug level."""
    notes = [["just notes"], ["more"]]
    write_xlsx(tmp_path / "nps_2023.xlsx", {"Q1": [HEADER, *workbook_rows(3)], "Notes": notes})
    with caplog.at_level("DEBUG", logger="cxbridge"):
        sync_source(tmp_path, EXCEL_SOURCE)
        assert _passed_over(caplog) == [("WARNING", "nps_2023.xlsx [Notes]")]
        caplog.clear()
        write_xlsx(tmp_path / "nps_2023.xlsx", {"Q1": [HEADER, *workbook_rows(4)], "Notes": notes})  # a row added
        write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(2, start=10)], "Notes": notes})
        assert sync_source(tmp_path, EXCEL_SOURCE).written == 3
    assert _passed_over(caplog) == [("DEBUG", "nps_2023.xlsx [Notes]"), ("WARNING", "nps_2024.xlsx [Notes]")]


def _passed_over(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage().split(": passed over")[0]) for r in caplog.records
            if "passed over:" in r.getMessage()]  # fmt: skip


def test_rows_without_ids_keep_their_records_when_the_file_grows_and_is_edited(tmp_path):
    rows = workbook_rows(6)
    write_xlsx(tmp_path / "nps_live.xlsx", {"Responses": [HEADER, *rows]})
    assert sync_source(tmp_path, EXCEL_SOURCE).written == 6
    ids_before = dict(query(tmp_path, "SELECT comment, record_id FROM feedback"))

    again = sync_source(tmp_path, EXCEL_SOURCE)
    assert (again.read, again.written) == (0, 0)  # unchanged file: not even read

    rows[2][2] = 10  # a corrected score
    rows.append(workbook_rows(1, start=40)[0])  # and a new response
    write_xlsx(tmp_path / "nps_live.xlsx", {"Responses": [HEADER, *rows]})
    grown = sync_source(tmp_path, EXCEL_SOURCE)
    assert (grown.read, grown.written, grown.unchanged) == (7, 2, 5)
    ids_after = dict(query(tmp_path, "SELECT comment, record_id FROM feedback"))
    assert len(ids_after) == 7 and all(ids_after[comment] == rid for comment, rid in ids_before.items())
    assert query(tmp_path, "SELECT nps FROM feedback WHERE comment = 'note 2'") == [(10,)]

    rows.sort(key=lambda row: row[4], reverse=True)  # re-sorted: rows move, records stay the same
    write_xlsx(tmp_path / "nps_live.xlsx", {"Responses": [HEADER, *rows]})
    sync_source(tmp_path, EXCEL_SOURCE)
    assert dict(query(tmp_path, "SELECT comment, record_id FROM feedback")) == ids_after


def test_identical_rows_without_ids_stay_separate_records(tmp_path):
    (tmp_path / "votes.csv").write_text("Store,Score\nS1,9\nS1,9\nS2,3\n", encoding="utf-8")
    source = {"connector": "csv", "path": "votes.csv", "columns": {"location_id": "Store"},
              "metrics": [{"column": "Score", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source).written == 3
    assert query(tmp_path, "SELECT COUNT(DISTINCT record_id), MIN(submitted_at) FROM feedback") == [(3, None)]


def test_bad_rows_go_to_quarantine_with_file_sheet_row_and_column(tmp_path):
    rows = workbook_rows(5)
    rows[1][2] = 11
    rows[3][3] = "Kinda ok"
    rows[4][0] = "not a date"
    write_xlsx(tmp_path / "nps_bad.xlsx", {"Stores": [HEADER, *rows]})
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert (result.written, result.quarantined, result.status) == (2, 3, "success")
    found = {
        json.loads(context)["row"]: (json.loads(context), field, error)
        for context, field, error in query(tmp_path, "SELECT context, field, error FROM quarantine")
    }
    assert found[3][0].pop("replay")["scales"]  # what the read decided of its columns' scales (test_replayed_scales)
    assert found[3][0] == {"file": "nps_bad.xlsx", "sheet": "Stores", "row": 3}
    assert found[3][1] == "How likely are you to recommend us?" and "outside its scale 0–10" in found[3][2]
    assert found[5][1] == "How satisfied are you?" and "answer (a text of 2 words, not shown)" in found[5][2]
    assert found[6][1] == "Submitted" and "timestamp (a text of 3 words, not shown)" in found[6][2]


def test_a_broken_file_is_reported_and_the_others_still_import(tmp_path):
    write_xlsx(tmp_path / "nps_2023.xlsx", {"Q1": [HEADER, *workbook_rows(3)]})
    (tmp_path / "nps_2024.xlsx").write_bytes(b"PK\x03\x04 this zip was cut short")
    write_xlsx(tmp_path / "nps_2025.xlsx", {"Q1": [HEADER, *workbook_rows(2, start=20)]})
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert result.status == "failed" and result.written == 5
    assert "1 of 3 files could not be read" in result.error and "nps_2024.xlsx: not a readable workbook" in result.error
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(5,)]


def test_the_owner_file_excel_keeps_beside_an_open_workbook_is_passed_over_by_a_glob(tmp_path):
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(3)]})
    (tmp_path / "~$nps_2024.xlsx").write_bytes(b"\x05alice" + b"\x00" * 157)  # the workbook is open in Excel
    result = sync_source(tmp_path, EXCEL_SOURCE | {"path": "*.xlsx"})
    assert (result.status, result.written, result.error) == ("success", 3, None)


def test_a_workbook_saved_with_a_password_is_named_as_encrypted_with_what_to_do(tmp_path):
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(3)]})
    shutil.copy(Path(__file__).parent / "data" / "encrypted" / "password_protected.xlsx", tmp_path / "nps_2025.xlsx")
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert (result.status, result.written) == ("failed", 3)
    assert "nps_2025.xlsx: the workbook is encrypted with a password" in result.error
    assert "save a copy without the password" in result.error and "BadZipFile" not in result.error


def test_a_sheet_missing_a_mapped_column_names_it_and_suggests_the_closest(tmp_path):
    write_xlsx(tmp_path / "nps_typo.xlsx", {"Q1": [[*HEADER[:4], "Comments"], *workbook_rows(2)]})
    with pytest.raises(ConfigError) as failed:  # found by the check pass, before anything is written
        sync_source(tmp_path, EXCEL_SOURCE | {"sheets": ["Q1"]})
    assert str(failed.value).endswith(
        "[sources.survey] nps_typo.xlsx [Q1]: the mapped column 'Comment' is not in the header; "
        "did you mean 'Comments'? nothing was read or written"
    )
    assert not (tmp_path / "cxbridge.db").exists()


def test_a_column_added_in_a_later_sheet_is_absent_from_the_earlier_one_but_a_typo_still_fails(tmp_path):
    write_xlsx(tmp_path / "nps_years.xlsx", {"2023": [HEADER[:4], *[row[:4] for row in workbook_rows(3)]],
                                             "2024": [HEADER, *workbook_rows(2, start=10)]})  # fmt: skip
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert (result.read, result.written, result.status) == (5, 5, "success")
    assert query(tmp_path, "SELECT COUNT(comment) FROM feedback") == [(2,)]
    typo = EXCEL_SOURCE | {"columns": EXCEL_SOURCE["columns"] | {"comment": "Comments"}}
    with pytest.raises(ConfigError, match=r"nps_years.xlsx \[2023\]: the mapped column 'Comments' is not in the header"):
        sync_source(tmp_path, typo | {"path": "nps_years.xlsx"})


def test_a_column_added_in_a_later_file_is_absent_from_the_earlier_one_but_a_typo_in_no_file_still_fails(tmp_path):
    write_xlsx(tmp_path / "nps_2023.xlsx", {"Q1": [HEADER[:4], *[row[:4] for row in workbook_rows(3)]]})
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(2, start=10)]})
    result = sync_source(tmp_path, EXCEL_SOURCE)
    assert (result.read, result.written, result.status) == (5, 5, "success")
    by_file = "SELECT json_extract(raw, '$.file'), COUNT(*), COUNT(comment) FROM feedback GROUP BY 1 ORDER BY 1"
    assert query(tmp_path, by_file) == [("nps_2023.xlsx", 3, 0), ("nps_2024.xlsx", 2, 2)]
    typo = EXCEL_SOURCE | {"columns": EXCEL_SOURCE["columns"] | {"comment": "Comments"}}
    with pytest.raises(ConfigError) as failed:
        sync_source(tmp_path, typo, db="typo.db")
    missing = "the mapped column 'Comments' is not in the header; did you mean 'Comment'"
    assert f"nps_2023.xlsx [Q1]: {missing} (another sheet or file has it)?" in str(failed.value)
    assert f"nps_2024.xlsx [Q1]: {missing}?" in str(failed.value)


def test_the_other_files_headers_are_read_only_when_a_file_lacks_a_mapped_column(tmp_path, monkeypatch):
    from cxbridge.tabular import reading

    opened = Counter()
    read_tables = reading.read_tables
    counted = lambda file, *args, **kw: opened.update([file.identity]) or read_tables(file, *args, **kw)  # noqa: E731
    monkeypatch.setattr(reading, "read_tables", counted)
    write_xlsx(tmp_path / "nps_2023.xlsx", {"Q1": [HEADER[:4], *[row[:4] for row in workbook_rows(3)]]})
    for year in (2024, 2025):
        write_xlsx(tmp_path / f"nps_{year}.xlsx", {"Q1": [HEADER, *workbook_rows(2, start=year)]})
    uncommented = EXCEL_SOURCE | {"columns": EXCEL_SOURCE["columns"] | {"comment": None}}
    assert sync_source(tmp_path, uncommented).written == 7
    assert opened == {"nps_2023.xlsx": 2, "nps_2024.xlsx": 2, "nps_2025.xlsx": 2}  # by the check pass, then the read
    opened.clear()
    assert sync_source(tmp_path, EXCEL_SOURCE, db="commented.db").written == 7
    assert opened == {"nps_2023.xlsx": 2, "nps_2024.xlsx": 3, "nps_2025.xlsx": 3}  # each header once more, for 2023
    opened.clear()
    assert sync_source(tmp_path, EXCEL_SOURCE, db="commented.db").written == 0
    assert not opened  # unchanged files, read before with this mapping: neither checked nor read again


def test_config_of_the_first_csv_source_still_works_unchanged(tmp_path):
    (tmp_path / "r.csv").write_text(
        "id,submitted,nps,satisfaction\nR1,2025-01-02T10:00:00Z,9,Satisfied\nR2,2025-01-03T10:00:00Z,4,Dissatisfied\n",
        encoding="utf-8",
    )
    source = {
        "connector": "csv", "path": "r.csv", "encoding": "utf-8-sig", "delimiter": ",",
        "columns": {"id": "id", "submitted_at": "submitted"},
        "metrics": [{"column": "nps", "metric": "nps"},
                    {"column": "satisfaction", "metric": "csat", "labels": {"Satisfied": 4, "Dissatisfied": 2}}],
    }  # fmt: skip
    assert sync_source(tmp_path, source).written == 2
    assert records(tmp_path)["R1"]["csat"] == 4.0


def test_store_ids_written_as_numbers_stay_text_without_a_decimal_point(tmp_path):
    write_xlsx(tmp_path / "nps_numbers.xlsx", {"Q1": [HEADER, [datetime(2024, 5, 1, 10), 101, 9, "Satisfied", "x"]]})
    sync_source(tmp_path, EXCEL_SOURCE)
    assert query(tmp_path, "SELECT location_id FROM feedback") == [("101",)]


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".xlsm"])
def test_old_excel_and_opendocument_workbooks_import_alike(tmp_path, suffix):
    rows = [HEADER, [datetime(2024, 2, 1, 9), "S1", 10, "Very satisfied", "good"],
            [datetime(2024, 2, 2, 9), "S2", 5, "Neutral", None]]  # fmt: skip
    writer = {".xls": write_xls, ".ods": write_ods, ".xlsm": write_xlsx}[suffix]
    writer(tmp_path / f"nps_old{suffix}", {"Data": rows})
    assert sync_source(tmp_path, EXCEL_SOURCE | {"path": f"nps_old{suffix}"}).written == 2
    assert query(tmp_path, "SELECT submitted_at, nps, csat FROM feedback ORDER BY submitted_at") == [
        ("2024-02-01T09:00:00Z", 10, 5.0),
        ("2024-02-02T09:00:00Z", 5, 3.0),
    ]


def test_utf16_tab_export_with_a_byte_order_mark(tmp_path):
    text = "Submitted\tStore\tScore\n2024-01-05 10:00\tKraków\t9\n2024-01-06 11:00\tŁódź\t4\n"
    (tmp_path / "export.txt").write_bytes(text.encode("utf-16"))
    columns = {"submitted_at": "Submitted", "location_name": "Store"}
    metrics = [{"column": "Score", "metric": "nps"}]
    source = {"connector": "csv", "path": "export.txt", "columns": columns, "metrics": metrics}
    assert sync_source(tmp_path, source).written == 2
    assert query(tmp_path, "SELECT location_name, nps FROM feedback ORDER BY nps") == [("Łódź", 4), ("Kraków", 9)]


def test_numbered_labels_read_as_their_number(tmp_path):
    (tmp_path / "labels.csv").write_text(
        "Submitted,Likely to recommend\n2024-01-01,10 - Extremely likely\n2024-01-02,0 - Not at all likely\n"
        "2024-01-03,Neutral - 5\n2024-01-04,N/A\n",
        encoding="utf-8",
    )
    source = {"connector": "csv", "path": "labels.csv", "columns": {"submitted_at": "Submitted"},
              "metrics": [{"column": "Likely to recommend", "metric": "nps"}]}  # fmt: skip
    assert sync_source(tmp_path, source).written == 4
    rows = query(tmp_path, "SELECT nps, json_extract(answers, '$.\"Likely to recommend\".label') FROM feedback "
                           "ORDER BY submitted_at")  # fmt: skip
    assert rows == [(10, "10 - Extremely likely"), (0, "0 - Not at all likely"), (5, "Neutral - 5"), (None, "N/A")]


CODED = [0, 1, 2, 3, 4, 4, 3, "Very satisfied", 0, 2]  # a 1–5 satisfaction scale the export codes 0–4


def coded_source(tmp_path: Path, connector: str) -> dict:
    """CODED written as a CSV file or a workbook, and the mapping that recodes it to 1–5."""
    rows = [["Submitted", "Satisfaction"], *([f"2025-01-{n + 1:02d}", code] for n, code in enumerate(CODED))]
    if connector == "csv":
        (tmp_path / "coded.csv").write_text("\n".join(f"{a},{b}" for a, b in rows) + "\n", encoding="utf-8")
    else:
        write_xlsx(tmp_path / "coded.xlsx", {"2025": rows})
    labels = {str(code): code + 1 for code in range(5)} | {"Very satisfied": 5}
    return {"connector": connector, "path": f"coded.{'csv' if connector == 'csv' else 'xlsx'}",
            "columns": {"submitted_at": "Submitted"},
            "metrics": [{"column": "Satisfaction", "metric": "csat", "scale": [1, 5], "labels": labels}]}  # fmt: skip


@pytest.mark.parametrize("connector", ["csv", "excel"])
def test_answer_codes_named_in_labels_read_as_the_labels_values(tmp_path, connector):
    """An export that codes a 1–5 scale 0–4: `labels = { "0" = 1, … }` recodes every cell, a text
    cell or a workbook's number, and a written label still reads once, not recoded again."""
    assert sync_source(tmp_path, coded_source(tmp_path, connector)).written == len(CODED)
    values = [5 if code == "Very satisfied" else code + 1 for code in CODED]
    assert [csat for (csat,) in query(tmp_path, "SELECT csat FROM feedback ORDER BY submitted_at")] == values
    satisfied = sum(value >= 4 for value in values)
    [(csat_pct,)] = query(tmp_path, "SELECT csat_pct FROM csat_by_month")
    assert csat_pct == half_up(Fraction(100 * satisfied, len(values)))


@pytest.mark.parametrize("connector", ["csv", "excel"])
def test_whole_answers_are_stored_as_integers_whatever_gives_them_and_a_re_read_rewrites_nothing(tmp_path, connector):
    """A number written in a cell was stored as an integer, but the value a label or an answer
    code gives (`labels`, TOML's 5 read as 5.0) as a float: every whole answer is an integer now,
    as an API's answer is. Read again (--full-refresh), the file rewrites nothing."""
    source = coded_source(tmp_path, connector)
    assert sync_source(tmp_path, source).written == len(CODED)
    stored = query(tmp_path, "SELECT json_extract(answers, '$.Satisfaction.value'), "
                   "typeof(json_extract(answers, '$.Satisfaction.value')) FROM feedback ORDER BY submitted_at")  # fmt: skip
    assert stored == [(5 if code == "Very satisfied" else code + 1, "integer") for code in CODED]
    refreshed = sync_source(tmp_path, source, full_refresh=True)
    assert (refreshed.read, refreshed.written, refreshed.unchanged) == (len(CODED), 0, len(CODED))


REVERSED = ["1 - Very satisfied", "2 - Satisfied", "3 - Neutral", "4 - Dissatisfied", "5 - Very dissatisfied"]


def test_numbered_labels_that_run_the_other_way_are_never_read_by_their_number(tmp_path):
    """An export numbering satisfaction 1 = 'Very satisfied' … 5 = 'Very dissatisfied': on a
    1–5 scale read higher-is-better the numbers contradict the labels, so those rows are
    quarantined with the fix, never scored 'Very dissatisfied' = satisfied; with
    direction = "lower_is_better" every answer scores by what its label says."""
    answers = [REVERSED[n * 3 % 5] for n in range(15)]
    (tmp_path / "reversed.csv").write_text(
        "Submitted,Satisfaction\n" + "".join(f"2025-01-{n + 1:02d},{a}\n" for n, a in enumerate(answers)), encoding="utf-8"
    )
    metric = {"column": "Satisfaction", "metric": "csat", "scale": [1, 5]}
    source = {"connector": "csv", "path": "reversed.csv", "columns": {"submitted_at": "Submitted"}, "metrics": [metric]}
    result = sync_source(tmp_path, source)
    neutral = answers.count("3 - Neutral")
    assert (result.written, result.quarantined) == (neutral, len(answers) - neutral)
    [(error,)] = query(tmp_path, "SELECT DISTINCT error LIKE '%lower_is_better%' FROM quarantine")
    assert error == 1
    settled = sync_source(tmp_path, {**source, "metrics": [{**metric, "direction": "lower_is_better"}]}, db="settled.db")
    assert (settled.written, settled.quarantined) == (len(answers), 0)
    satisfied = sum(answer.endswith(("Very satisfied", "- Satisfied")) for answer in answers)
    [(csat_pct,)] = query(tmp_path, "SELECT csat_pct FROM csat_by_month", db="settled.db")
    assert csat_pct == half_up(Fraction(100 * satisfied, len(answers)))


@pytest.mark.parametrize("direction", ["lower_is_better", "higher_is_better", None])
def test_satisfaction_words_keep_their_meaning_under_either_direction(tmp_path, direction):
    """Answers in a built-in scale's words alone ("Very satisfied", "Очень доволен") under a csat
    entry on 1–5 with any direction or none: lower_is_better values them the other way ("Very
    satisfied" 1), so the satisfied answers still count satisfied — as an API's options of words
    are read (`questions._words_by_direction`). Before, under lower_is_better no built-in label
    read them: every row was quarantined as 'neither a number nor a known label'."""
    answers = ["Very satisfied", "Satisfied", "Dissatisfied", "Neutral", "Very dissatisfied", "Очень доволен"]
    (tmp_path / "words.csv").write_text(
        "Submitted,Satisfaction\n" + "".join(f"2025-01-{n + 1:02d},{a}\n" for n, a in enumerate(answers)), encoding="utf-8"
    )
    metric = {"column": "Satisfaction", "metric": "csat", "scale": [1, 5]} | ({"direction": direction} if direction else {})
    result = sync_source(tmp_path, {"connector": "csv", "path": "words.csv", "columns": {"submitted_at": "Submitted"},
                                    "metrics": [metric]})  # fmt: skip
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    stored = query(tmp_path, "SELECT csat FROM feedback ORDER BY submitted_at")
    assert stored == [(6 - v if direction == "lower_is_better" else v,) for v in (5.0, 4.0, 2.0, 3.0, 1.0, 5.0)]
    [(csat_pct,)] = query(tmp_path, "SELECT csat_pct FROM csat_by_month")
    assert csat_pct == half_up(Fraction(100 * 3, len(answers)))  # Very satisfied, Satisfied, Очень доволен


def test_agreement_words_under_lower_is_better_keep_their_values_the_direction_saying_agreeing_is_worst(tmp_path):
    """Agreement is never valued the other way round: under "I was not satisfied with the support"
    an entry mapping Strongly disagree … Strongly agree as 1 … 5 with `direction =
    "lower_is_better"` (files.md: the direction its words give) counts agreeing dissatisfied — as
    an API question's agreement options under an override's direction now are
    (test_freshdesk_surveys). A guard: files read it so before."""
    agreement = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    answers = ["Strongly agree", "Agree", "Strongly disagree", "Neither agree nor disagree", "Strongly agree"]
    column = "I was not satisfied with the support"
    (tmp_path / "agree.csv").write_text(
        f"Submitted,{column}\n" + "".join(f"2025-01-{n + 1:02d},{a}\n" for n, a in enumerate(answers)), encoding="utf-8"
    )
    metric = {"column": column, "metric": "csat", "scale": [1, 5], "direction": "lower_is_better",
              "labels": {word: n for n, word in enumerate(agreement, start=1)}}  # fmt: skip
    result = sync_source(tmp_path, {"connector": "csv", "path": "agree.csv", "columns": {"submitted_at": "Submitted"},
                                    "metrics": [metric]})  # fmt: skip
    assert (result.written, result.quarantined) == (len(answers), 0), result.error
    categories = {"Strongly agree": "dissatisfied", "Agree": "dissatisfied", "Strongly disagree": "satisfied"}
    assert query(tmp_path, "SELECT csat, category FROM feedback JOIN feedback_scores USING (record_id) "
                           "ORDER BY submitted_at") == [
        (agreement.index(a) + 1.0, categories.get(a, "neutral")) for a in answers]  # fmt: skip


def test_numbered_labels_that_run_the_other_way_under_lower_is_better_are_never_read_by_their_number(tmp_path):
    """'1 - Very dissatisfied' … '5 - Very satisfied' under direction = "lower_is_better": the
    numbers contradict the labels read that way, so those rows are quarantined saying to set
    direction = 'higher_is_better' (before: every answer scored by its number, 'Very
    dissatisfied' the best — a CSAT % of 40 for 40 the other way round)."""
    answers = ["1 - Very dissatisfied", "2 - Dissatisfied", "3 - Neutral", "4 - Satisfied", "5 - Very satisfied"]
    (tmp_path / "numbered.csv").write_text(
        "Submitted,Satisfaction\n" + "".join(f"2025-01-{n + 1:02d},{a}\n" for n, a in enumerate(answers)), encoding="utf-8"
    )
    metric = {"column": "Satisfaction", "metric": "csat", "scale": [1, 5], "direction": "lower_is_better"}
    result = sync_source(tmp_path, {"connector": "csv", "path": "numbered.csv", "columns": {"submitted_at": "Submitted"},
                                    "metrics": [metric]})  # fmt: skip
    assert (result.written, result.quarantined) == (1, 4)
    reasons = [error for (error,) in query(tmp_path, "SELECT error FROM quarantine ORDER BY error")]
    assert reasons[0] == (
        "question 'Satisfaction': answer '1 - Very dissatisfied' is numbered 1, but 'Very dissatisfied' is the other "
        "end of this csat scale: its answers are numbered the other way round; in the [[sources.survey.metrics]] entry "
        "of column 'Satisfaction', set direction = 'higher_is_better', or map its answers under 'labels'")
    assert query(tmp_path, "SELECT csat FROM feedback") == [(3.0,)]


def test_a_mapped_answer_naming_an_amount_is_quarantined_naming_its_column_not_scored_as_its_number(tmp_path):
    """"5 oder mehr" under a hand-written csat entry is no 5 (inspect reads it as no point either):
    its row goes to quarantine naming the column and the answer, the others are scored."""
    answers = ["1", "2", "5 oder mehr", "4"]
    lines = [f"2024-01-0{day};S{day};{answer}" for day, answer in enumerate(answers, start=1)]
    (tmp_path / "calls.csv").write_text("Submitted;Store;Zufriedenheit\n" + "\n".join(lines) + "\n", encoding="utf-8")
    source = {"connector": "csv", "path": "calls.csv", "columns": {"submitted_at": "Submitted", "location_id": "Store"},
              "metrics": [{"column": "Zufriedenheit", "metric": "csat", "scale": [1, 5]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (3, 1)
    assert query(tmp_path, "SELECT location_id, csat FROM feedback ORDER BY 1") == [("S1", 1.0), ("S2", 2.0), ("S4", 4.0)]
    [(field, error)] = query(tmp_path, "SELECT field, error FROM quarantine")
    assert field == "Zufriedenheit"
    assert "question 'Zufriedenheit': answer (a text of 2 words, not shown) names an amount, not a point of this csat scale" in error


def test_a_quarantined_row_is_imported_after_the_mapping_learns_its_label(tmp_path):
    (tmp_path / "visits.csv").write_text(
        "Submitted;Store;Satisfaction\n2024-01-01;S1;Sehr zufrieden\n2024-01-02;S2;Geht so\n", encoding="utf-8"
    )
    config = tmp_path / "cxbridge.toml"
    config.write_text(
        '[sources.visits]\nconnector = "csv"\npath = "visits.csv"\n'
        '[sources.visits.columns]\nsubmitted_at = "Submitted"\nlocation_id = "Store"\n'
        '[[sources.visits.metrics]]\ncolumn = "Satisfaction"\nmetric = "csat"\n',
        encoding="utf-8",
    )
    [first] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}").results
    assert (first.written, first.quarantined) == (1, 1)
    config.write_text(config.read_text() + 'labels = { "Geht so" = 3 }\n', encoding="utf-8")
    [replayed] = cxbridge.quarantine_replay(config, destination=f"sqlite:///{tmp_path / 'cx.db'}").results
    assert replayed.written == 1
    rows = query(tmp_path, "SELECT location_id, csat FROM feedback ORDER BY 1", db="cx.db")
    assert rows == [("S1", 5.0), ("S2", 3.0)]
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine", db="cx.db") == [(0,)]


def plain_records(count: int) -> list[dict]:
    return [
        {"ticket": f"T{n}", "closed": f"2024-03-{n:02d}T10:00:00Z", "store": {"id": f"S{n % 2}", "city": "Kraków"},
         "survey": {"rating": n % 5 + 1, "text": f"note {n}" if n % 2 else ""}, "tags": ["billing", "vip"][: n % 3]}
        for n in range(1, count + 1)
    ]  # fmt: skip


@pytest.mark.parametrize("layout", ["array", "ndjson"])
def test_json_records_of_any_shape_read_as_a_table_with_nested_fields_as_dotted_columns(tmp_path, layout):
    rows = plain_records(6)
    text = json.dumps(rows) if layout == "array" else "".join(json.dumps(row) + "\n" for row in rows)
    (tmp_path / "tickets.json").write_text(text, encoding="utf-8")
    source = {
        "connector": "json", "path": "tickets.json", "format": "plain_json",
        "columns": {"id": "ticket", "submitted_at": "closed", "location_id": "store.id", "comment": "survey.text"},
        "metrics": [{"column": "survey.rating", "metric": "csat", "scale": [1, 5]}],
    }  # fmt: skip
    assert sync_source(tmp_path, source).written == 6
    found = records(tmp_path)
    assert {key: found["T3"][key] for key in ("location_id", "csat", "comment", "attributes")} == {
        "location_id": "S1", "csat": 4, "comment": "note 3", "attributes": {"store.city": "Kraków"},
    }  # fmt: skip
    assert found["T2"]["attributes"] == {"store.city": "Kraków", "tags": ["billing", "vip"]}
    assert found["T2"]["comment"] is None


def test_plain_json_records_are_recognised_and_imported_without_a_mapping(tmp_path):
    (tmp_path / "tickets.json").write_text(json.dumps(plain_records(12)), encoding="utf-8")
    [item] = cxbridge.import_([tmp_path / "tickets.json"], destination=f"sqlite:///{tmp_path / 'cxbridge.db'}").files
    assert (item.format, item.result.written) == ("plain_json", 12), item.error
    assert query(tmp_path, "SELECT COUNT(DISTINCT location_id) FROM feedback") == [(2,)]


THREE_POINTS = {"Poor": 1, "OK": 2, "Great": 3}


@pytest.mark.parametrize(("metric", "labels", "scale"), [
    ("csat", THREE_POINTS, "[1, 3]"),  # the default 1–5 made 'Great' neutral and 'OK' dissatisfied
    ("csat", {"No": 1, "Yes": 2}, "[1, 2]"),  # a thumbs up/down on 1–5: every 'Yes' dissatisfied
    ("ces", {"Very easy": 5, "Easy": 4, "Neither": 3, "Difficult": 2, "Very difficult": 1}, "[1, 5]"),  # default 1–7
    ("audit", {"Pass": 1, "Fail": 0}, "[0, 1]"),  # a pass on 0–100 scored 1
])  # fmt: skip
def test_labels_without_a_scale_that_fall_short_of_the_default_one_are_a_config_error(tmp_path, metric, labels, scale):
    """Labels that run from the bottom of the metric's default scale (or below it) but stop short
    of its top name a scale of their own: read on the default one, a 3-point CSAT's best answer
    counted as neutral (CSAT 0 % with half the customers answering 'Great'). The config names
    the entry and the scale to set, before anything is read; with that scale the figures are the
    labels' own."""
    answers = list(labels) * 2
    rows = "".join(f"R{n},2025-01-{n + 1:02d}T10:00:00Z,{label}\n" for n, label in enumerate(answers))
    (tmp_path / "r.csv").write_text("id,submitted,answer\n" + rows, encoding="utf-8")
    entry = {"column": "answer", "metric": metric, "labels": labels}
    source = {"connector": "csv", "path": "r.csv", "columns": {"id": "id", "submitted_at": "submitted"},
              "metrics": [entry], **({"program": "audit"} if metric == "audit" else {})}  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, source)
    assert "sources.survey.metrics.1" in str(refused.value) and f"scale = {scale}" in str(refused.value)
    assert not (tmp_path / "cxbridge.db").exists() or not query(tmp_path, "SELECT 1 FROM feedback")

    entry["scale"] = json.loads(scale)
    assert sync_source(tmp_path, source).written == len(answers)
    high = max(labels.values())
    top = query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE normalized = 100")[0][0]
    assert top == 2 * sum(value == high for value in labels.values())  # the best answer scores 100
    if metric in ("csat", "ces"):  # top box of 2–3 points, top two of 4 or more (README, Metric rules)
        boxes = 1 if len(labels) <= 3 else 2
        best = query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE category IN ('satisfied', 'low_effort')")
        assert best[0][0] == 2 * sum(value > high - boxes for value in labels.values())


EFFORT = "How much effort did you personally have to put forth to handle your request?"


def test_a_ces_asking_how_much_effort_without_a_direction_is_a_config_error(tmp_path):
    """A CES entry without `direction` is read higher-is-better: under "How much effort did
    you…?" (1 = very little) every answer of the least effort counted as high effort (25 % low
    effort where three of four answered 1–2). The config names the entry and the direction its
    wording says, before anything is read; with it set, the figures are the answers' own."""
    answers = [1, 1, 2, 5]
    rows = "".join(f"R{n},2025-01-{n + 1:02d}T10:00:00Z,{answer}\n" for n, answer in enumerate(answers))
    (tmp_path / "r.csv").write_text(f'id,submitted,"{EFFORT}"\n' + rows, encoding="utf-8")
    entry = {"column": EFFORT, "metric": "ces", "scale": [1, 5]}
    source = {"connector": "csv", "path": "r.csv", "columns": {"id": "id", "submitted_at": "submitted"},
              "metrics": [entry]}  # fmt: skip
    with pytest.raises(ConfigError) as refused:
        sync_source(tmp_path, source)
    assert "sources.survey.metrics.1" in str(refused.value) and 'direction = "lower_is_better"' in str(refused.value)

    entry["direction"] = "lower_is_better"
    assert sync_source(tmp_path, source).written == len(answers)
    low = query(tmp_path, "SELECT COUNT(*) FROM feedback_scores WHERE category = 'low_effort'")[0][0]
    assert low == sum(answer <= 2 for answer in answers)  # the best two boxes of 5, 1 the least effort
    entry["direction"] = "higher_is_better"  # said so: the entry's own reading, whatever its wording
    assert sync_source(tmp_path, source, full_refresh=True).written == len(answers)


def test_a_csat_on_0_100_counts_satisfied_from_75_in_the_views(tmp_path):
    """A 0–100 slider: top-2-box taken literally counted only 99–100 as satisfied (95 neutral);
    the boxes are the 1–5 scale's shares of the range, in the stored categories and the views."""
    answers = [95, 100, 75, 74, 50, 26, 25, 0, 99, 80]
    rows = "".join(f"R{n},2025-01-{n + 1:02d}T10:00:00Z,{answer}\n" for n, answer in enumerate(answers))
    (tmp_path / "r.csv").write_text("id,submitted,How satisfied are you?\n" + rows, encoding="utf-8")
    source = {"connector": "csv", "path": "r.csv", "columns": {"id": "id", "submitted_at": "submitted"},
              "metrics": [{"column": "How satisfied are you?", "metric": "csat", "scale": [0, 100]}]}  # fmt: skip
    assert sync_source(tmp_path, source).written == len(answers)
    satisfied = sum(answer >= 75 for answer in answers)
    dissatisfied = sum(answer <= 25 for answer in answers)
    assert query(tmp_path, "SELECT satisfied, dissatisfied, csat_pct FROM csat_by_month") == [
        (satisfied, dissatisfied, half_up(Fraction(100 * satisfied, len(answers))))
    ]
    assert query(tmp_path, "SELECT COUNT(*) FROM detractor_queue")[0][0] == dissatisfied


def test_a_row_deleted_from_the_middle_rewrites_the_rows_after_it_once_and_duplicates_nothing(tmp_path):
    """docs/files.md: a row's number is part of its `raw`, so the rows after a deleted row are
    written again with their new numbers; each keeps its record, and the deleted row's record stays."""
    header = "Submitted,Store,Score\n"
    lines = [f"2025-01-{n + 1:02d} 10:00,S{n % 3},{n % 11}\n" for n in range(20)]
    source = {"connector": "csv", "path": "live.csv", "columns": {"submitted_at": "Submitted", "location_id": "Store"},
              "metrics": [{"column": "Score", "metric": "nps"}]}  # fmt: skip
    (tmp_path / "live.csv").write_text(header + "".join(lines), encoding="utf-8")
    assert sync_source(tmp_path, source).written == 20
    ids = dict(query(tmp_path, "SELECT submitted_at, record_id FROM feedback"))
    deleted = 4  # the fifth row; the 15 after it move up one row
    (tmp_path / "live.csv").write_text(header + "".join(lines[:deleted] + lines[deleted + 1 :]), encoding="utf-8")
    edited = sync_source(tmp_path, source)
    assert (edited.read, edited.written, edited.unchanged) == (19, 20 - deleted - 1, deleted)
    assert query(tmp_path, "SELECT COUNT(*), COUNT(DISTINCT record_id) FROM feedback") == [(20, 20)]
    assert dict(query(tmp_path, "SELECT submitted_at, record_id FROM feedback")) == ids  # the same 20 records
    rows = query(tmp_path, "SELECT json_extract(raw, '$.row') FROM feedback WHERE submitted_at > '2025-01-05T23'")
    assert sorted(row for (row,) in rows) == list(range(deleted + 2, 20 + 1))  # header is row 1: renumbered
    again = sync_source(tmp_path, source)
    assert (again.read, again.written) == (0, 0)
