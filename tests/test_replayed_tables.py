"""A quarantined file row replayed reads as the read of its table did: in the time zone a Qualtrics
export declares in its header, with the question texts of the export's header and the day/month
order its file's dates showed — all kept with the row (its quarantine context's `replay`), as no
replay reads the file. Before, a replay knew only a separate definition file's: the row was stored
unlike the same row read by a sync of its file."""

from __future__ import annotations

import csv
from pathlib import Path

import cxbridge
from tests.sqlite_runs import query

QUALTRICS = [
    ["StartDate", "RecordedDate", "ResponseId", "QID1"],
    ["Start Date", "Recorded Date", "Response ID", "How satisfied were you with the visit?"],
    ['{"ImportId":"startDate","timeZone":"America/Denver"}', '{"ImportId":"recordedDate","timeZone":"America/Denver"}',
     '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'],
    ["2024-03-01 10:00:00", "2024-03-01 10:05:00", "R_1", "Very satisfied"],
    ["2024-03-02 10:00:00", "2024-03-02 10:05:00", "R_2", "Sorta"],
]  # fmt: skip
DAY_FIRST = [
    ["id", "Date", "QID1"],
    ["1", "13/04/2025 10:00", "Very satisfied"],
    ["2", "03/04/2025 10:00", "Sorta"],
]


def configured(folder: Path, rows: list[list[str]], columns: str, entry: str = "", *, source: str = "") -> Path:
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    config = folder / "cxbridge.toml"
    config.write_text(f'[sources.s]\nconnector = "csv"\npath = "export.csv"\n{source}[sources.s.columns]\n{columns}\n'
                      f'[[sources.s.metrics]]\ncolumn = "QID1"\nmetric = "csat"\nscale = [1, 5]\n{entry}\n',
                      encoding="utf-8")  # fmt: skip
    return config


def replayed_and_read(tmp_path: Path, rows: list[list[str]], columns: str, *, source: str = "") -> tuple[list, list]:
    """The stored rows after the unknown label 'Sorta' is quarantined, mapped and replayed; and after
    one sync of the file with it mapped."""
    replayed, read = tmp_path / "replayed", tmp_path / "read"
    replayed.mkdir(), read.mkdir()
    config = configured(replayed, rows, columns, source=source)
    [synced] = cxbridge.sync(config, destination=f"sqlite:///{replayed / 'cxbridge.db'}").results
    assert synced.quarantined == 1
    mapped = 'labels = { "Sorta" = 3 }'
    configured(replayed, rows, columns, mapped, source=source)
    [again] = cxbridge.quarantine_replay(config, destination=f"sqlite:///{replayed / 'cxbridge.db'}").results
    assert (again.written, again.quarantined) == (1, 0)
    cxbridge.sync(configured(read, rows, columns, mapped, source=source), destination=f"sqlite:///{read / 'cxbridge.db'}")
    stored = "SELECT source_record_id, submitted_at, csat, answers FROM feedback ORDER BY 1"
    return query(replayed, stored), query(read, stored)


def test_a_replayed_qualtrics_row_reads_in_the_export_s_zone_with_its_header_s_question_text(tmp_path):
    """Before: the replayed row's time read as UTC (10:05Z, not 17:05Z) and its question's text was
    its id 'QID1'."""
    columns = 'id = "_recordId"\nsubmitted_at = "recordedDate"'
    replayed, read = replayed_and_read(tmp_path, QUALTRICS, columns, source='format = "qualtrics"\n')
    assert replayed == read
    assert read[1][:2] == ("R_2", "2024-03-02T17:05:00Z")
    assert "How satisfied were you with the visit?" in read[1][3]


def test_a_replayed_row_reads_its_date_in_the_order_its_file_showed(tmp_path):
    """13/04/2025 shows the file's dates day first: the replayed 03/04/2025 is 3 April (before: 4 March)."""
    replayed, read = replayed_and_read(tmp_path, DAY_FIRST, 'id = "id"\nsubmitted_at = "Date"')
    assert replayed == read
    assert read[1][:2] == ("2", "2025-04-03T10:00:00Z")
