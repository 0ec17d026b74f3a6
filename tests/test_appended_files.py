"""A CSV file that grew by appending since the last sync is read on from where that sync ended:
only the new rows are read (counted by the run's `read`, not timed), and the tables are those
of one clean sync of the whole file — rows keyed by their content (no id column) included, a
repeated key counted on from the rows read before. Any other change — an edit or a cut in the
part read before, a workbook, a JSON export — reads the file whole again, as before."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

import pytest

from cxbridge import api
from cxbridge.plugins_host import create_host
from cxbridge.tabular import delimited, key_tables
from cxbridge.testing.destinations import assert_same, snapshot
from tests.conftest import SURVEY_HEADER, Workspace, share_salt, survey_row
from tests.sqlite_runs import sync_source
from tests.test_file_sources import EXCEL_SOURCE, HEADER, workbook_rows
from tests.test_sigkill import KILLS, killed_again_and_again, sync_to_the_end, synced_in_one_batch
from tests.workbooks import write_xlsx

LINEAGE = ("ingested_at", "sync_run_id")
QUARANTINE_LINEAGE = ("first_seen", "last_seen", "run_id")


def csv_text(rows: list[list[str]], *, header: bool = True, end: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=end)
    if header:
        writer.writerow(SURVEY_HEADER)
    writer.writerows(rows)
    return out.getvalue()


def rows(first: int, last: int) -> list[list[str]]:
    """Responses `first`..`last`; every 5th has a comment of two lines (a quoted cell with a line
    break), every 7th an NPS of 12 (quarantined), and the comments carry Polish letters."""
    made = []
    for n in range(first, last + 1):
        row = survey_row(n, nps=12 if n % 7 == 0 else None)
        row[6] = f"zażółć {n}\nsecond line" if n % 5 == 0 else f"gęślą {n}"
        made.append(row)
    return made


def write(path: Path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding))


def append(path: Path, text: str, encoding: str) -> None:
    data = text.encode(encoding)
    if encoding in ("utf-16", "utf-8-sig"):
        data = data[len(text[:0].encode(encoding)) :]  # no second byte-order mark in the middle
    with path.open("ab") as handle:
        handle.write(data)


def assert_same_as_a_clean_sync(
    workspace: Workspace, root: Path, monkeypatch: pytest.MonkeyPatch, *, stale: int = 0, stale_quarantined: int = 0
) -> None:
    """The tables are those of one sync of the file as it is now, but for `stale` records and
    `stale_quarantined` quarantined rows of rows cut off, or whose key the append changed (a
    whole read leaves them too: nothing is deleted)."""
    clean = Workspace(root / "clean")
    share_salt(monkeypatch, clean)
    clean.config.write_text(workspace.config.read_text())  # keyed by content or not, alike
    (clean.root / "responses.csv").write_bytes((workspace.root / "responses.csv").read_bytes())
    clean.sync()
    kept = {row[0] for row in clean.table("feedback")}
    assert len({row[0] for row in workspace.table("feedback")} - kept) == stale
    for table in ("feedback", "feedback_scores", "feedback_comments"):
        ours = [row for row in workspace.table(table, without=LINEAGE) if row[0] in kept]
        assert ours == clean.table(table, without=LINEAGE), table
    quarantined = as_read_alike(clean.table("quarantine", without=QUARANTINE_LINEAGE))
    ours = as_read_alike(workspace.table("quarantine", without=QUARANTINE_LINEAGE))
    assert len(ours) - len(quarantined) == stale_quarantined
    assert [row for row in ours if row in quarantined] == quarantined


def as_read_alike(quarantined: list[tuple]) -> list[tuple]:
    """Quarantined rows without the date order their replay context keeps: that is the order the
    read that quarantined a row had decided (none, for rows read before an append's day-first
    dates), not part of the row — the rows compared here all carry ISO times."""
    def without_order(value: object) -> object:
        if not (isinstance(value, str) and '"date_order"' in value):
            return value
        context = json.loads(value)
        context.get("replay", {}).pop("date_order", None)
        return json.dumps(context, ensure_ascii=False, separators=(",", ":"))

    return [tuple(without_order(value) for value in row) for row in quarantined]


def keyed_by_content(workspace: Workspace) -> Workspace:
    """The workspace's source without an id column: rows keyed by submitted time and e-mail."""
    workspace.config.write_text(workspace.config.read_text().replace('id = "id"\n', ""))
    return workspace


