"""A record is keyed by one contact — its e-mail address, else its phone number — and its other
contact is stored only as `hashed:<key>` in `raw`: `cxbridge erase` given that other contact
cannot tell the record's own second contact column from another person's contact in a field of
the record (a CC), so it erases only the records keyed by it and lists the others holding its
key for review (before 2026-12-07 it named none of them); given every contact of the person in one run it erases them all
(docs/security.md#erasure)."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.identity import record_id
from tests.sqlite_runs import sync_source

JANE, JANES_PHONE = "jane@example.com", "+44 20 7946 0958"
ROWS = [["R1", "2026-02-01T08:00:00Z", "3", JANE, JANES_PHONE],  # keyed by the address, the number in raw
        ["R2", "2026-02-02T08:00:00Z", "9", "", JANES_PHONE],  # keyed by the number
        ["R3", "2026-02-03T08:00:00Z", "5", "bob@example.com", "+44 161 496 0000"]]  # fmt: skip
SOURCE = {"connector": "csv", "path": "survey.csv", "metrics": [{"column": "nps", "metric": "nps"}],
          "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "phone": "phone"}}  # fmt: skip


def synced(folder: Path) -> str:
    with (folder / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *ROWS])
    assert sync_source(folder, SOURCE, db="cx.db").status == "success"
    return f"sqlite:///{folder / 'cx.db'}"


def stored(folder: Path) -> set[str]:
    with sqlite3.connect(folder / "cx.db") as db:
        return {row[0] for row in db.execute("SELECT source_record_id FROM feedback")}


def test_erase_by_a_records_other_contact_lists_the_record_holding_its_key_for_review(tmp_path):
    url = synced(tmp_path)

    erased = cxbridge.erase([JANES_PHONE], destination=url)

    assert erased.rows["feedback"] == 1 and stored(tmp_path) == {"R1", "R3"}
    assert erased.holding == [record_id("survey", "rows", "R1")] and erased.mentioned == []


def test_the_command_line_says_which_records_hold_the_key_in_another_field(tmp_path):
    url = synced(tmp_path)
    done = CliRunner().invoke(cli, ["erase", JANES_PHONE, "--destination", url])
    assert done.exit_code == 0 and "Traceback" not in done.output
    assert "kept: 1 other record holding their key in another field" in done.output
    assert done.output.rstrip().endswith(f"to review: {record_id('survey', 'rows', 'R1')}")
    assert "7946" not in done.output and JANE not in done.output


def test_every_contact_of_the_person_given_in_one_run_erases_every_record_of_theirs(tmp_path):
    url = synced(tmp_path)
    erased = cxbridge.erase([JANE, JANES_PHONE], destination=url)
    assert erased.rows["feedback"] == 2 and stored(tmp_path) == {"R3"} and erased.holding == []


def test_the_quarantined_records_holding_the_key_in_any_field_are_removed_and_the_summary_says_so(tmp_path):
    """A quarantined record has no respondent key: its raw holding the key anywhere — Jane's own
    (keyed by her number) or Bob's with her number in his phone column — erases it, by decision,
    and the summary says how many and why (before 2026-12-07 it counted a table's rows only)."""
    rows = [["Q1", "2026-02-04T08:00:00Z", "11", "", JANES_PHONE], ["Q2", "2026-02-05T08:00:00Z", "12", "bob@example.com",
            JANES_PHONE], ["Q3", "2026-02-06T08:00:00Z", "13", "bob@example.com", ""]]  # fmt: skip
    with (tmp_path / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *ROWS, *rows])
    assert sync_source(tmp_path, SOURCE, db="cx.db").status == "success"

    done = CliRunner().invoke(cli, ["erase", JANES_PHONE, "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])

    assert done.exit_code == 0 and "Traceback" not in done.output
    with sqlite3.connect(tmp_path / "cx.db") as db:
        assert [row[0] for row in db.execute("SELECT source_record_id FROM quarantine")] == ["Q3"]
    assert "removed 2 quarantined records: each holds their key (or address, or user id) in some field" in done.output
    assert "another person's naming them (a CC) — all go" in done.output and "7946" not in done.output
