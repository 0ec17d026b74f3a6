"""Status flowing back: `cxbridge sync` reads the status of the tickets, tasks and CRM cases its
actions made — on the local fakes of Zendesk, Freshdesk, HubSpot and Salesforce — and resolves
each case whose one is done there, in batched reads, only forward, never over a person's move —
on SQLite, and on DuckDB, PostgreSQL and Parquet as on SQLite."""

from __future__ import annotations

import json

import pytest

from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.loop import tracking
from tests.local_api import Reply
from tests.test_loop_actions import ZENDESK, DETRACTORS, with_loop
from tests.test_loop_api_actions import (
    FRESHDESK, HUBSPOT, ROWS, SALESFORCE, SF_ACCOUNT, SF_CONTACT, LINKS, with_crm_links,
)  # fmt: skip
from tests.zendesk_api import API_TOKEN, EMAIL, TicketDesk, ticket_desk


def cases(workspace) -> dict[str, tuple]:
    """{native id: (status, resolved_at is set, external_ref)} of every case."""
    rows = workspace.query("SELECT f.source_record_id, c.status, c.resolved_at, c.external_ref FROM feedback_cases c "
                           "JOIN feedback f USING (record_id)")  # fmt: skip
    return {native: (status, resolved is not None, ref) for native, status, resolved, ref in rows}


def system_moves(workspace) -> list[tuple]:
    return sorted(workspace.query("SELECT f.source_record_id, e.from_value, e.to_value, e.note FROM feedback_case_events e "
                                  "JOIN feedback_cases c USING (case_id) JOIN feedback f USING (record_id) "
                                  "WHERE e.kind = 'status' AND e.actor = 'cxbridge'"))  # fmt: skip


def move(workspace, native: str, **change) -> None:
    """A person's change to the case of record `native` (`cxbridge cases update` through the API)."""
    [(case_id,)] = workspace.query("SELECT c.case_id FROM feedback_cases c JOIN feedback f USING (record_id) "
                                   "WHERE f.source_record_id = ?", (native,))  # fmt: skip
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        tracking.update(destination, case_id, actor="anna", **change)


@pytest.fixture
def zendesk(workspace, monkeypatch):
    desk = TicketDesk()
    with ticket_desk(desk) as api:
        monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
        with_loop(workspace, ZENDESK.format(url=api.url, email=EMAIL))
        workspace.write_csv(ROWS)
        workspace.sync()
        yield desk, api


def ticket_of(desk: TicketDesk, workspace, native: str) -> dict:
    ref = cases(workspace)[native][2]
    return desk.created[int(ref.removeprefix("zendesk:"))]


def test_a_solved_zendesk_ticket_resolves_its_case_once_in_one_batched_read(workspace, zendesk):
    desk, api = zendesk
    assert {n: cases(workspace)[n][0] for n in DETRACTORS} == {"R1": "open", "R4": "open"}
    solved = ticket_of(desk, workspace, "R1")
    solved["status"] = "solved"
    ticket_of(desk, workspace, "R4")["status"] = "pending"
    result = workspace.sync()
    assert result.deliveries.resolved == {"ticket": 1}
    assert cases(workspace)["R1"][:2] == ("resolved", True) and cases(workspace)["R4"][:2] == ("open", False)
    assert system_moves(workspace) == [("R1", "open", "resolved", f"zendesk:{solved['id']} is solved")]
    reads = [seen for seen in api.requests if seen.path == "/api/v2/tickets/show_many"]
    assert len(reads) == 2, "one read a sync, not one per ticket"
    assert sorted(reads[-1].query["ids"].split(",")) == sorted(str(ticket_of(desk, workspace, n)["id"]) for n in DETRACTORS)
    ticket_of(desk, workspace, "R4")["status"] = "closed"
    workspace.sync()
    workspace.sync()
    assert [move[:3] for move in system_moves(workspace)] == [("R1", "open", "resolved"), ("R4", "open", "resolved")]
    assert len([seen for seen in api.requests if seen.path == "/api/v2/tickets/show_many"]) == 3, "resolved cases are read no more"