def no_key_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cache folder that cannot be written: no key table is kept, the rows before are counted again."""
    (tmp_path / "not a folder").write_text("")
    monkeypatch.setenv("CXBRIDGE_CACHE_DIR", str(tmp_path / "not a folder"))


@pytest.fixture(params=["ids", "keys", "keys, no key tables"])
def synced(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace whose rows have ids of their own, or one whose rows are keyed by content
    (their keys counted from the key table kept, or, without one, again from the file)."""
    workspace = Workspace(tmp_path / "appended")
    share_salt(monkeypatch, workspace)
    if request.param == "keys, no key tables":
        no_key_tables(monkeypatch, tmp_path)
    return keyed_by_content(workspace) if request.param != "ids" else workspace


@pytest.fixture(params=["key tables", "no key tables"])
def keyed(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    workspace = Workspace(tmp_path / "keyed")
    share_salt(monkeypatch, workspace)
    if request.param == "no key tables":
        no_key_tables(monkeypatch, tmp_path)
    return keyed_by_content(workspace)


def records(workspace: Workspace) -> int:
    """Rows stored as records or quarantined: one per row read unless two rows share an id."""
    return workspace.query("SELECT (SELECT COUNT(*) FROM feedback) + (SELECT COUNT(*) FROM quarantine)")[0][0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1250", "utf-16"])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_appended_rows_are_the_only_rows_read(synced: Workspace, tmp_path, monkeypatch, encoding, end):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30), end=end), encoding)
    [first] = synced.sync().results
    assert first.read == 30

    append(path, csv_text(rows(31, 40), header=False, end=end), encoding)
    [second] = synced.sync().results
    assert (second.read, second.written, second.quarantined) == (10, 9, 1)  # row 35 is quarantined
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)

    [unchanged] = synced.sync().results
    assert (unchanged.read, unchanged.written) == (0, 0)
    append(path, csv_text(rows(41, 43), header=False, end=end), encoding)
    [third] = synced.sync().results
    assert third.read == 3
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)


def test_day_first_dates_appended_below_year_first_ones_read_as_in_a_clean_sync(synced: Workspace, tmp_path,
                                                                                  monkeypatch):  # fmt: skip
    """The rows read before were all year first: that decides nothing of the d/m/y rows typed
    below them, which read by their own evidence (31/01 is d/m, so 01/02 is 1 February), as one
    clean sync of the whole file reads them."""
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30)), "utf-8")
    synced.sync()
    typed = [survey_row(31), survey_row(32)]
    typed[0][1], typed[1][1] = "31/01/2025 10:00", "01/02/2025 10:00"
    append(path, csv_text(typed, header=False), "utf-8")
    [second] = synced.sync().results
    assert (second.read, second.written, second.quarantined) == (2, 2, 0)
    assert synced.query("SELECT comment, submitted_at FROM feedback WHERE comment IN ('comment 31', 'comment 32') "
                        "ORDER BY comment") == [("comment 31", "2025-01-31T10:00:00Z"), ("comment 32", "2025-02-01T10:00:00Z")]  # fmt: skip
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "last, reread",
    [
        ("R30,2025-07-04T10:30:00Z,S2,8,Satisfied,3,cut off her,person30@exam", 1),  # a line the append completes
        ('R30,2025-07-04T10:30:00Z,S2,8,Satisfied,3,"two lines\nstill open",person30@example.com', 1),  # quoted
        ("R30,2025-07-04T10:30:00Z,S2,8,Satisfied,3,ends in a CR,person30@example.com\r", 1),  # CR, then LF?
    ],
)
def test_a_last_line_the_append_completes_is_read_again(synced: Workspace, tmp_path, monkeypatch, last, reread):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 29)) + last, "utf-8")
    assert synced.sync().results[0].read == 30
    completion = "ple.com\n" if last.endswith("exam") else "\n"
    append(path, completion + csv_text(rows(31, 35), header=False), "utf-8")
    [second] = synced.sync().results
    assert second.read == 5 + reread
    keyed, cut = 'id = "id"' not in synced.config.read_text(), last.endswith("exam")
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch, stale=1 if keyed and cut else 0)


