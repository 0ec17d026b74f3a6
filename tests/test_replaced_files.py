"""A file synced, then deleted, and a file beginning with its bytes synced after it: the cursor
keeps the deleted file's state, and a file is read on from a state only when the state is its
own name's (the same path in the source: the same identity) or its other name's (the path an
import names it by, or the identity it shares with the file an import reads) — so the rows it
passes over are the ones stored from the file read before, under the very ids its own rows have.
A file at another path, with another identity, is read whole: its first rows are never taken
for another file's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cxbridge
from cxbridge import plugins_host
from tests.conftest import Workspace, share_salt
from tests.test_appended_files import LINEAGE, QUARANTINE_LINEAGE, csv_text, keyed_by_content, rows


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A source whose rows are keyed by their content: a row's id holds its file's identity."""
    workspace = keyed_by_content(Workspace(tmp_path / "replaced"))
    share_salt(monkeypatch, workspace)
    monkeypatch.chdir(workspace.root)
    return workspace


def assert_stored_as_by_itself(
    workspace: Workspace, file: Path, root: Path, monkeypatch, *, imported: bool = False
) -> None:
    """Every record and quarantined row that `file` synced (or imported) alone into an empty
    destination gives is in the workspace's, the same: none of its rows was left unread. (Which
    copy counts is left out: a row the deleted file held too is a copy of its record, docs/identity.md.)"""
    clean = Workspace(root)
    clean.config.write_text(workspace.config.read_text())
    (clean.root / file.relative_to(workspace.root)).parent.mkdir(parents=True, exist_ok=True)
    (clean.root / file.relative_to(workspace.root)).write_bytes(file.read_bytes())
    if imported:
        monkeypatch.chdir(clean.root)
        cxbridge.import_([str(file.relative_to(workspace.root))], source="survey", config=clean.config,
                         destination=f"sqlite:///{clean.db}")  # fmt: skip
    else:
        clean.sync()
    for table, lineage in (("feedback", (*LINEAGE, "duplicate_of")), ("feedback_scores", ()), ("feedback_comments", ()),
                           ("quarantine", QUARANTINE_LINEAGE)):  # fmt: skip
        alone = clean.table(table, without=lineage)
        assert alone, table
        assert [row for row in workspace.table(table, without=lineage) if row in alone] == alone, table


def test_a_file_replaced_at_its_path_by_one_beginning_with_its_bytes_is_read_on(keyed, tmp_path, monkeypatch):
    path = keyed.root / "responses.csv"
    path.write_text(csv_text(rows(1, 20)), encoding="utf-8")
    keyed.sync()
    path.unlink()
    path.write_text(csv_text(rows(1, 30)), encoding="utf-8")  # a new export: last month's rows, then this month's

    [result] = keyed.sync().results
    assert result.read == 10  # its first 20 rows are the deleted file's: stored under the ids they have here
    assert_stored_as_by_itself(keyed, path, tmp_path / "clean", monkeypatch)


def test_a_file_at_another_path_beginning_with_a_deleted_files_bytes_is_read_whole(keyed, tmp_path, monkeypatch):
    deleted = keyed.root / "responses.csv"
    deleted.write_text(csv_text(rows(1, 20)), encoding="utf-8")
    keyed.sync()
    deleted.unlink()
    other = keyed.root / "responses_store_b.csv"
    other.write_text(csv_text(rows(1, 30)), encoding="utf-8")

    [result] = keyed.sync().results
    assert result.read == 30  # another identity: its rows are other records, each of them read
    assert keyed.query("SELECT (SELECT COUNT(*) FROM feedback) + (SELECT COUNT(*) FROM quarantine)") == [(50,)]
    assert_stored_as_by_itself(keyed, other, tmp_path / "clean", monkeypatch)


def test_a_file_imported_from_elsewhere_with_a_deleted_files_identity_is_read_on(keyed, tmp_path, monkeypatch):
    """`import exports/responses.csv --source survey` (a file the source's `path` does not name)
    knows the file by its name, `responses.csv`, as the source knew the deleted file: its rows
    have the ids the deleted file's had, so the state of that file is the one it goes on from."""
    deleted = keyed.root / "responses.csv"
    deleted.write_text(csv_text(rows(1, 20)), encoding="utf-8")
    keyed.sync()
    deleted.unlink()
    (keyed.root / "exports").mkdir()
    imported = keyed.root / "exports" / "responses.csv"
    imported.write_text(csv_text(rows(1, 30)), encoding="utf-8")

    [file] = cxbridge.import_(["exports/responses.csv"], source="survey", config=keyed.config,
                              destination=f"sqlite:///{keyed.db}").files  # fmt: skip
    assert file.error is None and file.result.read == 10
    assert_stored_as_by_itself(keyed, imported, tmp_path / "clean", monkeypatch, imported=True)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def import_into_survey(workspace: Workspace, file: str):
    [imported] = cxbridge.import_([file], source="survey", config=workspace.config,
                                  destination=f"sqlite:///{workspace.db}").files  # fmt: skip
    assert imported.error is None, imported.error
    return imported.result