def test_a_persons_move_is_never_overridden(workspace, zendesk):
    desk, api = zendesk
    move(workspace, "R1", status="resolved", note="refund sent")
    move(workspace, "R1", status="open", note="she wrote again")  # reopened by a person: the ticket's word no longer counts
    move(workspace, "R4", status="contacted")
    for native in DETRACTORS:
        ticket_of(desk, workspace, native)["status"] = "solved"
    result = workspace.sync()
    assert result.deliveries.resolved == {"ticket": 1}
    assert cases(workspace)["R1"][0] == "open" and cases(workspace)["R4"][0] == "resolved", "contacted → resolved is forward"
    assert [m[:3] for m in system_moves(workspace)] == [("R4", "contacted", "resolved")]


def test_a_case_a_person_closed_or_relinked_is_left_alone(workspace, zendesk):
    desk, api = zendesk
    move(workspace, "R1", status="closed_no_action", reason="test answer from staff")
    move(workspace, "R4", external_ref="ZD-1042")
    for ticket in desk.created.values():
        ticket["status"] = "solved"
    result = workspace.sync()
    assert not result.deliveries.resolved and system_moves(workspace) == []
    assert cases(workspace)["R1"][0] == "closed_no_action" and cases(workspace)["R4"][0] == "open"


def test_a_status_read_that_fails_changes_nothing_and_is_tried_next_sync(workspace, zendesk):
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    desk, api = zendesk
    ticket_of(desk, workspace, "R1")["status"] = "solved"
    api.fail(Reply(500, {"error": "boom"}, headers={"Retry-After": "0"}), match="/show_many", times=3)  # every attempt
    failed = workspace.sync()
    assert failed.exit_code == 0 and not failed.deliveries.resolved
    [error] = failed.deliveries.errors
    assert error.startswith("ticket: status not read: ticket: GET http://127.0.0.1:") and error.endswith(
        "/api/v2/tickets/show_many: HTTP 500 after 3 attempts; re-run later"
    )  # fmt: skip
    assert cases(workspace)["R1"][0] == "open"
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 0, result.output
    assert "loop: delivered none · resolved where they were made: ticket 1" in result.output.splitlines()
    assert cases(workspace)["R1"][0] == "resolved"
    result = CliRunner().invoke(cli, ["sync", "--format", "json"])
    assert not [line for line in result.output.splitlines() if '"loop_deliveries"' in line], "nothing new: no loop line"


def test_resolved_and_closed_freshdesk_tickets_resolve_their_cases(workspace, monkeypatch):
    from tests.freshdesk_api import API_KEY, Helpdesk, freshdesk, now

    desk = Helpdesk()
    with freshdesk(desk) as api:
        monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
        with_loop(workspace, FRESHDESK.format(url=api.url))
        workspace.write_csv(ROWS)
        workspace.sync()
        by_ref = {f"freshdesk:{ticket['id']}": ticket for ticket in desk.created.values()}
        refs = {n: cases(workspace)[n][2] for n in DETRACTORS}
        by_ref[refs["R1"]] |= {"status": 4, "updated_at": now()}
        workspace.sync()
        assert cases(workspace)["R1"][0] == "resolved" and cases(workspace)["R4"][0] == "open"
        by_ref[refs["R4"]] |= {"status": 5, "updated_at": now()}
        workspace.sync()
        lists = [seen for seen in api.requests if seen.method == "GET" and seen.path == "/api/v2/tickets"]
    assert [m[2:] for m in system_moves(workspace)] == [("resolved", f"{refs['R1']} is Resolved"), ("resolved", f"{refs['R4']} is Closed")]
    assert lists[0].query["updated_since"] <= min(ticket["created_at"] for ticket in desk.created.values())
    assert len(lists) == 3, "one page of 100 a sync while a case is followed"


