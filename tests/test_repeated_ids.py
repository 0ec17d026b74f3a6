"""A file whose id column repeats an id: each record keeps the last row of its id, so the rows
before it are not imported. That is right for a response exported twice, and silent loss for a
column that is not unique per response (a customer's or a store's id mapped as `id`): the sync
says how many rows it left out, and names two of them."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from cxbridge.tabular.row_keys import RepeatedIds
from tests.sqlite_runs import query, sync_source

SOURCE = {"connector": "csv", "path": "*.csv", "timezone": "UTC",
          "columns": {"id": "customer", "submitted_at": "submitted"},
          "metrics": [{"column": "nps", "metric": "nps"}]}  # fmt: skip


def write(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer", "submitted", "nps"])
        writer.writerows(rows)
    return path


def repeated_warnings(result) -> list[str]:
    return [warning for warning in result.warnings if "the id of a row before" in warning]


def test_a_column_that_is_not_unique_is_named_with_the_rows_it_left_out(tmp_path):
    customers = ["C1", "C2", "C1", "C3", "C1", "C2"]
    rows = [(customer, f"2025-01-0{n + 1} 10:00", n) for n, customer in enumerate(customers)]
    write(tmp_path / "responses.csv", rows)
    result = sync_source(tmp_path, SOURCE)
    last = {customer: score for customer, _, score in rows}  # each id keeps its last row
    assert query(tmp_path, "SELECT source_record_id, nps FROM feedback ORDER BY 1") == sorted(last.items())
    left_out = len(rows) - len(set(customers))
    [warning] = repeated_warnings(result)
    assert warning.startswith(f"responses.csv: {left_out} rows have the id of a row before them in column 'customer'")
    assert "(e.g. 'C1' on rows 2 and 4)" in warning  # the header is row 1
    assert "map the one that is as `id`" in warning


def test_an_id_column_of_email_addresses_is_named_by_the_key_stored_never_the_address(tmp_path):
    rows = [("ann.one@corp.example", "2025-01-01 10:00", 9), ("ann.one@corp.example", "2025-01-02 10:00", 3)]
    write(tmp_path / "responses.csv", rows)
    result = sync_source(tmp_path, SOURCE)
    [stored] = query(tmp_path, "SELECT source_record_id FROM feedback")
    [warning] = repeated_warnings(result)
    assert stored[0].startswith("hashed:") and f"(e.g. {stored[0]!r} on rows 2 and 3)" in warning
    assert "ann.one" not in warning


@pytest.mark.parametrize("mapping", [{"phone": "customer"}, {"personal": ["customer"]}])
def test_the_phone_or_a_personal_column_as_id_is_refused_before_its_values_are_stored_in_clear(tmp_path, mapping):
    write(tmp_path / "responses.csv", [("+48 600 111 222", "2025-01-01 10:00", 9)])
    columns = SOURCE["columns"] | {key: value for key, value in mapping.items() if key == "phone"}
    source = SOURCE | {"columns": columns} | {key: value for key, value in mapping.items() if key == "personal"}
    with pytest.raises(ConfigError, match=r"columns.id: 'customer' is (the phone column|listed under personal)"):
        sync_source(tmp_path, source)
    assert not (tmp_path / "cxbridge.db").exists()
    data = {"settings": {"keep_personal_data": True}, "sources": {"survey": source}}  # contacts kept: the id too
    config = config_from_dict(data, create_host(), path=tmp_path / "cxbridge.toml")
    assert cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'kept.db'}").results[0].written == 1


def test_unique_ids_and_an_id_in_two_files_give_no_warning(tmp_path):
    write(tmp_path / "january.csv", [("R1", "2025-01-01 10:00", 9), ("R2", "2025-01-02 10:00", 3)])
    write(tmp_path / "february.csv", [("R2", "2025-02-02 10:00", 7), ("R3", "2025-02-03 10:00", 10)])
    result = sync_source(tmp_path, SOURCE)  # a response in two exports: the later file's is kept, as meant
    assert repeated_warnings(result) == []
    assert query(tmp_path, "SELECT count(*) FROM feedback") == [(3,)]


def test_a_second_sync_of_the_same_file_warns_again_and_changes_nothing(tmp_path):
    write(tmp_path / "responses.csv", [("R1", "2025-01-01 10:00", 9), ("R1", "2025-01-02 10:00", 3)])
    first = sync_source(tmp_path, SOURCE)
    assert len(repeated_warnings(first)) == 1
    write(tmp_path / "responses.csv", [("R1", "2025-01-01 10:00", 9), ("R1", "2025-01-02 10:00", 3), ("R2", "2025-01-03 10:00", 1)])
    second = sync_source(tmp_path, SOURCE)  # read on from where the first read ended: R2 only
    assert repeated_warnings(second) == []
    assert query(tmp_path, "SELECT source_record_id, nps FROM feedback ORDER BY 1") == [("R1", 3), ("R2", 1)]


@given(st.lists(st.integers(0, 40), max_size=300), st.sampled_from([4, 16, 1 << 14]))
def test_the_count_is_that_of_rows_after_the_first_of_their_id_in_the_window(ids, window):
    seen = RepeatedIds()
    seen.WINDOW = window  # a small window takes the path a table of millions of rows takes
    for row, native in enumerate(ids, start=2):
        seen.add(row, f"R{native}")
    # a row repeats an id found among the last `window` distinct ids at least, and at most 2 × window of them
    exact = sum(times - 1 for times in Counter(ids).values())
    assert seen.whole == (len(ids) <= window)
    if seen.whole or len(set(ids)) <= window:
        assert seen.repeats == exact
    else:
        assert seen.repeats <= exact
    if exact and seen.whole:
        native, before, row = seen.example
        first_repeat = next(n for n, value in enumerate(ids) if ids[:n].count(value))
        assert (native, row) == (f"R{ids[first_repeat]}", first_repeat + 2)
        assert before == max(n for n in range(first_repeat) if ids[n] == ids[first_repeat]) + 2


def test_in_a_long_table_a_repeat_is_found_within_the_window_and_not_beyond_it():
    window = RepeatedIds.WINDOW
    ids = [f"R{n}" for n in range(window * 3)]  # row n + 2 holds R{n}
    ids.append(f"R{window * 2 + 10}")  # near: found, on row 3 × window + 2
    ids.append("R5")  # far: not looked for
    seen = RepeatedIds()
    for row, native in enumerate(ids, start=2):
        seen.add(row, native)
    assert (seen.repeats, seen.whole) == (1, False)
    assert seen.example == (f"R{window * 2 + 10}", window * 2 + 12, window * 3 + 2)


def test_a_long_table_says_at_least(tmp_path, monkeypatch):
    monkeypatch.setattr(RepeatedIds, "WINDOW", 4)
    customers = ["C1", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C2"]  # the last C2: out of the window
    write(tmp_path / "responses.csv", [(c, f"2025-01-{n + 1:02d} 10:00", n) for n, c in enumerate(customers)])
    [warning] = repeated_warnings(sync_source(tmp_path, SOURCE))
    assert warning.startswith("responses.csv: at least 1 row has the id of a row before it in column 'customer'")
    assert "(e.g. 'C1' on rows 2 and 3)" in warning


def test_the_window_docs_files_md_gives_is_the_one_used():
    text = " ".join((Path(__file__).parents[1] / "docs" / "files.md").read_text(encoding="utf-8").split())
    assert f"at least the {RepeatedIds.WINDOW:,} distinct ids before it" in text
