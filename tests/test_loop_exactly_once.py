"""The loop's promise under load and under SIGKILL: each case opens once and each of its actions
is delivered once — 2,500 records with 250 detractors (three batches of the workspace's 1,000,
the last one part-full; five outbox chunks of 50 per action) give 250 cases and 250 deliveries
per action, a re-sync none; a `cxbridge sync` killed between its commit and its deliveries, or in
the middle of them, leaves nothing lost and, re-run, creates no second ticket."""

from __future__ import annotations

import os
import signal
from multiprocessing import Process
from multiprocessing.connection import wait

import pytest

from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id, delivery_id
from cxbridge.loop.outbox import CHUNK
from tests.conftest import Workspace, survey_row
from tests.killed_syncs import KillWhenRunFinished, forked_command
from tests.local_api import Reply, fake_api
from tests.zendesk_api import API_TOKEN, EMAIL, TicketDesk, ticket_desk

HOOK_PATH = "/hooks/loop-7c1e"
LOOP = """
[loop.rules.detractors]
actions = ["ops_hook", "ticket"]

[loop.actions.ops_hook]
type = "webhook"
url = "${{CX_HOOK_URL}}"

[loop.actions.ticket]
type = "zendesk"
base_url = "{desk}"
email = "{email}"
api_token = "${{ZENDESK_API_TOKEN}}"
requests_per_minute = 60000  # a test account: the default paces at Zendesk's smallest plan, 200 a minute
"""
@pytest.fixture
def far_ends(workspace: Workspace, monkeypatch):
    """A webhook receiver and the Zendesk ticket API, configured as the detractors' actions."""
    desk = TicketDesk()
    with fake_api() as hook, ticket_desk(desk) as zendesk:
        hook.route("POST", HOOK_PATH)(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", hook.url + HOOK_PATH)
        monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
        text = workspace.config.read_text(encoding="utf-8") + LOOP.format(desk=zendesk.url, email=EMAIL)
        workspace.config.write_text(text, encoding="utf-8")
        yield hook, desk, zendesk


def rows(count: int, *, every: int) -> list[list[str]]:
    """`count` responses of which every `every`-th is a detractor (NPS 3) and the rest promoters."""
    return [survey_row(n, nps=3 if n % every == 0 else 9) for n in range(1, count + 1)]


def expected_keys(count: int, *, every: int, action: str) -> list[str]:
    return sorted(delivery_id(case_id(record_id("survey", "rows", f"R{n}")), action) for n in range(every, count + 1, every))


def hook_keys(hook) -> list[str]:
    return sorted(seen.headers["Idempotency-Key"] for seen in hook.requests if seen.method == "POST")


def assert_each_case_delivered_once(
    workspace: Workspace, hook, desk: TicketDesk, *, count: int, every: int, resent: bool = False
) -> None:
    """One case per detractor, one ticket per case, one webhook key per case (sent once each, or
    with `resent` at least once: a receiver keeping the keys it saw takes each once)."""
    cases = count // every
    assert workspace.query("SELECT COUNT(*), COUNT(DISTINCT record_id) FROM feedback_cases") == [(cases, cases)]
    keys = hook_keys(hook)
    assert sorted(set(keys) if resent else keys) == expected_keys(count, every=every, action="ops_hook")
    tickets = sorted(ticket["external_id"] for ticket in desk.created.values())
    assert tickets == expected_keys(count, every=every, action="ticket"), "one ticket per case, none twice"
    assert workspace.query("SELECT status, COUNT(*) FROM loop_outbox GROUP BY status") == [("delivered", 2 * cases)]
    refs = {ref for (ref,) in workspace.query("SELECT external_ref FROM feedback_cases")}
    assert refs == {f"zendesk:{ticket_id}" for ticket_id in desk.created}


def test_records_over_several_batches_open_each_case_once_and_deliver_each_action_once(workspace, far_ends):
    hook, desk, _ = far_ends
    assert workspace.config.read_text(encoding="utf-8").count("batch_size = 1000") == 1 and CHUNK == 50
    workspace.write_csv(rows(2_500, every=10))
    [result] = workspace.sync().results
    assert (result.read, result.written, result.cases_opened) == (2_500, 2_500, 250)
    assert_each_case_delivered_once(workspace, hook, desk, count=2_500, every=10)
    for options in ({}, {"full_refresh": True}):  # a re-sync, and one reading every record again
        synced = workspace.sync(**options)
        [again] = synced.results
        assert (again.written, again.cases_opened, synced.deliveries.total_delivered) == (0, 0, 0)
    assert len(hook_keys(hook)) == 250 and len(desk.created) == 250


def run_cxbridge(workspace: Workspace, name: str, *args: str, kill_before_deliveries: bool = False) -> Process:
    """`cxbridge ARGS` in the workspace with this process's environment, in a process of its own
    forked from the server of tests/killed_syncs.py (not a new Python importing cxbridge), killed
    once its run finished, before its deliveries, if `kill_before_deliveries`; its output to the
    file NAME.output."""
    plugin = KillWhenRunFinished() if kill_before_deliveries else None
    return forked_command(list(args), cwd=workspace.root, output=workspace.root / f"{name}.output", plugin=plugin)


def output(workspace: Workspace, name: str) -> str:
    return (workspace.root / f"{name}.output").read_text(encoding="utf-8")


def test_sigkill_between_the_commit_and_the_deliveries_loses_and_doubles_nothing(workspace, far_ends):
    hook, desk, _ = far_ends
    workspace.write_csv(rows(300, every=10))
    killed = run_cxbridge(workspace, "killed", "sync", kill_before_deliveries=True)
    killed.join(300)
    assert killed.exitcode == -signal.SIGKILL
    assert workspace.query("SELECT status, COUNT(*) FROM loop_outbox GROUP BY status") == [("pending", 60)]
    assert not hook_keys(hook) and not desk.created, "killed before any delivery"
    rerun = run_cxbridge(workspace, "rerun", "sync")
    rerun.join(300)
    assert rerun.exitcode == 0, output(workspace, "rerun")
    assert "loop: delivered ops_hook 30, ticket 30" in output(workspace, "rerun")
    assert_each_case_delivered_once(workspace, hook, desk, count=300, every=10)


def test_sigkill_in_the_middle_of_the_deliveries_makes_no_second_ticket(workspace, far_ends):
    hook, desk, zendesk = far_ends
    workspace.write_csv(rows(300, every=10))
    running: list[Process] = []

    def kill_at_the_seventh(ticket: dict) -> None:  # Zendesk has created it; the answer never arrives
        if len(desk.created) == 7:
            os.kill(running[0].pid, signal.SIGKILL)
            wait([running[0].sentinel], 60)  # dead (not joined here: the test's thread joins it)

    desk.on_create = kill_at_the_seventh
    running.append(run_cxbridge(workspace, "killed", "sync"))
    running[0].join(300)
    assert running[0].exitcode == -signal.SIGKILL
    assert len(desk.created) == 7
    statuses = dict(workspace.query("SELECT status, COUNT(*) FROM loop_outbox WHERE action = 'ticket' GROUP BY status"))
    assert statuses.get("sending", 0) >= 1, "the attempt cut short is left as it was"
    desk.on_create = None
    rerun = run_cxbridge(workspace, "rerun", "sync")
    rerun.join(300)
    assert rerun.exitcode == 0, output(workspace, "rerun")
    assert_each_case_delivered_once(workspace, hook, desk, count=300, every=10, resent=True)
    looked_up = {seen.query["external_id"] for seen in zendesk.requests if seen.method == "GET" and "external_id" in seen.query}
    assert len(looked_up) == statuses["sending"], "each interrupted attempt was looked up by its external id"
