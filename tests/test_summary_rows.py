"""A sheet kept by hand often ends with its own figures: a `Total` row counting the answers, an
`Average` row, an `NPS` row — under the responses, with no date. They are no responses: read as
rows, the count (20) and the NPS (-25) were answers off 0–10 that left the real recommend column
unscored in `inspect`, their labels a store named `Gesamt`, and the import quarantined them with
the advice to fill in their date, which would count them. Such rows at the bottom of a sheet are
left out, named by `inspect` and counted by the import; a row of such a label above responses is
read as any row."""

from __future__ import annotations

from datetime import datetime

import tomlkit

import cxbridge
from cxbridge.detection.inspector import inspect_file
from tests.sqlite_runs import query, sync_source
from tests.workbooks import write_xlsx

SOURCE = {"connector": "excel", "path": "umfrage_2024.xlsx", "timezone": "UTC",
          "columns": {"submitted_at": "Datum", "location_name": "Filiale"},
          "metrics": [{"column": "Likelihood to recommend (0-10)", "metric": "nps"}]}  # fmt: skip
NPS = [10, 9, 3, 8, 9, 6, 9, 10, 7, 2, 9, 8]  # 6 promoters, 3 detractors: NPS 25


def responses(nps=NPS) -> list[list]:
    return [[datetime(2024, 1 + i, 5, 10), "Berlin" if i % 2 else "Hamburg", n, "Zufrieden"] for i, n in enumerate(nps)]


def with_summary(rows: list[list], nps=NPS) -> list[list]:
    """The sheet's own figures under its rows, as an analyst keeps them: no date, a label, a number."""
    promoters, detractors = sum(n >= 9 for n in nps), sum(n <= 6 for n in nps)
    return [*rows, [None, "Gesamt", len(nps), None], [None, "Durchschnitt", round(sum(nps) / len(nps)), None],
            [None, "NPS", round(100 * (promoters - detractors) / len(nps)), None]]  # fmt: skip


def workbook(tmp_path, rows):
    title = [["Kundenumfrage 2024"], [], ["Datum", "Filiale", "Likelihood to recommend (0-10)", "Zufriedenheit"]]
    return write_xlsx(tmp_path / "umfrage_2024.xlsx", {"2024": [*title, *rows]})


def test_inspect_leaves_the_totals_under_the_responses_out_and_scores_the_recommend_column(tmp_path):
    inspection = inspect_file(workbook(tmp_path, with_summary(responses())))
    chosen = {p.target: p.column for p in inspection.chosen}
    # before: unscored, the count (12) and the NPS (25) read as its answers, off 0–10
    assert chosen["nps"] == "Likelihood to recommend (0-10)"
    assert "Gesamt" not in " ".join(" ".join(p.evidence) for p in inspection.chosen if p.target == "location_name")
    assert any("rows 16–18 ('Gesamt', 'Durchschnitt', 'NPS')" in note for note in inspection.notes)


def test_the_import_counts_them_left_out_never_quarantined_or_as_answers(tmp_path):
    workbook(tmp_path, with_summary(responses()))
    result = sync_source(tmp_path, SOURCE)
    assert (result.read, result.written, result.quarantined) == (15, 12, 0)
    assert result.left_out == {"rows of totals or averages": 3}
    groups = "SELECT COUNT(*), SUM(nps_group = 'promoter'), SUM(nps_group = 'detractor') FROM feedback"
    assert query(tmp_path, groups) == [(12, 6, 3)]
    assert query(tmp_path, "SELECT DISTINCT location_name FROM feedback ORDER BY 1") == [("Berlin",), ("Hamburg",)]
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine") == [(0,)]


def test_a_row_of_such_a_label_above_responses_is_read_as_a_row(tmp_path):
    rows = responses()
    rows.insert(6, [datetime(2024, 6, 30, 10), "Total", 9, "Zufrieden"])  # a store named Total, answers below it
    workbook(tmp_path, rows)
    result = sync_source(tmp_path, SOURCE)
    assert (result.read, result.written, result.left_out) == (13, 13, {})


def test_a_column_of_such_words_is_data_even_in_the_last_rows(tmp_path):
    header = ["Type", "Datum", "Likelihood to recommend (0-10)"]
    rows = [["NPS", datetime(2024, 1, 1 + i, 10), n] for i, n in enumerate(NPS)] + [
        ["CSAT", datetime(2024, 2, 1, 10), 4]
    ]
    write_xlsx(tmp_path / "umfrage_2024.xlsx", {"2024": [header, *rows]})
    source = {**SOURCE, "columns": {"submitted_at": "Datum", "survey_name": "Type"}}
    result = sync_source(tmp_path, source)
    assert (result.read, result.written, result.left_out) == (13, 13, {})


def test_totals_an_earlier_version_quarantined_leave_quarantine_on_replay(tmp_path):
    rows = responses()
    rows.insert(6, [None, "Summe", 6, None])  # between responses: read as a row, quarantined undated as before
    workbook(tmp_path, rows)
    assert sync_source(tmp_path, SOURCE).quarantined == 1
    (tmp_path / "cxbridge.toml").write_text(tomlkit.dumps({"sources": {"survey": SOURCE}}), encoding="utf-8")
    destination = f"sqlite:///{tmp_path / 'cxbridge.db'}"
    [replayed] = cxbridge.quarantine_replay(tmp_path / "cxbridge.toml", destination=destination).results
    assert (replayed.read, replayed.written, replayed.left_out) == (1, 0, {"rows of totals or averages": 1})
    assert query(tmp_path, "SELECT COUNT(*) FROM quarantine") == [(0,)]
