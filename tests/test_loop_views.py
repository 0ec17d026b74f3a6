"""`loop_queue` and `loop_performance` on SQLite, DuckDB, PostgreSQL and Parquet, every figure
checked against one worked out here from the changes the test makes to the cases."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from cxbridge.destinations import LoopChanges
from cxbridge.loop import tracking
from cxbridge.plugins.parquet.destination import ParquetDestination
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from tests.conftest import Workspace, half_up, survey_row
from tests.local_destinations import LOCAL_KINDS, destination_maker, make_view_stale

OWNERS = """
[loop.rules.detractors]
owner_by = "location"
owners = { S1 = "anna", S2 = "ben" }
"""
# (native id, hours after opening of: first contact, resolution, customer told; closed with no action)
MOVES = {
    "R1": (2.0, 20.0, 30.0, False),  # S1 anna: contacted within the SLA, informed
    "R5": (47.5, None, None, False),  # S1 anna: contacted just within
    "R9": (60.0, 70.0, None, False),  # S1 anna: contacted late, resolved
    "R13": (None, None, None, False),  # S1 anna: never contacted, open
    "R2": (10.0, None, None, True),  # S2 ben: contacted, then closed with no action
    "R6": (None, None, None, True),  # S2 ben: closed with no action, never contacted
    "R3": (0.15, 4.5, None, False),  # S3 nobody: contacted 9 minutes after opening, 0.15 h, exactly halfway
}
SLA_HOURS = 48


@pytest.fixture(params=LOCAL_KINDS)
def destination_factory(request, tmp_path):
    """A new destination object for the one place of this test."""
    return destination_maker(request.param, tmp_path, request, "loop_views")


@pytest.fixture
def worked(workspace: Workspace, destination_factory):
    """Fifteen detractors synced (S0–S3), seven of them worked as MOVES says; the cases by native id."""
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + OWNERS, encoding="utf-8")
    workspace.write_csv([survey_row(n, nps=3) for n in range(1, 16)])
    url = destination_factory().url
    [result] = workspace.sync(destination=url).results
    assert result.cases_opened == 15
    destination = destination_factory()
    destination.open()
    try:
        natives = {row["record_id"]: row["source_record_id"] for row in destination.query(
            "SELECT record_id, source_record_id FROM feedback")}  # fmt: skip
        cases = {natives[case.record_id]: case for case in tracking.list_cases(destination)}
        for native, (contact, resolved, informed, closed) in MOVES.items():
            case, at = cases[native], cases[native].opened_at
            if contact is not None:
                tracking.move(destination, case.case_id, "contacted", actor="t", now=at + timedelta(hours=contact))
            if resolved is not None:
                tracking.move(destination, case.case_id, "resolved", actor="t", now=at + timedelta(hours=resolved))
            if informed is not None:
                tracking.move(destination, case.case_id, "informed", actor="t", now=at + timedelta(hours=informed))
            if closed:
                tracking.move(destination, case.case_id, "closed_no_action", actor="t", reason="test", now=at + timedelta(hours=90))
    finally:
        destination.close()
    return cases


def expected_performance(cases, past_due: frozenset[str] = frozenset()) -> dict[tuple[str, str, str], tuple]:
    """(cases, median hours to contact, % contacted within 48 h, % closed, % informed) per
    (month, location, owner), from MOVES and the cases' own opening times. The SLA share is of
    the cases decided: contacted, or never contacted and `past_due` (every other case is due 48 h
    after the sync that opened it, still ahead)."""
    groups: dict[tuple[str, str, str], list[tuple]] = {}
    for native, case in cases.items():
        contact, resolved, informed, closed = MOVES.get(native, (None, None, None, False))
        key = (case.opened_at.strftime("%Y-%m"), case.location_id or "(none)", case.owner or "(nobody)")
        done = resolved is not None or informed is not None or closed
        groups.setdefault(key, []).append((contact, done, informed, contact is not None or native in past_due))
    expected = {}
    for key, rows in groups.items():
        contacts = [contact for contact, _, _, _ in rows if contact is not None]
        decided = [contact for contact, _, _, known in rows if known]
        n = len(rows)
        expected[key] = (
            n,
            half_up(Fraction(str(statistics.median(contacts)))) if contacts else None,  # as the hours are written: 0.15 → 0.2
            half_up(Fraction(100 * sum(c is not None and c <= SLA_HOURS for c in decided), len(decided))) if decided else None,
            half_up(Fraction(100 * sum(done for _, done, _, _ in rows), n)),
            half_up(Fraction(100 * sum(told is not None for _, _, told, _ in rows), n)),
        )
    return expected


def test_loop_performance_per_month_location_and_owner(worked, destination_factory):
    """The SLA share counts the cases whose outcome is known: contacted (in time or late), or past
    their due time without a contact (R6, closed with no action, made due in 2001); a case still
    within its SLA and not contacted (R13) is in no side of it yet."""
    destination = destination_factory()
    destination.open()
    try:
        [r6] = [c for c in tracking.list_cases(destination) if c.case_id == worked["R6"].case_id]
        past = datetime(2001, 1, 1, tzinfo=timezone.utc)
        destination.write_loop(LoopChanges(cases=[r6.model_copy(update={"due_at": past}).row()]))
        rows = destination.query("SELECT * FROM loop_performance")
    finally:
        destination.close()
    actual = {
        (row["month"], row["location_id"], row["owner"]): (
            row["cases_opened"], row["median_hours_to_contact"], row["contacted_within_sla_pct"], row["closed_pct"],
            row["informed_pct"],
        )
        for row in rows
    }  # fmt: skip
    expected = expected_performance(worked, past_due=frozenset({"R6"}))
    assert actual == expected
    by_location = {location: value for (_, location, _), value in expected.items()}
    assert by_location["S1"] == (4, 47.5, 66.7, 50.0, 25.0)  # R1, R5, R9, R13: contacts 2, 47.5, 60 h; R1 and R9 done
    assert by_location["S2"][2] == 50.0, "R2 contacted in time, R6 past due; R10 and R14 not decided"
    assert by_location["S0"][2] is None, "no case contacted nor past due"


def test_loop_queue_holds_the_cases_someone_must_act_on_and_flags_the_overdue(worked, destination_factory):
    destination = destination_factory()
    destination.open()
    try:
        stored = {case.case_id: case for case in tracking.list_cases(destination)}
        past, future = datetime(2001, 1, 1, tzinfo=timezone.utc), datetime(2999, 1, 1, tzinfo=timezone.utc)
        tracking.move(destination, worked["R9"].case_id, "open", actor="t")  # reopened: contacted before
        stored = {case.case_id: case for case in tracking.list_cases(destination)}
        due = {"R13": past, "R5": past, "R9": past, "R4": future}  # open and late; contacted and late (twice); far ahead
        moved = [stored[worked[native].case_id].model_copy(update={"due_at": when}).row() for native, when in due.items()]
        destination.write_loop(LoopChanges(cases=moved))
        rows = destination.query("SELECT case_id, status, overdue, age_days, location_name FROM loop_queue")
        listed = {case.case_id for case in tracking.list_cases(destination, overdue=True)}
    finally:
        destination.close()
    natives = {case.case_id: native for native, case in worked.items()}
    queue = {natives[row["case_id"]]: (row["status"], bool(row["overdue"]), row["age_days"]) for row in rows}
    informed_or_closed = {"R1", "R2", "R6"}
    assert set(queue) == set(worked) - informed_or_closed
    overdue = {native for native, (_, late, _) in queue.items() if late}
    assert overdue == {"R13"}, "R5 and the reopened R9 are late but were contacted"
    assert {natives[case_id] for case_id in listed} == overdue, "cases list --overdue says the same"
    assert queue["R9"][0] == "open" and queue["R5"][0] == "contacted"
    assert {age for _, _, age in queue.values()} == {0}


def test_a_case_contacted_or_closed_takes_its_record_off_the_detractor_queue(worked, destination_factory):
    """A case worked in `cxbridge cases` is a follow-up: `detractor_queue` keeps the detractors
    whose case was never contacted nor closed, and nobody wrote to `feedback_followups`; a case
    closed with no action and reopened before any contact is waiting again."""
    destination = destination_factory()
    destination.open()
    try:
        tracking.move(destination, worked["R6"].case_id, "open", actor="t")  # closed uncontacted, reopened
        tracking.move(destination, worked["R2"].case_id, "open", actor="t")  # contacted, closed, reopened
        natives = {row["record_id"]: row["source_record_id"] for row in destination.query(
            "SELECT record_id, source_record_id FROM feedback")}  # fmt: skip
        queue = {natives[row["record_id"]] for row in destination.query("SELECT record_id FROM detractor_queue")}
    finally:
        destination.close()
    worked_on = {native for native, (contact, resolved, _, closed) in MOVES.items() if contact or resolved or closed}
    assert queue == ({f"R{n}" for n in range(1, 16)} - worked_on) | {"R6"}, "R2 was contacted before it reopened"
    assert len(queue) == 10 and "R13" in queue


def test_a_case_worked_on_a_copy_takes_the_response_off_the_detractor_queue(workspace: Workspace):
    """A response's case stays on the copy that opened it when another source's copy counts for
    it (docs/identity.md): contacting that case, or a follow-up row of either copy, is the
    response's follow-up."""
    survey = workspace.config.read_text(encoding="utf-8")
    backup = survey[survey.index("[sources.survey]"):].replace("[sources.survey", "[sources.backup")
    workspace.write_csv([survey_row(n, nps=3) for n in range(1, 6)])
    assert workspace.sync().results[0].cases_opened == 5
    workspace.config.write_text(survey + backup, encoding="utf-8")  # the same rows read through a second source
    assert workspace.sync().exit_code == 0
    copies = dict(workspace.query("SELECT f.source_record_id, f.duplicate_of IS NULL FROM feedback f "
                                  "JOIN feedback_cases k ON k.record_id = f.record_id"))  # fmt: skip
    assert copies == {f"R{n}": 0 for n in range(1, 6)}, "the cases' records are copies now: the backup's count"
    destination = SQLiteDestination(f"sqlite:///{workspace.db}")
    destination.open()
    try:
        natives = {row["record_id"]: row["source_record_id"] for row in destination.query(
            "SELECT record_id, source_record_id FROM feedback")}  # fmt: skip
        cases = {natives[case.record_id]: case for case in tracking.list_cases(destination)}
        tracking.move(destination, cases["R1"].case_id, "contacted", actor="t")
        tracking.move(destination, cases["R2"].case_id, "closed_no_action", actor="t", reason="test answer")
    finally:
        destination.close()
    with_case = {row[0] for row in workspace.query(
        "SELECT record_id FROM feedback WHERE source = 'survey' AND source_record_id = 'R3'")}  # fmt: skip
    workspace.query("INSERT INTO feedback_followups (record_id, followed_up_at) VALUES (?, '2026-01-01')", tuple(with_case))
    queue = workspace.query("SELECT f.source, f.source_record_id FROM detractor_queue q JOIN feedback f USING (record_id)")
    assert sorted(queue) == [("backup", "R4"), ("backup", "R5")]


