"""Rows appended to a CSV file, read on from where the last sync ended, are judged on the scale the
whole file's labels decide (`degrees.off_builtin_scale`), as one read of the whole file judges
them: the cursor keeps each scored column's labels, and the appended rows are judged with them.
When the appended labels change what the rows read before were scored on, the whole file is
read again, and the sync says so."""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import cxbridge
from cxbridge.respondents import RespondentKeys
from cxbridge.tabular.column_answers import DISTINCT, KeptAnswers
from tests.sqlite_runs import query
from tests.test_replayed_scales import ANSWERS, QUESTION, TWO_DEGREES, configured, quarantined

ON_THE_SCALE = ["Very satisfied", "Satisfied", "Dissatisfied", "Very dissatisfied"]


def append(folder: Path, answers: list[str], *, first: int) -> None:
    with (folder / "visits.csv").open("a", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([(n, f"2024-04-{n:02d} 10:00:00", answer) for n, answer in enumerate(answers, first)])


def sync(folder: Path, config: Path):
    [result] = cxbridge.sync(config, destination=f"sqlite:///{folder / 'cxbridge.db'}").results
    return result


def whole_file_synced(folder: Path, tmp_path: Path) -> tuple[list, dict[str, str]]:
    """The scores and quarantine reasons of one sync of `folder`'s file as it is now, in a new folder."""
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "visits.csv").write_bytes((folder / "visits.csv").read_bytes())
    (clean / "cxbridge.toml").write_text((folder / "cxbridge.toml").read_text(encoding="utf-8"), encoding="utf-8")
    sync(clean, clean / "cxbridge.toml")
    return stored(clean), quarantined(clean)


def stored(folder: Path) -> list:
    return query(folder, "SELECT source_record_id, csat FROM feedback ORDER BY 1")


def test_rows_appended_below_two_degrees_of_one_point_are_quarantined_as_in_the_whole_file(tmp_path):
    """The repro: six rows whose 'Extremely satisfied' beside 'Very satisfied' shows the survey's
    scale is not the built-in 1–5 one, all quarantined; three 'Very satisfied' appended are read
    on alone and quarantined too, for the same reason, as a read of the whole file quarantines
    them — and stay so on a replay (before: stored as csat 5, judged by their own labels alone)."""
    folder = tmp_path / "project"
    folder.mkdir()
    config = configured(folder, "scale = [1, 5]")
    sync(folder, config)
    append(folder, ["Very satisfied"] * 3, first=6)
    appended = sync(folder, config)
    assert (appended.read, appended.written, appended.quarantined) == (3, 0, 3)
    assert all(TWO_DEGREES in reason for reason in quarantined(folder).values())
    assert (stored(folder), quarantined(folder)) == whole_file_synced(folder, tmp_path)
    [replayed] = cxbridge.quarantine_replay(config, destination=f"sqlite:///{folder / 'cxbridge.db'}").results
    assert (replayed.written, replayed.quarantined) == (0, 9)


def test_an_append_whose_labels_change_the_decision_reads_the_whole_file_again_saying_so(tmp_path):
    """Four rows on the built-in labels are stored; an appended 'Extremely satisfied' shows the
    scale is another: the whole file is read again and every row quarantined, the stored ones
    taken out, as one sync of the whole file leaves it — and the sync's warnings say why (before:
    the four stayed stored as scores, the new row alone quarantined)."""
    folder = tmp_path / "project"
    folder.mkdir()
    config = configured(folder, "scale = [1, 5]")
    (folder / "visits.csv").write_text(f"Response ID,Date Submitted,{QUESTION}\n", encoding="utf-8")
    append(folder, ON_THE_SCALE, first=1)
    assert sync(folder, config).written == 4
    append(folder, ["Extremely satisfied"], first=5)
    again = sync(folder, config)
    assert (again.read, again.written, again.quarantined) == (5, 0, 5)
    assert stored(folder) == []
    assert (stored(folder), quarantined(folder)) == whole_file_synced(folder, tmp_path)
    assert again.warnings == [
        f"visits.csv: the rows appended change whether column {QUESTION!r} is scored on the built-in 1–5 csat "
        "scale, so the whole file was read again and the rows read before are judged with them"]