def test_an_edit_before_the_end_reads_the_whole_file_again(synced: Workspace, tmp_path, monkeypatch):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30)), "utf-8")
    synced.sync()
    edited = rows(1, 40)
    edited[3][3] = "10"
    write(path, csv_text(edited), "utf-8")
    [second] = synced.sync().results
    assert (second.read, second.written, second.quarantined) == (40, 10, 5)  # 9 new and the edited one; every 7th
    assert_same_as_a_clean_sync(synced, tmp_path, monkeypatch)


def test_a_cut_file_and_a_touched_one(synced: Workspace, tmp_path, monkeypatch):
    path = synced.root / "responses.csv"
    write(path, csv_text(rows(1, 30)), "utf-8")
    synced.sync()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # touched: same bytes, another time
    assert synced.sync().results[0].read == 0
    write(path, csv_text(rows(1, 20)), "utf-8")  # truncated
    [cut] = synced.sync().results
    assert (cut.read, cut.written) == (20, 0)
    write(path, csv_text(rows(1, 20)) + csv_text(rows(21, 25), header=False), "utf-8")
    assert synced.sync().results[0].read == 5  # appended to the cut file: read on from its end


def repeated(*numbers: int) -> list[list[str]]:
    """Rows as `rows` makes them, for the given numbers, in that order (repeats included)."""
    return [rows(n, n)[0] for n in numbers]


def answered_again(*numbers: int) -> list[list[str]]:
    """Rows keyed as `rows` makes them (the time and the e-mail), each with a comment of its own: a
    response of its own — the same answers too would be one response's copies (docs/identity.md),
    whose case a batch's copy holds as it arrived."""
    made = repeated(*numbers)
    for n, row in enumerate(made):
        row[6] = f"answered again {n} of {numbers}"
    return made


@pytest.mark.parametrize(
    "appended",
    [
        pytest.param(repeated(31, 32, 33), id="new keys"),
        pytest.param(repeated(3, 12, 3, 7), id="keys of rows read before"),  # 3 is there twice already
        pytest.param(repeated(31, 31, 32, 31), id="keys repeated among the new rows"),
        pytest.param(repeated(12, 31, 12, 31, 3), id="both"),
    ],
)
def test_rows_keyed_by_content_are_read_on_counting_the_keys_before_them(keyed, tmp_path, monkeypatch, appended):
    path = keyed.root / "responses.csv"
    before = repeated(*range(1, 13), 3, 3, 14)  # row 3 three times: its key seen 3 times before the append
    write(path, csv_text(before), "utf-8")
    keyed.sync()
    assert records(keyed) == 15
    append(path, csv_text(appended, header=False), "utf-8")
    [second] = keyed.sync().results
    assert second.read == len(appended)
    assert records(keyed) == 15 + len(appended)  # a repeated row is a record of its own, none overwritten
    assert_same_as_a_clean_sync(keyed, tmp_path, monkeypatch)


def test_a_keyed_file_with_an_edit_before_the_end_is_read_whole(keyed, tmp_path, monkeypatch):
    path = keyed.root / "responses.csv"
    write(path, csv_text(repeated(*range(1, 21), 4)), "utf-8")
    keyed.sync()
    edited = repeated(*range(1, 21), 4, 4, 22)
    edited[5][3] = "10"  # an answer edited: same key, same record, updated
    write(path, csv_text(edited), "utf-8")
    [second] = keyed.sync().results
    assert (second.read, records(keyed)) == (23, 23)
    assert_same_as_a_clean_sync(keyed, tmp_path, monkeypatch)


