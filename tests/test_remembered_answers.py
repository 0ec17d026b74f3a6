"""Remembered answers give what scoring each afresh gives (issue 19): a file's metric cells are
read and scored once per distinct cell (`RecordBuilder.remembered`), and a sync through that path
stores the same rows and the same quarantine (reasons, fields, rows) as one that reads and scores
every cell again (`remembered = 0`), on every sample file in tests/data and on random files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxbridge
from cxbridge import metrics, plugins_host
from cxbridge.normalize import RecordBuilder
from tests.sqlite_runs import sync_source

DATA = Path(__file__).parent / "data"
REMEMBERED = RecordBuilder.remembered


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


MAPPING = {
    "connector": "csv", "path": "responses.csv", "timezone": "Europe/Warsaw",
    "columns": {"id": "id", "submitted_at": "submitted", "channel": "channel", "email": "email", "comment": "comment"},
    "metrics": [
        {"column": "nps", "metric": "nps"},
        {"column": "satisfaction", "metric": "csat", "scale": [1, 5], "labels": {"Bardzo zadowolony": 5}},
        {"column": "effort", "metric": "ces", "scale": [1, 7], "ignore_values": ["4"]},
    ],
}  # fmt: skip


def synced(folder: Path, files: list[Path] | None, *, remembered: int, monkeypatch) -> dict[str, list]:
    """What `cxbridge import` of `files` (with the mapping it detects) stores, or a sync of
    responses.csv with MAPPING when `files` is None; lineage left out; and how many answers were
    scored."""
    scored: list[int] = []
    score = metrics.score
    db = folder / f"remembered-{remembered}.db"
    with monkeypatch.context() as patch:  # undone before hypothesis's next example
        patch.setattr(RecordBuilder, "remembered", remembered)
        patch.setattr(metrics, "score", lambda *args: scored.append(1) or score(*args))
        patch.chdir(folder)
        if files is None:
            result = sync_source(folder, MAPPING, name="responses", db=db.name, shared_salt=True)
            errors = [result.error]
        else:
            patch.setenv("REMEMBERED_TEST_SALT", "one-salt-for-both-datasets")  # each dataset would make its own
            project = folder / "cxbridge.toml"
            project.write_text('[settings]\nrespondent_salt = "${REMEMBERED_TEST_SALT}"\n', encoding="utf-8")
            errors = [item.error for item in cxbridge.import_(files, destination=f"sqlite:///{db}", config=project).files]
    with sqlite3.connect(db) as conn:
        columns = [c for (_, c, *_) in conn.execute("PRAGMA table_info(feedback)")]
        content = ", ".join(c for c in columns if c not in ("ingested_at", "sync_run_id"))
        return {
            "feedback": conn.execute(f"SELECT {content} FROM feedback ORDER BY record_id").fetchall(),
            "scores": conn.execute("SELECT * FROM feedback_scores ORDER BY record_id, question_id, metric").fetchall(),
            "comments": conn.execute("SELECT * FROM feedback_comments ORDER BY record_id, question_id").fetchall(),
            "quarantine": conn.execute("SELECT record_id, source, stream, source_record_id, raw, error, field, context "
                                       "FROM quarantine ORDER BY record_id").fetchall(),
            "errors": errors,
            "scored": [len(scored)],
        }  # fmt: skip


def same_both_ways(folder: Path, files: list[Path] | None, monkeypatch) -> dict[str, list]:
    remembered = synced(folder, files, remembered=REMEMBERED, monkeypatch=monkeypatch)
    afresh = synced(folder, files, remembered=0, monkeypatch=monkeypatch)
    assert remembered.pop("scored")[0] <= afresh.pop("scored")[0]
    assert remembered == afresh
    return remembered


SAMPLE_FILES = sorted(
    path for path in DATA.rglob("*") if path.suffix.lower() in (".csv", ".xlsx") and "vendor" not in path.parts
)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.name)
def test_every_sample_file_gives_the_same_rows_and_quarantine_both_ways(tmp_path, path, monkeypatch):
    shutil.copy(path, tmp_path / path.name)
    stored = same_both_ways(tmp_path, [tmp_path / path.name], monkeypatch)
    assert stored["feedback"] or stored["quarantine"]


CELLS = {
    "id": st.sampled_from(["R1", "R2", "R3", "", "R 4"]),
    "submitted": st.sampled_from(["2024-01-05 10:00", "05/01/2024 10:00", "2024-13-40", "", "yesterday",
                                  "2024-03-31T23:30:00+02:00", "45000"]),
    "nps": st.sampled_from(["9", "10", "0", "11", "-1", "7.5", "", "N/A", "10 - Extremely likely", "nine", " 6 "]),
    "satisfaction": st.sampled_from(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied",
                                     "5", "6", "0", "", "Bardzo zadowolony", "Not applicable", "3,5"]),
    "effort": st.sampled_from(["1", "7", "8", "", "Very easy", "4"]),
    "channel": st.sampled_from(["web", "E-mail", "fax", "", "In-store"]),
    "email": st.sampled_from(["a@example.com", " B@Example.com ", "", "not an e-mail"]),
    "comment": st.sampled_from(["", "fine", "  ", "Очень доволен", 'said "no"', "a,b"]),
    "plan": st.sampled_from(["", "gold", "1", "2024-01-01"]),
}  # fmt: skip


@settings(derandomize=True, max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=12))
def test_random_files_give_the_same_rows_and_quarantine_both_ways(tmp_path_factory, monkeypatch, rows):
    folder = tmp_path_factory.mktemp("random")
    lines = [",".join(CELLS)] + [",".join(_csv_cell(row[key]) for key in CELLS) for row in rows]
    (folder / "responses.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    stored = same_both_ways(folder, None, monkeypatch)
    kept = {row[4] for row in stored["feedback"]} | {row[3] for row in stored["quarantine"]}
    assert {row["id"] for row in rows} - {""} <= kept  # every row with an id stored or quarantined


def test_an_answer_seen_again_is_scored_once_and_quarantined_with_the_same_reason(tmp_path, monkeypatch):
    rows = "".join(f"R{n},2024-01-0{n % 9 + 1} 10:00,{['9', '11', 'Satisfied'][n % 3]},,,,,\n" for n in range(30))
    (tmp_path / "responses.csv").write_text("id,submitted,nps,satisfaction,effort,channel,email,comment\n" + rows)
    stored = synced(tmp_path, None, remembered=REMEMBERED, monkeypatch=monkeypatch)
    assert stored["scored"] == [5]  # "9", "11" and "Satisfied", and the blank csat and ces, each once
    assert len(stored["feedback"]) == 10
    reasons = {(source_id, error, field) for _, _, _, source_id, _, error, field, _ in stored["quarantine"]}
    assert len(reasons) == 20
    assert {error for _, error, _ in reasons} == {
        "question 'nps': nps answer 11 is outside its scale 0–10; fix the answer in the source, or, in the "
        "[[sources.responses.metrics]] entry of column 'nps', add it to 'ignore_values' if it means no answer, or "
        "set another 'metric' if the question is not a 0–10 recommend question",
        "question 'nps': answer 'Satisfied' is neither a number nor a known label of this nps question; fix the "
        "answer in the source, or, in the [[sources.responses.metrics]] entry of column 'nps', map it to its "
        "value in 'labels', or add it to 'ignore_values' if it means no answer",
    }


def _csv_cell(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"') else text