def test_a_freshdesk_ticket_past_the_300_pages_of_one_listing_still_resolves_its_case(workspace, monkeypatch):
    """A busy help desk: more than 300 pages of tickets changed since the oldest followed case
    opened. Freshdesk lists no more than 300 pages at once; the listing goes on from the last
    ticket seen, as the freshdesk source's does, instead of failing every sync. The status read
    asks for pages of 10 tickets here, not its 100: the cap counts pages, whatever their size, so
    3,005 busy tickets fill the 300 pages and leave the last page's few as 30,050 did at 100 a
    page (the fake help desk filtered and sorted all of them for each of the 301 pages, and
    they were most of the test's time)."""
    from datetime import datetime, timedelta, timezone

    from cxbridge.plugins.actions import freshdesk as actions
    from tests.freshdesk_api import API_KEY, Helpdesk, freshdesk

    per_page = 10
    monkeypatch.setattr(actions, "TICKETS_A_PAGE", per_page)
    start = datetime.now(timezone.utc) + timedelta(minutes=1)

    def later(seconds: int) -> str:
        return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    desk = Helpdesk(limit_total=100_000, remaining=100_000)
    with freshdesk(desk) as api:
        monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
        with_loop(workspace, FRESHDESK.format(url=api.url))
        workspace.write_csv(ROWS)
        workspace.sync()
        busy = [{"id": 100_000 + n, "status": 2, "updated_at": later(n)} for n in range(300 * per_page + 5)]
        desk.tickets.extend(busy)
        refs = {n: cases(workspace)[n][2] for n in DETRACTORS}
        desk.created[int(refs["R1"].removeprefix("freshdesk:"))] |= {"status": 4, "updated_at": later(len(busy))}
        before = len(api.requests)
        result = workspace.sync()
        lists = [seen for seen in api.requests[before:] if seen.method == "GET" and seen.path == "/api/v2/tickets"]
    assert result.deliveries.errors == []
    assert cases(workspace)["R1"][0] == "resolved" and cases(workspace)["R4"][0] == "open"
    assert len(lists) == 300 + 1, "300 pages, then one from the last ticket seen: it, the 6 after it and R1's"
    assert {seen.query["per_page"] for seen in lists} == {str(per_page)}
    assert lists[-1].query["updated_since"] == later(300 * per_page - 2), "R4's ticket and 2,999 busy ones fill 300 pages"


def test_a_completed_hubspot_task_resolves_its_case_through_a_batch_read(workspace, monkeypatch):
    from tests.hubspot_api import TOKEN, crm_account, hubspot

    account = crm_account()
    with hubspot(account) as api:
        monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
        with_loop(workspace, HUBSPOT.format(url=api.url))
        with_crm_links(workspace)
        workspace.sync()
        ref = cases(workspace)["R4"][2]
        account.tasks[ref.removeprefix("hubspot:task:")]["properties"]["hs_task_status"] = "COMPLETED"
        result = workspace.sync()
        reads = [seen.json() for seen in api.requests if seen.path == "/crm/v3/objects/tasks/batch/read"]
    assert result.deliveries.resolved == {"crm_task": 1}
    assert cases(workspace)["R4"][0] == "resolved" and cases(workspace)["R1"][0] == "open"
    assert system_moves(workspace) == [("R4", "open", "resolved", f"{ref} is COMPLETED")]
    assert len(reads) == 2 and sorted(i["id"] for i in reads[-1]["inputs"]) == sorted(
        cases(workspace)[n][2].removeprefix("hubspot:task:") for n in DETRACTORS
    ) and reads[-1]["properties"] == ["hs_task_status"]  # fmt: skip