def test_a_cut_keyed_file_is_read_whole_then_read_on(keyed, tmp_path, monkeypatch):
    path = keyed.root / "responses.csv"
    write(path, csv_text(repeated(*range(1, 21), 5)), "utf-8")
    keyed.sync()
    write(path, csv_text(repeated(*range(1, 11))), "utf-8")
    assert keyed.sync().results[0].read == 10
    append(path, csv_text(repeated(5, 5, 25), header=False), "utf-8")
    assert keyed.sync().results[0].read == 3
    assert records(keyed) == 21 + 2  # the cut rows stay; the 5s appended are its 2nd and 3rd rows again
    assert_same_as_a_clean_sync(keyed, tmp_path, monkeypatch, stale=9, stale_quarantined=1)  # rows 11–20


JSON_SOURCE = {"connector": "json", "path": "responses.jsonl", "timezone": "UTC",
               "columns": {"submitted_at": "submitted", "email": "email"}, "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip


def json_rows(first: int, last: int) -> list[dict[str, str]]:
    return [dict(zip(SURVEY_HEADER, survey_row(n), strict=True)) for n in range(first, last + 1)]


def test_a_json_lines_export_that_grew_is_read_whole(tmp_path):
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in json_rows(1, 4)), encoding="utf-8")
    assert sync_source(tmp_path, JSON_SOURCE).read == 4
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(json_rows(5, 5)[0]) + "\n")
    assert sync_source(tmp_path, JSON_SOURCE).read == 5


def test_a_workbook_that_grew_is_read_whole(tmp_path):
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(4)]})
    assert sync_source(tmp_path, EXCEL_SOURCE).read == 4
    assert sync_source(tmp_path, EXCEL_SOURCE).read == 0
    write_xlsx(tmp_path / "nps_2024.xlsx", {"Q1": [HEADER, *workbook_rows(6)]})
    assert sync_source(tmp_path, EXCEL_SOURCE).read == 6


LAST_APPENDED = {"sqlite": 998, "duckdb": 598}
"""The last row appended before the kills, which read the appended part again from its start each:
the last kill (4 batches, then 25 ms) must land before the sync reaches its end. SQLite's batch of
20 takes ≈ 3 ms of CPU, so it reads on 40 batches; DuckDB's takes 16–28 ms, and 20 batches leave
16 after the fourth (≈ 0.3 s), as many kills landing in the same batches."""


@pytest.mark.parametrize("rows_have", ["ids", "keys"])
@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_a_resumed_sync_killed_again_and_again_then_finished_equals_one_clean_sync(kind, rows_have, tmp_path,
                                                                                   monkeypatch):  # fmt: skip
    killed, clean = Workspace(tmp_path / "killed", batch_size=20), Workspace(tmp_path / "clean")  # clean: one batch
    share_salt(monkeypatch, killed, clean)
    if rows_have == "keys":
        keyed_by_content(killed), keyed_by_content(clean)
    url = {
        name: f"{kind}:///{tmp_path / name}.{'db' if kind == 'sqlite' else 'duckdb'}" for name in ("killed", "clean")
    }
    path = killed.root / "responses.csv"
    write(path, csv_text(rows(1, 200) + answered_again(3, 3)), "utf-8")
    sync_to_the_end(killed, url["killed"])
    last = LAST_APPENDED[kind]
    append(path, csv_text(rows(201, last) + answered_again(3, 201), header=False), "utf-8")

    killed_again_and_again(killed, url["killed"])
    sync_to_the_end(killed, url["killed"])
    (clean.root / "responses.csv").write_bytes(path.read_bytes())
    synced_in_one_batch(clean, url["clean"])

    host = create_host()
    actual = snapshot(api.open_destination(url["killed"], host=host))
    expected = snapshot(api.open_destination(url["clean"], host=host))
    assert_same(actual.without("sync_runs", "sync_state"), expected.without("sync_runs", "sync_state"),
                label=f"after {len(KILLS)} kills")  # fmt: skip
    [(_, _, cursor)], [(_, _, clean_cursor)] = actual.results["sync_state"][1], expected.results["sync_state"][1]
    assert cursor.replace(str(path.stat().st_mtime_ns), "T") == clean_cursor.replace(
        str((clean.root / "responses.csv").stat().st_mtime_ns), "T"
    )  # the same but for the files' times
    stored = len(expected.results["feedback"][1]) + len(expected.results["quarantine"][1])
    assert stored == (last + 4 if rows_have == "keys" else last)  # rows keyed alike are records of their own


