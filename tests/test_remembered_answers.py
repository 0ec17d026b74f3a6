"""Remembered answers give what scoring each afresh gives (issue 19): a file's metric cells are
read and scored once per distinct cell (`RecordBuilder.remembered`), and a sync through that path
stores the same rows and the same quarantine (reasons, fields, rows) as one that reads and scores
every cell again (`remembered = 0`), on every sample file in tests/data and on random files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxbridge import plugins_host
from cxbridge.normalize import RecordBuilder
from cxbridge.tabular.source import FileStream
from tests.both_ways import CELLS, SAMPLE_FILES, write_csv
from tests.both_ways import synced as synced_with

REMEMBERED = RecordBuilder.remembered


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def synced(folder: Path, files: list[Path] | None, *, remembered: int, monkeypatch) -> dict[str, list]:
    """What a sync stores, normalizing every row the reference way, its answers remembered or not."""
    settings = [(RecordBuilder, "remembered", remembered), (FileStream, "compiled", False)]
    return synced_with(folder, files, settings=settings, monkeypatch=monkeypatch, label=f"remembered-{remembered}")


def same_both_ways(folder: Path, files: list[Path] | None, monkeypatch) -> dict[str, list]:
    remembered = synced(folder, files, remembered=REMEMBERED, monkeypatch=monkeypatch)
    afresh = synced(folder, files, remembered=0, monkeypatch=monkeypatch)
    assert remembered.pop("scored")[0] <= afresh.pop("scored")[0]
    assert remembered == afresh
    return remembered


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.name)
def test_every_sample_file_gives_the_same_rows_and_quarantine_both_ways(tmp_path, path, monkeypatch):
    shutil.copy(path, tmp_path / path.name)
    stored = same_both_ways(tmp_path, [tmp_path / path.name], monkeypatch)
    assert stored["feedback"] or stored["quarantine"]


@settings(derandomize=True, max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=12))
def test_random_files_give_the_same_rows_and_quarantine_both_ways(tmp_path_factory, monkeypatch, rows):
    folder = tmp_path_factory.mktemp("random")
    write_csv(folder / "responses.csv", CELLS, [[row[key] for key in CELLS] for row in rows])
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