def test_a_closed_salesforce_case_resolves_its_case_through_one_query(workspace, monkeypatch):
    from tests.salesforce_api import CLIENT_ID, CLIENT_SECRET, SalesforceOrg, salesforce, stamp

    org = SalesforceOrg()
    org.add("Contact", {"Id": SF_CONTACT, "AccountId": SF_ACCOUNT, "SystemModstamp": stamp(1)})
    org.add("Account", {"Id": SF_ACCOUNT, "Name": "Acme", "SystemModstamp": stamp(1)})
    with salesforce(org) as api:
        monkeypatch.setenv("SF_CLIENT_SECRET", CLIENT_SECRET)
        with_loop(workspace, SALESFORCE.format(url=api.url, client_id=CLIENT_ID))
        with_crm_links(workspace, {**LINKS, "R1": (SF_CONTACT, SF_ACCOUNT)})
        workspace.sync()
        ref = cases(workspace)["R1"][2]
        made = next(row for row in org.rows["Case"] if f"salesforce:case:{row['Id']}" == ref)
        made |= {"Status": "Closed", "IsClosed": True}
        workspace.sync()
        queries = [seen.query["q"] for seen in api.requests if seen.path.endswith("/query") and "IsClosed" in seen.query.get("q", "")]
    assert cases(workspace)["R1"][0] == "resolved" and cases(workspace)["R4"][0] == "open"
    assert system_moves(workspace) == [("R1", "open", "resolved", f"{ref} is Closed")]
    assert len(queries) == 2 and all(case_id in queries[-1] for case_id in (r.removeprefix("salesforce:case:")
                                                                            for r in (cases(workspace)[n][2] for n in DETRACTORS)))  # fmt: skip


def test_the_json_summary_counts_the_cases_resolved(workspace, zendesk):
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    desk, api = zendesk
    ticket_of(desk, workspace, "R4")["status"] = "closed"
    result = CliRunner().invoke(cli, ["sync", "--format", "json"])
    [line] = [json.loads(line) for line in result.output.splitlines() if '"loop_deliveries"' in line]
    assert (line["resolved"], line["delivered"], line["failed"]) == ({"ticket": 1}, {}, {})


@pytest.mark.parametrize("kind", ["duckdb", "postgresql", "parquet"])
def test_status_flows_back_on_every_destination_as_on_sqlite(workspace, monkeypatch, request, tmp_path, kind):
    from cxbridge.plugins.duckdb.destination import DuckDBDestination
    from cxbridge.plugins.parquet.destination import ParquetDestination
    from cxbridge.plugins.postgres.destination import PostgresDestination

    if kind == "postgresql":
        url = request.getfixturevalue("postgres_database")("loop_status")
        make = lambda: PostgresDestination(url)  # noqa: E731
    else:
        make = {"duckdb": lambda: DuckDBDestination(f"duckdb:///{tmp_path / 'loop.duckdb'}"),
                "parquet": lambda: ParquetDestination(f"parquet:///{tmp_path / 'lake'}")}[kind]  # fmt: skip
    desk = TicketDesk()
    with ticket_desk(desk) as api:
        monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
        with_loop(workspace, ZENDESK.format(url=api.url, email=EMAIL))
        workspace.write_csv(ROWS)
        workspace.sync(destination=make().url)
        with make() as destination:
            destination.open()
            first = {case.case_id: case for case in tracking.list_cases(destination)}
            solved, waiting = sorted(first, key=lambda case_id: first[case_id].external_ref or "")  # two detractors' tickets
            tracking.update(destination, waiting, actor="anna", status="contacted")
        desk.created[int(first[solved].external_ref.removeprefix("zendesk:"))]["status"] = "solved"
        result = workspace.sync(destination=make().url)
        with make() as destination:
            destination.open()
            after = {case.case_id: case.status for case in tracking.list_cases(destination)}
            resolved_at = next(case.resolved_at for case in tracking.list_cases(destination) if case.case_id == solved)
            events = destination.query("SELECT case_id, actor, kind, from_value, to_value, note FROM feedback_case_events "
                                       "WHERE actor = 'cxbridge' AND kind = 'status'")  # fmt: skip
    assert result.deliveries.resolved == {"ticket": 1}
    assert after == {solved: "resolved", waiting: "contacted"}
    assert resolved_at is not None
    assert [(e["case_id"], e["from_value"], e["to_value"], e["note"]) for e in events] == [
        (solved, "open", "resolved", f"{first[solved].external_ref} is solved")
    ]