def test_an_employee_case_contacted_takes_its_record_off_the_employee_followup_queue(tmp_path):
    """The example's pulse with a rule for unhappy staff (docs/loop.md): each eNPS detractor opens
    a case; the one HR contacted leaves `employee_followup_queue`, the others stay."""
    import csv
    import shutil

    import cxbridge
    from cxbridge.plugins_host import create_host
    from tests.conftest import ROOT

    shutil.copytree(ROOT / "examples" / "data", tmp_path / "data")
    config = (ROOT / "examples" / "cxbridge.toml").read_text(encoding="utf-8")
    rule = '\n[loop.rules.unhappy_staff]\nmetric = "enps"\ncategories = ["detractor"]\nrespondents = ["employee"]\n'
    (tmp_path / "cxbridge.toml").write_text(config + rule, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(tmp_path / "cxbridge.toml", host=create_host(), destination=url).exit_code == 0
    with (tmp_path / "data" / "employee_pulse_2025.csv").open(encoding="utf-8", newline="") as handle:
        detractors = {row["Response ID"] for row in csv.DictReader(handle)
                      if int(row["How likely are you to recommend us as a place to work?"]) <= 6}  # fmt: skip
    destination = SQLiteDestination(url)
    destination.open()
    try:
        natives = {row["record_id"]: row["source_record_id"] for row in destination.query(
            "SELECT record_id, source_record_id FROM feedback WHERE program = 'employee'")}  # fmt: skip
        cases = {natives[c.record_id]: c for c in tracking.list_cases(destination) if c.record_id in natives}
        contacted = min(cases)
        tracking.move(destination, cases[contacted].case_id, "contacted", actor="hr")
        queue = {natives[row["record_id"]] for row in destination.query("SELECT record_id FROM employee_followup_queue")}
    finally:
        destination.close()
    assert set(cases) == detractors and len(detractors) > 1
    assert queue == detractors - {contacted}


@pytest.mark.parametrize("destination_factory", ["sqlite", "duckdb"], indirect=True)
def test_a_database_whose_loop_queue_flagged_reopened_cases_gets_the_view_again(worked, destination_factory):
    """`loop_queue` as cxbridge made it before `overdue` left out cases contacted before they
    were reopened: the next sync's open makes it again (SQLite 0019, SQL 0015 migrations)."""
    from cxbridge.loop.views import loop_queue

    destination = destination_factory()
    destination.open()
    try:
        tracking.move(destination, worked["R9"].case_id, "open", actor="t")  # contacted, resolved, reopened
        [case] = [c for c in tracking.list_cases(destination) if c.case_id == worked["R9"].case_id]
        past = datetime(2001, 1, 1, tzinfo=timezone.utc)
        destination.write_loop(LoopChanges(cases=[case.model_copy(update={"due_at": past}).row()]))
        before = loop_queue(destination).replace(" AND c.first_contact_at IS NULL", "")
        sqlite = isinstance(destination, SQLiteDestination)
        execute = destination.db.execute if sqlite else destination.execute
        execute("DROP VIEW loop_queue")
        execute(f"CREATE VIEW loop_queue AS {before}")
        migrations = "_sqlite_migrations" if sqlite else "cxbridge_migrations"
        execute(f"DELETE FROM {migrations} WHERE name LIKE '%_overdue_before_contact'")
        if sqlite:
            destination.db.conn.commit()
        late = destination.query(f"SELECT overdue FROM loop_queue WHERE case_id = '{case.case_id}'")
    finally:
        destination.close()
    assert [bool(row["overdue"]) for row in late] == [True], "the view as it was"
    destination = destination_factory()
    destination.open()  # a sync's open applies the migration
    try:
        rows = destination.query(f"SELECT overdue FROM loop_queue WHERE case_id = '{case.case_id}'")
    finally:
        destination.close()
    assert [bool(row["overdue"]) for row in rows] == [False]


@pytest.mark.parametrize("destination_factory", ["sqlite"], indirect=True)
def test_report_loop_prints_the_same_figures(worked, destination_factory, workspace):
    import json

    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    database = destination_factory().path
    result = CliRunner().invoke(cli, ["report", "--loop", "--db", str(database), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["month"], r["location_id"], r["owner"]): (r["cases_opened"], r["median_hours_to_contact"],
            r["contacted_within_sla_pct"], r["closed_pct"], r["informed_pct"]) for r in rows} == expected_performance(worked)  # fmt: skip
    assert [r["location_id"] for r in rows] == sorted(r["location_id"] for r in rows)
    refused = CliRunner().invoke(cli, ["report", "--loop", "--metric", "nps", "--db", str(database)])
    assert refused.exit_code == 2 and "--loop reports cases per month, location and owner" in refused.output


@pytest.mark.parametrize("destination_factory", ["sqlite", "duckdb", "postgresql", "parquet"], indirect=True)
def test_a_destination_whose_sla_share_counted_cases_not_yet_due_gets_the_view_again(worked, destination_factory):
    """`loop_performance` as cxbridge made it while its SLA share was of every case opened, the
    uncontacted ones still within their SLA too: the next sync's open makes it again (SQLite
    0021, SQL 0017 migrations; a Parquet lake's queries define it anew each time, and the 0020
    migration writes `_cxbridge/views.sql` again for BI tools)."""

    from cxbridge.loop.views import loop_performance
    from cxbridge.sql_parts import count_if

    destination = destination_factory()
    destination.open()
    try:
        decided = count_if(f"c.first_contact_at IS NOT NULL OR {destination.is_past('c.due_at')}")
        before = loop_performance(destination).replace(decided, "COUNT(*)")
        assert before != loop_performance(destination)
        make_view_stale(destination, "loop_performance", now=loop_performance(destination), before=before,
                        migration="sla_share_of_decided_cases")  # fmt: skip
        if not isinstance(destination, ParquetDestination):
            stale = {row["contacted_within_sla_pct"] for row in destination.query("SELECT * FROM loop_performance")}
            assert 0.0 in stale, "the view as it was: S0's cases, none due yet, read 0 %"
    finally:
        destination.close()
    destination = destination_factory()
    destination.open()  # a sync's open applies the migration
    try:
        rows = destination.query("SELECT * FROM loop_performance")
        if isinstance(destination, ParquetDestination):
            assert loop_performance(destination).strip() in (destination.root / "_cxbridge" / "views.sql").read_text(
                encoding="utf-8")
    finally:
        destination.close()
    assert {(row["month"], row["location_id"], row["owner"]): row["contacted_within_sla_pct"] for row in rows} == {
        key: value[2] for key, value in expected_performance(worked).items()}  # fmt: skip
