"""Sheets typed by hand write "no answer" short: German `k. A.` (keine Angabe), `entfällt`,
Russian `н/д`, Polish `b/d` (brak danych), French `NSP` (ne sait pas), Spanish and Portuguese
`NS/NR`. Such a cell carries no score, as "N/A" does: before, one `k.A.` among German
satisfaction labels left the whole column unscored in `inspect` (its labels "not points of a
known scale"), and in a mapped NPS column it sent its row to quarantine."""

from __future__ import annotations

from datetime import datetime

import pytest

from cxbridge.detection.inspector import inspect_file
from tests.sqlite_runs import query, sync_source
from tests.workbooks import write_xlsx

CSAT = ["Sehr zufrieden", "Zufrieden", "Unzufrieden", "Sehr unzufrieden", "Zufrieden", "Sehr zufrieden"]
NPS = [10, 9, 3, 8, 9, 6]


def sheet(tmp_path, none: str):
    rows = [[datetime(2024, 1, 1 + i, 10), n, c] for i, (n, c) in enumerate(zip(NPS, CSAT, strict=True))]
    rows += [[datetime(2024, 1, 20, 10), none, none], [datetime(2024, 1, 21, 10), 7, none]]
    header = ["Datum", "Likelihood to recommend (0-10)", "Zufriedenheit"]
    return write_xlsx(tmp_path / "umfrage.xlsx", {"2024": [header, *rows]})


@pytest.mark.parametrize("none", ["k.A.", "k. A.", "entfällt", "н/д", "b/d", "NSP", "NS/NR"])
def test_inspect_scores_a_column_holding_a_short_no_answer(tmp_path, none):
    chosen = {p.target: p.column for p in inspect_file(sheet(tmp_path, none)).chosen}
    assert chosen["csat"] == "Zufriedenheit"
    assert chosen["nps"] == "Likelihood to recommend (0-10)"


def test_the_import_keeps_such_an_answer_unscored_and_quarantines_nothing(tmp_path):
    sheet(tmp_path, "k.A.")
    source = {"connector": "excel", "path": "umfrage.xlsx", "timezone": "UTC", "columns": {"submitted_at": "Datum"},
              "metrics": [{"column": "Likelihood to recommend (0-10)", "metric": "nps"},
                          {"column": "Zufriedenheit", "metric": "csat", "scale": [1, 5]}]}  # fmt: skip
    result = sync_source(tmp_path, source)
    assert (result.written, result.quarantined) == (8, 0)
    counted = "SELECT COUNT(nps), COUNT(csat), COUNT(*) FROM feedback"
    assert query(tmp_path, counted) == [(7, 6, 8)]
