"""A quarantined file row replayed is judged by the scale its file's read decided for its column
from every label the column holds (`degrees.off_builtin_scale`), kept with the row in the
quarantine table — not by its own answer alone, which scored on replay what its file refused. A
row whose decision the replay cannot know (quarantined before cxbridge kept it, or under another
entry of the question) stays quarantined, saying so and how to read its file again."""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from tests.sqlite_runs import query

QUESTION = "How satisfied were you with your visit?"
ANSWERS = ["Very satisfied", "Satisfied", "Dissatisfied", "Very dissatisfied", "Very satisfied", "Extremely satisfied"]
"""A survey's 6-point scale: its 'Extremely satisfied' beyond the built-in top 'Very satisfied'."""
TWO_DEGREES = ("answers 'Very satisfied' and 'Extremely satisfied' grade 'satisfied' in two degrees, which the "
               "built-in scale this csat question is read on holds as one point")  # fmt: skip


def configured(folder: Path, entry: str) -> Path:
    """A CSV file of the six answers, one a row, and a config mapping its satisfaction column by `entry`."""
    with (folder / "visits.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["Response ID", "Date Submitted", QUESTION],
                                   *[(n, f"2024-03-0{n + 1} 10:00:00", a) for n, a in enumerate(ANSWERS)]])  # fmt: skip
    config = folder / "cxbridge.toml"
    config.write_text('[sources.visits]\nconnector = "csv"\npath = "visits.csv"\n'
                      '[sources.visits.columns]\nid = "Response ID"\nsubmitted_at = "Date Submitted"\n'
                      f'[[sources.visits.metrics]]\ncolumn = "{QUESTION}"\nmetric = "csat"\n{entry}\n',
                      encoding="utf-8")  # fmt: skip
    return config


def quarantined(folder: Path) -> dict[str, str]:
    return dict(query(folder, "SELECT source_record_id, error FROM quarantine"))


def test_a_replayed_row_is_judged_by_every_label_of_its_file_s_column_not_by_its_own_answer(tmp_path):
    """Read on the built-in 1–5 scale, the column's 'Extremely satisfied' beside 'Very satisfied'
    shows the survey's scale is another: every row is quarantined. Replayed with nothing changed,
    in a new run that reads no file, each is judged as its file's read judged it and stays
    quarantined with the same reason (before: each answer alone grades nothing twice, so all six
    were written on the replay, scored on the scale the file showed is not the survey's)."""
    config = configured(tmp_path, "scale = [1, 5]")
    destination = f"sqlite:///{tmp_path / 'cxbridge.db'}"
    [synced] = cxbridge.sync(config, destination=destination).results
    assert (synced.written, synced.quarantined) == (0, 6)
    reasons = quarantined(tmp_path)
    assert all(TWO_DEGREES in reason for reason in reasons.values())
    [replayed] = cxbridge.quarantine_replay(config, destination=destination).results
    assert (replayed.read, replayed.written, replayed.quarantined) == (6, 0, 6)
    assert quarantined(tmp_path) == reasons
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback") == [(0,)]
    listed = CliRunner().invoke(cli, ["quarantine", "list", "--config", str(config), "--db",
                                      str(tmp_path / "cxbridge.db"), "--format", "json"]).output  # fmt: skip
    assert [item["where"] for item in json.loads(listed)] == [f"file visits.csv, row {n + 2}" for n in range(6)]


def test_a_replayed_row_on_the_survey_s_own_labels_is_scored_on_them(tmp_path):
    """Guard (passed before too): once the entry lists the survey's six labels, a replay scores
    the six rows on them, the decision kept under the old entry no longer in the way."""
    config = configured(tmp_path, "scale = [1, 5]")
    destination = f"sqlite:///{tmp_path / 'cxbridge.db'}"
    cxbridge.sync(config, destination=destination)
    ranks = {label: rank for rank, label in enumerate(ANSWERS[3::-1] + ANSWERS[5:], 1)}
    labels = ", ".join(f'"{label}" = {rank}' for label, rank in ranks.items())
    configured(tmp_path, f"scale = [1, 6]\nlabels = {{ {labels} }}")
    [replayed] = cxbridge.quarantine_replay(config, destination=destination).results
    assert (replayed.written, replayed.quarantined) == (6, 0)
    stored = query(tmp_path, "SELECT source_record_id, csat FROM feedback ORDER BY 1")
    assert stored == [(str(n), ranks[answer]) for n, answer in enumerate(ANSWERS)]


@pytest.mark.parametrize("since", ["kept nothing", "another entry"])
def test_a_replayed_row_whose_file_s_decision_is_unknown_stays_quarantined_saying_so(tmp_path, since):
    """A row quarantined before cxbridge kept its file's decision (its context without it), or
    under another entry of the question (a 7-point scale now), cannot be judged as its file would
    be: each answer the built-in labels read stays quarantined, naming its column and the command
    that reads the file again (before: all six written, each on its own answer)."""
    config = configured(tmp_path, "scale = [1, 5]")
    destination = f"sqlite:///{tmp_path / 'cxbridge.db'}"
    cxbridge.sync(config, destination=destination)
    if since == "kept nothing":
        with closing(sqlite3.connect(tmp_path / "cxbridge.db")) as conn, conn:
            conn.execute("UPDATE quarantine SET context = json_remove(context, '$.replay')")
    else:
        configured(tmp_path, "scale = [1, 7]")
    [replayed] = cxbridge.quarantine_replay(config, destination=destination).results
    assert (replayed.read, replayed.written, replayed.quarantined) == (6, 0, 6)
    low_high = "1–5" if since == "kept nothing" else "1–7"
    reasons = quarantined(tmp_path)
    assert reasons["0"] == (
        f"question {QUESTION!r}: answer 'Very satisfied' is scored on the built-in {low_high} csat scale only when no "
        "answer of its column in its file grades more degrees than that scale holds, which only a read of the file "
        "tells: the row was quarantined before cxbridge kept that with it, or under another entry of the question in "
        f"the [[sources.visits.metrics]] entry of column {QUESTION!r}; read the file again with "
        "`cxbridge sync --full-refresh --source visits`")
    assert query(tmp_path, "SELECT json_extract(context, '$.file'), json_extract(context, '$.row') FROM quarantine "
                 "WHERE source_record_id = '0'") == [("visits.csv", 2)]  # fmt: skip