class RowsRead:
    """How many records the CSV reader gave in a sync (the header and the first rows that
    detection looks at included)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.count = 0
        reader = delimited._records

        def counted(*args, **kwargs):
            for record in reader(*args, **kwargs):
                self.count += 1
                yield record

        monkeypatch.setattr(delimited, "_records", counted)


def key_table_files() -> list[Path]:
    return sorted((key_tables.cache_dir() / "row-keys").glob("*"))


def keyed_file_synced_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, Path]:
    """A file of 1,002 rows keyed by content (the last two repeating row 3) synced once, its key
    table kept in the test's own cache folder."""
    keyed = keyed_by_content(Workspace(tmp_path / "keyed"))
    share_salt(monkeypatch, keyed)
    monkeypatch.setenv("CXBRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    path = keyed.root / "responses.csv"
    write(path, csv_text(repeated(*range(1, 1001), 3, 3)), "utf-8")
    keyed.sync()
    return keyed, path


def test_the_key_table_spares_reading_the_rows_before_again(tmp_path, monkeypatch):
    keyed, path = keyed_file_synced_once(tmp_path, monkeypatch)
    [table] = key_table_files()
    assert table.stat().st_size == len(key_tables._MAGIC) + 8 * 1002  # 8 bytes a row
    [(cursor,)] = keyed.query("SELECT cursor FROM sync_state")
    assert len(cursor) < 600 and json.loads(cursor)["files"]["responses.csv"]["keys"] in table.name

    append(path, csv_text(repeated(3, 1001, 1001), header=False), "utf-8")
    read = RowsRead(monkeypatch)
    assert keyed.sync().results[0].read == 3
    assert read.count < 1000  # the header and first rows (checked, then detected), the 3 new ones
    [(cursor,)] = keyed.query("SELECT cursor FROM sync_state")
    names = {file.name.split("-")[1] for file in key_table_files()}
    now = json.loads(cursor)["files"]["responses.csv"]["keys"]
    assert names == {table.name.split("-")[1], now}  # the new table and the one before it
    assert_same_as_a_clean_sync(keyed, tmp_path, monkeypatch)


def test_key_tables_no_sync_used_for_90_days_are_removed_and_one_in_use_never(tmp_path, monkeypatch):
    keyed, path = keyed_file_synced_once(tmp_path, monkeypatch)
    [table] = key_table_files()
    days = 86400
    aged = {"0123456789abcdef-gone": 91 * days, "fedcba9876543210-recent": 89 * days, table.name: 100 * days}
    for name, age in aged.items():
        other = table.with_name(name)
        if other != table:
            other.write_bytes(b"another file's keys")
        os.utime(other, (time.time() - age, time.time() - age))

    append(path, csv_text(repeated(3, 1001, 1001), header=False), "utf-8")
    read = RowsRead(monkeypatch)
    assert keyed.sync().results[0].read == 3
    assert read.count < 1000  # the 100-day-old table of this file was read, and so renewed
    names = {file.name for file in key_table_files()}
    assert "fedcba9876543210-recent" in names and "0123456789abcdef-gone" not in names
    assert table.name in names and len(names) == 3  # this file's table before, its new one, the recent one
    assert_same_as_a_clean_sync(keyed, tmp_path, monkeypatch)


@pytest.mark.parametrize("damage", ["removed", "cut", "other bytes"])
def test_a_key_table_lost_or_damaged_counts_the_rows_before_again(tmp_path, monkeypatch, damage):
    keyed, path = keyed_file_synced_once(tmp_path, monkeypatch)
    [table] = key_table_files()
    data = table.read_bytes()
    if damage == "removed":
        table.unlink()
    else:
        table.write_bytes(data[:-8] if damage == "cut" else data[:-8] + (1).to_bytes(8, "little"))
    append(path, csv_text(repeated(3, 1001, 1001), header=False), "utf-8")
    read = RowsRead(monkeypatch)
    assert keyed.sync().results[0].read == 3
    assert read.count > 1000  # every row, the keys of the 1002 before counted again
    assert_same_as_a_clean_sync(keyed, tmp_path, monkeypatch)
