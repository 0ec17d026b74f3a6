"""A sheet kept by hand often merges a store's name down over its rows. Readers give the value
to the range's first row only; read so, the other rows had no store — Berlin ranked on one
answer of three, its other answers in no store's figures. Each row of such a range reads the
value the sheet shows on it, with either reader."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.sqlite_runs import query, sync_source
from tests.workbooks import write_xlsx

HEADER = ["Filiale", "Datum", "Likelihood to recommend (0-10)"]
ROWS = [["Berlin", datetime(2024, 1, 5, 10), 10], [None, datetime(2024, 1, 6, 10), 9], [None, datetime(2024, 1, 7, 10), 0],
        ["Hamburg", datetime(2024, 1, 8, 10), 7], [None, datetime(2024, 1, 9, 10), 3], [None, None, None]]  # fmt: skip
SOURCE = {"connector": "excel", "path": "stores.xlsx", "timezone": "UTC",
          "columns": {"submitted_at": "Datum", "location_name": "Filiale"},
          "metrics": [{"column": "Likelihood to recommend (0-10)", "metric": "nps"}]}  # fmt: skip


@pytest.mark.parametrize("reader", ["auto", "openpyxl"])
def test_each_row_of_a_store_merged_down_its_rows_is_that_stores(tmp_path, reader):
    # A1 merged over the title row's width, each store down its rows (Hamburg's past its last answer)
    write_xlsx(tmp_path / "stores.xlsx", {"Q1": [["Kundenumfrage Q1"], HEADER, *ROWS]},
               merged={"Q1": ["A1:C1", "A3:A5", "A6:A8"]})  # fmt: skip
    result = sync_source(tmp_path, {**SOURCE, "reader": reader})
    assert (result.read, result.written, result.quarantined) == (5, 5, 0)  # the range's blank row adds none
    stores = "SELECT location_name, COUNT(*), SUM(nps_group = 'promoter') FROM feedback GROUP BY 1 ORDER BY 1"
    assert query(tmp_path, stores) == [("Berlin", 3, 2), ("Hamburg", 2, 0)]


def test_cells_merged_across_a_row_stay_group_titles_over_their_sub_headers(tmp_path):
    header = [["Antwort", None, "Bewertung", None], [*HEADER, "Zufriedenheit"]]
    rows = [[*row, "Zufrieden"] for row in ROWS[:3]]
    write_xlsx(tmp_path / "stores.xlsx", {"Q1": [*header, *rows]}, merged={"Q1": ["A1:B1", "C1:D1", "A3:A5"]})
    source = {**SOURCE, "columns": {"submitted_at": "Antwort - Datum", "location_name": "Antwort - Filiale"},
              "metrics": [{"column": "Bewertung - Likelihood to recommend (0-10)", "metric": "nps"}]}  # fmt: skip
    sync_source(tmp_path, source)
    assert query(tmp_path, "SELECT location_name, COUNT(*) FROM feedback GROUP BY 1") == [("Berlin", 3)]