@pytest.mark.parametrize("first", ["imported", "synced"])
def test_an_imported_files_path_that_is_a_synced_files_identity_names_two_files(keyed, tmp_path, monkeypatch, first):
    """The cursor names an imported file by its path from the project's folder
    (`exports/responses.csv`) and a synced one by its identity, its path below the fixed part of
    the source's `path` (`data/**/*.csv`: `exports/responses.csv` too): two files under one name.
    Neither is read on from the other's state — their rows have other ids (`responses.csv`'s and
    `exports/responses.csv`'s) — even when the other was deleted and its bytes begin this one."""
    keyed.config.write_text(keyed.config.read_text().replace('path = "responses*.csv"', 'path = "data/**/*.csv"'))
    before, after = ("exports", "data/exports") if first == "imported" else ("data/exports", "exports")
    write(keyed.root / before / "responses.csv", csv_text(rows(1, 20)))
    if first == "imported":
        import_into_survey(keyed, "exports/responses.csv")
    else:
        keyed.sync()
    (keyed.root / before / "responses.csv").unlink()
    now = write(keyed.root / after / "responses.csv", csv_text(rows(1, 30)))

    if first == "imported":
        [result] = keyed.sync().results
    else:
        result = import_into_survey(keyed, "exports/responses.csv")
    assert result.read == 30
    assert_stored_as_by_itself(keyed, now, tmp_path / "clean", monkeypatch, imported=first == "synced")


@pytest.mark.parametrize(("path", "records"), [("**/*.csv", 50), ("data/*.csv", 30)])
def test_an_import_from_a_folder_and_a_sync_from_its_subfolder_name_two_files_alike(tmp_path, monkeypatch, path, records):
    """`cxbridge import data/responses.csv` run in a folder without a project keeps the file's
    state as `data/responses.csv`, its path from that folder; a config in its subfolder `sub`
    finds its own `data/responses.csv` under that name too, as its path from `sub` — another file.
    It is read whole, not read on from the import's state: with the identity `data/responses.csv`
    (`**/*.csv`) its rows are 30 records of their own beside the import's 20; with the import's
    identity, `responses.csv` (`data/*.csv`), they are the import's 20 records and 10 more."""
    folder = tmp_path / "x"
    sub = keyed_by_content(Workspace(folder / "sub"))
    sub.config.write_text(sub.config.read_text().replace('path = "responses*.csv"', f'path = "{path}"'))
    write(folder / "data" / "responses.csv", csv_text(rows(1, 20)))
    monkeypatch.chdir(folder)
    [imported] = cxbridge.import_(["data/responses.csv"], mapping=str(sub.config), destination=f"sqlite:///{sub.db}").files
    assert imported.error is None and imported.result.read == 20, imported.error
    write(sub.root / "data" / "responses.csv", csv_text(rows(1, 30)))  # another file, beginning with the same bytes

    [result] = sub.sync().results
    assert result.read == 30
    assert sub.query("SELECT (SELECT COUNT(*) FROM feedback) + (SELECT COUNT(*) FROM quarantine)") == [(records,)]


def test_a_file_imported_from_another_folder_by_the_same_path_is_not_passed_over_as_read(tmp_path, monkeypatch):
    """Two imports without a project, from a folder and from its subfolder, of `data/responses.csv`:
    two files of one name and identity. The second, of the first's size and time but with an
    answer edited, is read, not passed over by the first's state."""
    folder = tmp_path / "x"
    sub = keyed_by_content(Workspace(folder / "sub"))
    first = write(folder / "data" / "responses.csv", csv_text(rows(1, 20)))
    second = write(sub.root / "data" / "responses.csv", csv_text(rows(1, 20)).replace("gęślą 3", "gęślą X"))
    os.utime(second, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns))
    reads = []
    for where in (folder, sub.root):
        monkeypatch.chdir(where)
        [imported] = cxbridge.import_(["data/responses.csv"], mapping=str(sub.config),
                                      destination=f"sqlite:///{sub.db}").files  # fmt: skip
        reads.append(imported.result.read)
    assert reads == [20, 20]
    assert sub.query("SELECT COUNT(*) FROM feedback_comments WHERE text = 'gęślą X'") == [(1,)]