def test_an_append_that_changes_no_decision_is_read_on_alone(tmp_path):
    """Guard (passed before): appended labels the rows read before already decided read on alone."""
    folder = tmp_path / "project"
    folder.mkdir()
    config = configured(folder, "scale = [1, 5]")
    (folder / "visits.csv").write_text(f"Response ID,Date Submitted,{QUESTION}\n", encoding="utf-8")
    append(folder, ON_THE_SCALE, first=1)
    sync(folder, config)
    append(folder, ["Satisfied", "Very satisfied"], first=5)
    appended = sync(folder, config)
    assert (appended.read, appended.written, appended.quarantined, appended.warnings) == (2, 2, 0, [])
    assert stored(folder) == [("1", 5), ("2", 4), ("3", 2), ("4", 1), ("5", 4), ("6", 5)]


def test_a_state_saved_before_it_kept_labels_reads_the_whole_file_once(tmp_path):
    """A cursor saved before the state kept its columns' labels cannot judge an append as the
    whole file: the file is read whole once, saying so, and read on after that."""
    folder = tmp_path / "project"
    folder.mkdir()
    config = configured(folder, "scale = [1, 5]")
    sync(folder, config)
    with closing(sqlite3.connect(folder / "cxbridge.db")) as conn, conn:
        conn.execute("""UPDATE sync_state SET cursor = json_remove(cursor, '$.files."visits.csv".labels')""")
    append(folder, ["Very satisfied"] * 3, first=6)
    once = sync(folder, config)
    assert (once.read, once.written, once.quarantined) == (len(ANSWERS) + 3, 0, 9)
    assert once.warnings == [
        f"visits.csv: its state in the cursor keeps no labels of column {QUESTION!r} to judge the rows appended with "
        "(saved before 2026-12-07, or under another respondent salt), so the whole file was read again, once"]
    append(folder, ["Very satisfied"], first=9)
    then = sync(folder, config)
    assert (then.read, then.quarantined, then.warnings) == (1, 1, [])


def test_the_state_keeps_a_scale_s_words_and_any_other_answer_hashed(tmp_path):
    """An answer no scale knows may be a name ('Jane Quill' typed into the score): the cursor keeps
    it as a salted hash, never as written, nor the column's header; appended again, it is the same
    hash, one answer of the column, not two."""
    folder = tmp_path / "project"
    folder.mkdir()
    config = configured(folder, "scale = [1, 5]")
    (folder / "visits.csv").write_text(f"Response ID,Date Submitted,{QUESTION}\n", encoding="utf-8")
    append(folder, [*ON_THE_SCALE, "Jane Quill"], first=1)
    sync(folder, config)
    append(folder, ["Jane Quill"], first=6)
    assert sync(folder, config).read == 1
    [(state,)] = query(folder, "SELECT cursor FROM sync_state")
    assert "Jane" not in state and QUESTION not in state
    [kept] = json.loads(state)["files"]["visits.csv"]["labels"]["columns"].values()
    assert len(kept) == 5 and set(ON_THE_SCALE) < set(kept)


def test_answers_kept_beyond_the_distinct_ones_a_scale_holds_leave_the_column_unjudged():
    """Answers read before and appended count together: past `DISTINCT` the column is free text."""
    before = KeptAnswers.new(None).adding({"q": {f"answer {n}" for n in range(DISTINCT)}}, ["q"])
    assert len(before.of("q")) == DISTINCT
    assert before.adding({"q": {"answer 0"}}, ["q"]).of("q") == before.of("q")
    assert before.adding({"q": {"one more"}}, ["q"]).of("q") is None
    assert before.adding({}, ["q"]).of("q") is None  # `text_answers` left the appended part's out
    assert KeptAnswers.from_cursor(before.to_cursor(), keys=None) == before


def test_answers_hashed_under_a_salt_kept_apart_keep_no_salt_beside():
    """Under a respondent salt from the environment the state keeps no salt of its hashes (whoever
    reads it cannot test a guessed answer): the same salt makes them again, another one none."""
    keys = RespondentKeys("from-the-environment", kept_apart=True)
    kept = KeptAnswers.new(keys).adding({"q": {"Very satisfied", "Jane Quill"}}, ["q"])
    saved = kept.to_cursor()
    assert saved["salt"] == "keyed" and "Jane Quill" not in str(saved)
    assert KeptAnswers.from_cursor(saved, keys=keys) == kept
    assert KeptAnswers.from_cursor(saved, keys=RespondentKeys("another", kept_apart=True)).of("q") is None
    assert KeptAnswers.from_cursor(saved, keys=None) is None
