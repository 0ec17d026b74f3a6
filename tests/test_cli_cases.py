"""`cxbridge cases`: listing, showing, assigning and moving cases from the command line, with
every change recorded and every mistake a clear message with exit code 2."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.loop import tracking
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from tests.conftest import survey_row


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def synced(workspace):
    workspace.write_csv([
        survey_row(1, nps=2, satisfaction="Satisfied"),
        survey_row(2, nps=9, satisfaction="Very dissatisfied"),
        survey_row(3, nps=10),
        survey_row(4, nps=6),
    ])  # fmt: skip
    workspace.sync()
    return workspace


def listed(*args: str) -> list[dict]:
    code, out = run("cases", "list", "--format", "json", *args)
    assert code == 0, out
    return json.loads(out)


def test_list_shows_each_case_with_what_opened_it(synced):
    cases = listed()
    assert sorted((c["rule"], c["matched"], c["status"], c["overdue"]) for c in cases) == [
        ("detractors", "nps 2 (detractor)", "open", False),
        ("detractors", "nps 6 (detractor)", "open", False),
        ("dissatisfied", "csat 1 (dissatisfied)", "open", False),
    ]
    for case in cases:
        opened = datetime.fromisoformat(case["opened_at"].replace("Z", "+00:00"))
        assert datetime.fromisoformat(case["due_at"].replace("Z", "+00:00")) - opened == timedelta(hours=48)
    assert [c["rule"] for c in listed("--rule", "dissatisfied")] == ["dissatisfied"]


def test_assign_and_update_move_a_case_and_record_who_did_what(synced):
    case = listed("--rule", "dissatisfied")[0]["case_id"]
    assert run("cases", "assign", case[:5], "Zoë", "--by", "lead", "--note", "her store") == (0, f"case {case}: open, owner Zoë\n")
    code, out = run("cases", "update", case, "--status", "contacted", "--note", "called", "--by", "Zoë")
    assert (code, out) == (0, f"case {case}: contacted, owner Zoë\n")
    code, out = run("cases", "update", case, "--status", "resolved", "--ref", "ZD-7", "--by", "Zoë")
    assert code == 0, out
    assert [c["case_id"] for c in listed("--owner", "Zoë", "--status", "resolved")] == [case]
    code, out = run("cases", "show", case, "--format", "json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["case"]["external_ref"] == "ZD-7" and shown["record"]["nps"] == 9
    assert shown["case"]["first_contact_at"] <= shown["case"]["resolved_at"]
    assert [(e["actor"], e["kind"], e["from_value"], e["to_value"], e["note"]) for e in shown["events"]] == [
        ("cxbridge", "opened", None, "open", "rule dissatisfied: csat 1 (dissatisfied)"),
        ("lead", "owner", None, "Zoë", "her store"),
        ("Zoë", "status", "open", "contacted", "called"),
        ("Zoë", "external_ref", None, "ZD-7", None),
        ("Zoë", "status", "contacted", "resolved", None),
    ]
    assert "person2@example.com" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "closed_no_action"], "needs a reason"),
        (["--status", "open"], "is open; it can go to contacted, resolved, informed, closed_no_action"),
        ([], "nothing to change"),
    ],
)
def test_a_move_the_flow_does_not_allow_is_refused_with_the_moves_that_are(synced, args, message):
    case = listed()[0]["case_id"]
    code, out = run("cases", "update", case, *args)
    assert code == 2 and message in out
    assert listed()[0]["status"] == "open"
    assert synced.query("SELECT COUNT(*) FROM feedback_case_events WHERE kind <> 'opened'") == [(0,)]


def test_unknown_and_ambiguous_ids_say_what_to_give(synced):
    assert run("cases", "show", "ffffffffffff")[0] == 2
    assert "no case 'ffffffffffff'" in run("cases", "show", "ffffffffffff")[1]
    assert "is not a case id" in run("cases", "show", "ab")[1]
    ids = [c["case_id"] for c in listed()]
    common = next((a[:4] for a in ids for b in ids if a != b and a[:4] == b[:4]), None)
    if common:  # ids are hashes: two may share their first digits
        assert "give more digits" in run("cases", "show", common)[1]


def test_closing_needs_a_reason_and_reopening_clears_what_came_after(synced):
    case = listed()[0]["case_id"]
    assert run("cases", "update", case, "--status", "closed_no_action", "--reason", "test answer")[0] == 0
    closed = json.loads(run("cases", "show", case, "--format", "json")[1])["case"]
    assert (closed["status"], closed["close_reason"]) == ("closed_no_action", "test answer") and closed["closed_at"]
    assert run("cases", "update", case, "--status", "open", "--note", "customer wrote again")[0] == 0
    reopened = json.loads(run("cases", "show", case, "--format", "json")[1])["case"]
    assert (reopened["status"], reopened["close_reason"], reopened["closed_at"]) == ("open", None, None)


def test_overdue_means_open_past_the_due_time(synced):
    with SQLiteDestination(f"sqlite:///{synced.db}") as destination:
        destination.open()
        cases = tracking.list_cases(destination)
        due = max(case.due_at for case in cases)
        tracking.move(destination, cases[0].case_id, "contacted", actor="a")
        assert tracking.list_cases(destination, overdue=True, now=due) == []
        later = tracking.list_cases(destination, overdue=True, now=due + timedelta(seconds=1))
        assert [case.case_id for case in later] == [case.case_id for case in cases[1:]]


def test_a_database_written_before_cases_says_to_sync_once(synced):
    with sqlite3.connect(synced.db) as conn:
        conn.execute("DROP TABLE feedback_cases")
    code, out = run("cases", "list")
    assert code == 2 and "run `cxbridge sync` once" in out
