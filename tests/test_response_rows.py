"""A sheet kept by hand with one block of rows per year, each under a title and the header again.
Before, the second block's title and header were read as responses: the header's "NPS" an answer
to quarantine, the title a record of no answers, and the dates column, holding both, no column of
dates at all — every record undated. They are left out (named by `inspect`, counted by the
import), with each block's totals; a header repeated in another column order fails the sheet."""

from __future__ import annotations

from datetime import datetime

import pytest

from cxbridge.detection.inspector import inspect_file
from cxbridge.errors import SourceError
from tests.sqlite_runs import query, sync_source
from tests.workbooks import write_xlsx

HEADER = ["Datum", "Filiale", "NPS"]
SOURCE = {"connector": "excel", "path": "alle.xlsx", "timezone": "UTC",
          "columns": {"submitted_at": "Datum", "location_name": "Filiale"}, "metrics": [{"column": "NPS", "metric": "nps"}]}  # fmt: skip


def block(year: int, store: str, answers: list[int]) -> list[list]:
    return [[datetime(year, 1 + i, 4, 10), store, n] for i, n in enumerate(answers)]


def stacked(tmp_path, second_header=HEADER, totals=False):
    rows = [["Kundenumfrage 2021"], HEADER, *block(2021, "Berlin", [9, 3, 10, 8])]
    rows += [[None, "Gesamt", 4]] if totals else []
    rows += [[], ["Kundenumfrage 2022"], second_header, *block(2022, "Köln", [10, 6, 5, 9])]
    rows += [[None, "Gesamt", 4]] if totals else []
    return write_xlsx(tmp_path / "alle.xlsx", {"Alle": rows})


def test_inspect_reads_the_blocks_under_one_header_and_finds_their_dates(tmp_path):
    inspection = inspect_file(stacked(tmp_path))
    chosen = {p.target: p.column for p in inspection.chosen}
    assert chosen["submitted_at"] == "Datum"  # before: none, 'Kundenumfrage 2022' and 'Datum' among the dates
    assert any("rows 8, 9 ('Kundenumfrage 2022', 'Datum') repeat the header" in note for note in inspection.notes)


@pytest.mark.parametrize("totals", [False, True], ids=["blocks", "blocks with totals"])
def test_the_import_counts_titles_headers_and_totals_left_out_and_dates_every_response(tmp_path, totals):
    stacked(tmp_path, totals=totals)
    result = sync_source(tmp_path, SOURCE)
    assert (result.written, result.quarantined) == (8, 0)
    assert result.left_out == {"repeated header rows and the titles above them": 2,
                               **({"rows of totals or averages": 2} if totals else {})}  # fmt: skip
    months = "SELECT substr(submitted_local_date, 1, 4), location_name, COUNT(*) FROM feedback GROUP BY 1, 2 ORDER BY 1"
    assert query(tmp_path, months) == [("2021", "Berlin", 4), ("2022", "Köln", 4)]


def test_a_header_repeated_in_another_column_order_fails_the_sheet_naming_its_row(tmp_path):
    stacked(tmp_path, second_header=["Filiale", "Datum", "NPS"])
    with pytest.raises(SourceError, match=r"alle\.xlsx \[Alle\]: row 9 repeats the header with its columns in another"):
        inspect_file(tmp_path / "alle.xlsx")
    result = sync_source(tmp_path, SOURCE)
    assert not result.ok and "row 9 repeats the header with its columns in another order" in result.error
