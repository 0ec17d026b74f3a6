"""Loop actions that create a ticket, task or case in an API a source plugin reads — Freshdesk,
HubSpot, Salesforce — against the local fakes of those APIs (request shapes from each vendor's
documented create endpoint, cited in the fakes): once per case, signed in as the source is,
429/503 retried in the run, any other failure visible and retried on a later run, and a create
whose answer was lost found again instead of made twice."""

from __future__ import annotations

import pytest

from cxbridge.config import load_config
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id, delivery_id
from cxbridge.loop.outbox import deliver_pending
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from tests.conftest import Workspace, survey_row
from tests.freshdesk_api import API_KEY, Helpdesk, freshdesk
from tests.local_api import Reply

ROWS = [survey_row(1, nps=3), survey_row(2, nps=9), survey_row(3, nps=10), survey_row(4, nps=0), survey_row(5, nps=8)]
DETRACTORS = ["R1", "R4"]  # NPS 0–6 in ROWS, worked out by hand


def with_loop(workspace: Workspace, text: str) -> None:
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + text, encoding="utf-8")


def key_of(native: str, action: str) -> str:
    return delivery_id(case_id(record_id("survey", "rows", native)), action)


def outbox(workspace: Workspace) -> dict[str, tuple]:
    """{native id: (status, attempts, external_ref, last_error)} of every delivery."""
    rows = workspace.query(
        "SELECT f.source_record_id, o.status, o.attempts, o.external_ref, o.last_error FROM loop_outbox o "
        "JOIN feedback_cases c ON c.case_id = o.case_id JOIN feedback f ON f.record_id = c.record_id"
    )
    return {native: tuple(rest) for native, *rest in rows}


def case_refs(workspace: Workspace) -> dict[str, str | None]:
    return dict(workspace.query("SELECT f.source_record_id, c.external_ref FROM feedback_cases c JOIN feedback f USING (record_id)"))


def deliver_again(workspace: Workspace) -> None:
    """A later run's deliveries: every row not delivered yet, its backoff waited out."""
    actions = {name: entry.build() for name, entry in load_config(workspace.config, create_host()).actions.items()}
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        deliver_pending(destination, actions, everything=True)
    for action in actions.values():
        action.close()


# --- Freshdesk ---------------------------------------------------------------------------------

FRESHDESK = """
[loop.rules.detractors]
actions = ["desk"]

[loop.actions.desk]
type = "freshdesk"
base_url = "{url}"
api_key = "${{FRESHDESK_API_KEY}}"
requester_email = "cx-team@example.com"
tags = ["cxbridge", "detractor"]
group_id = 12
"""


@pytest.fixture
def helpdesk(workspace, monkeypatch):
    desk = Helpdesk()
    with freshdesk(desk) as api:
        monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
        with_loop(workspace, FRESHDESK.format(url=api.url))
        workspace.write_csv(ROWS)
        yield desk, api


def tag_of(native: str) -> str:
    return f"cx-{key_of(native, 'desk')[:29]}"


def test_a_freshdesk_ticket_per_case_becomes_its_external_ref(workspace, helpdesk):
    desk, api = helpdesk
    workspace.sync()
    workspace.sync()
    workspace.sync(full_refresh=True)
    assert len(desk.created) == 2, "one ticket per case, however often the records are read"
    by_tag = {tag: ticket for ticket in desk.created.values() for tag in ticket["tags"] if tag.startswith("cx-")}
    assert sorted(by_tag) == sorted(tag_of(n) for n in DETRACTORS)
    ticket = by_tag[tag_of("R1")]
    assert (ticket["subject"], ticket["email"], ticket["status"], ticket["priority"], ticket["source"], ticket["group_id"]) == (
        "Detractors at S1: nps 3 (detractor)", "cx-team@example.com", 2, 3, 2, 12,
    )  # fmt: skip
    assert ticket["tags"][:2] == ["cxbridge", "detractor"]
    assert "Comment:<br>comment 1" in ticket["description"] and key_of("R1", "desk") in ticket["description"]
    assert {n: case_refs(workspace)[n] for n in DETRACTORS} == {n: f"freshdesk:{by_tag[tag_of(n)]['id']}" for n in DETRACTORS}
    posts = [seen for seen in api.requests if seen.method == "POST"]
    assert len(posts) == 2 and all(seen.headers["Authorization"].startswith("Basic ") for seen in posts)
    assert API_KEY.encode() not in workspace.db.read_bytes()


def test_of_two_actions_that_make_a_ticket_the_first_delivered_links_the_case_once(workspace, monkeypatch):
    """A rule with a Zendesk ticket and a Freshdesk ticket: the case becomes the first one
    delivered (in the outbox's order: created, then delivery id), once — one `external_ref`
    event, from no ref — and the status flowing back follows that ticket."""
    from tests.zendesk_api import API_TOKEN, EMAIL, TicketDesk, ticket_desk

    desk, zendesk = Helpdesk(), TicketDesk()
    with freshdesk(desk) as fd_api, ticket_desk(zendesk) as zd_api:
        monkeypatch.setenv("FRESHDESK_API_KEY", API_KEY)
        monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
        with_loop(workspace, FRESHDESK.format(url=fd_api.url).replace('actions = ["desk"]', 'actions = ["desk", "ticket"]') + f"""
[loop.actions.ticket]
type = "zendesk"
base_url = "{zd_api.url}"
email = "{EMAIL}"
api_token = "${{ZENDESK_API_TOKEN}}"
""")  # fmt: skip
        workspace.write_csv(ROWS)
        workspace.sync()
    made = {f"freshdesk:{t['id']}": t["tags"][-1] for t in desk.created.values()}
    made |= {f"zendesk:{t['id']}": t["external_id"] for t in zendesk.created.values()}
    for native in DETRACTORS:
        keys = {"desk": key_of(native, "desk"), "ticket": key_of(native, "ticket")}
        first = min(keys, key=lambda action: keys[action])  # one batch: one created_at, then by delivery id
        expected = next(ref for ref, key in made.items() if key in (keys[first], f"cx-{keys[first][:29]}"))
        assert case_refs(workspace)[native] == expected
        links = workspace.query("SELECT e.from_value, e.to_value FROM feedback_case_events e JOIN feedback_cases c "
                                "USING (case_id) WHERE e.kind = 'external_ref' AND c.record_id = ?",
                                (record_id("survey", "rows", native),))  # fmt: skip
        assert links == [(None, expected)]


def test_a_429_is_retried_in_the_run_and_a_500_on_the_next_run(workspace, helpdesk):
    desk, api = helpdesk
    api.fail(Reply(429, {"message": "slow down"}, headers={"Retry-After": "0"}), match="/api/v2/tickets")
    api.fail(Reply(500, {"message": "boom"}), match="/api/v2/tickets")  # the retry of the first, or the second
    result = workspace.sync()
    assert result.deliveries.total_delivered == 1 and result.deliveries.total_failed == 1
    [(failed, row)] = [(n, row) for n, row in outbox(workspace).items() if row[0] == "failed"]
    assert row[:3] == ("failed", 1, None) and "HTTP 500" in row[3] and row[3].startswith("desk: ")
    assert len(desk.created) == 1, "a 500 is not sent again in the run: it may have made the ticket"
    deliver_again(workspace)
    assert len(desk.created) == 2 and outbox(workspace)[failed][:2] == ("delivered", 2)
    assert case_refs(workspace)[failed] is not None


def test_a_ticket_whose_answer_was_lost_is_found_by_its_tag_not_made_twice(workspace, helpdesk):
    desk, api = helpdesk
    desk.lose_answers = 1
    first = workspace.sync()
    assert first.deliveries.total_failed == 1 and len(desk.created) == 2, "… though Freshdesk made both tickets"
    [failed] = [n for n, row in outbox(workspace).items() if row[0] == "failed"]
    deliver_again(workspace)
    assert len(desk.created) == 2
    lost = next(t for t in desk.created.values() if tag_of(failed) in t["tags"])
    assert outbox(workspace)[failed] == ("delivered", 2, f"freshdesk:{lost['id']}", None)
    assert any(seen.path == "/api/v2/search/tickets" for seen in api.requests)


def test_an_attempt_cut_short_is_looked_up_once_the_search_has_caught_up_not_made_twice(workspace, helpdesk):
    """A run killed while Freshdesk made a ticket leaves its delivery `sending`. Freshdesk's search
    shows a new ticket only after a while: a run right after the crash leaves the delivery be; one
    a minute after the cut-short attempt began finds the ticket instead of making a second."""
    from datetime import datetime, timedelta, timezone

    desk, api = helpdesk
    workspace.sync()
    [(made, ticket)] = [(n, t) for n in DETRACTORS[:1] for t in desk.created.values() if tag_of(n) in t["tags"]]
    began = datetime.now(timezone.utc)
    workspace.query(  # as the killed run left it: marked sending, its answer never stored
        "UPDATE loop_outbox SET status = 'sending', attempts = 1, last_attempt_at = ?, delivered_at = NULL, "
        "external_ref = NULL WHERE delivery_id = ?", (began.isoformat().replace("+00:00", "Z"), key_of(made, "desk")),
    )  # fmt: skip
    workspace.query("UPDATE feedback_cases SET external_ref = NULL WHERE record_id = ?", (record_id("survey", "rows", made),))
    desk.unindexed = {ticket["id"]}
    actions = {name: entry.build() for name, entry in load_config(workspace.config, create_host()).actions.items()}
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        right_after = deliver_pending(destination, actions, now=began + timedelta(seconds=5))
        assert len(desk.created) == 2 and right_after.total_delivered == 0
        assert outbox(workspace)[made][:2] == ("sending", 1), "left as the crash left it"
        desk.unindexed = set()
        later = deliver_pending(destination, actions, now=began + timedelta(minutes=1))
    for action in actions.values():
        action.close()
    assert later.total_delivered == 1 and len(desk.created) == 2, "found by its tag: no second ticket"
    assert outbox(workspace)[made][:3] == ("delivered", 2, f"freshdesk:{ticket['id']}")
    assert case_refs(workspace)[made] == f"freshdesk:{ticket['id']}"


def test_a_refused_ticket_says_why_in_freshdesks_words_without_a_sources_advice(workspace, helpdesk):
    desk, api = helpdesk
    api.fail(Reply(400, {"description": "Validation failed", "errors": [
        {"field": "group_id", "message": "There is no group matching the given group_id", "code": "invalid_value"}]}),
        match="/api/v2/tickets", times=2)  # fmt: skip
    workspace.sync()
    errors = {row[3] for row in outbox(workspace).values()}
    assert len(errors) == 1
    [error] = errors
    assert "HTTP 400 (Validation failed (group_id: There is no group matching the given group_id))" in error
    assert error.endswith("Freshdesk rejected the request") and "start_date" not in error


def test_a_key_the_freshdesk_source_only_reads_by_is_refused(workspace, helpdesk):
    with_loop(workspace, 'lookback_days = 5\n')
    with pytest.raises(Exception) as caught:
        workspace.sync()
    assert "loop.actions.desk: lookback_days: a key of the freshdesk source that an action does not use" in str(caught.value)


# --- HubSpot -----------------------------------------------------------------------------------

HUBSPOT = """
[loop.rules.detractors]
actions = ["crm_task"]
owner_by = "location"
owners = {{ S0 = "cx-lead@example.com" }}

[loop.actions.crm_task]
type = "hubspot"
base_url = "{url}"
access_token = "${{HUBSPOT_TOKEN}}"
owner_ids = {{ "cx-lead@example.com" = "5001" }}
"""
LINKS = {"R1": ("2", "2"), "R4": ("003C9", "")}  # R1: a HubSpot contact and company; R4: a Salesforce-style id


def with_crm_links(workspace: Workspace, links: dict[str, tuple[str, str]] = LINKS) -> None:
    """The survey's rows with a contact and account column, mapped to crm_contact_id/crm_account_id."""
    import csv

    from tests.conftest import SURVEY_HEADER

    text = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(text.replace('email = "email"\n', 'email = "email"\ncrm_contact_id = "contact"\n'
                                             'crm_account_id = "account"\n', 1), encoding="utf-8")  # fmt: skip
    with (workspace.root / "responses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*SURVEY_HEADER, "contact", "account"])
        writer.writerows([*row, *links.get(row[0], ("", ""))] for row in ROWS)


@pytest.fixture
def crm(workspace, monkeypatch):
    from tests.hubspot_api import TOKEN, crm_account, hubspot

    account = crm_account()
    with hubspot(account) as api:
        monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
        with_loop(workspace, HUBSPOT.format(url=api.url))
        with_crm_links(workspace)
        yield account, api


def test_a_hubspot_task_per_case_associated_with_its_contact_and_company(workspace, crm):
    from tests.hubspot_api import TOKEN

    account, api = crm
    workspace.sync()
    workspace.sync(full_refresh=True)
    assert len(account.tasks) == 2
    by_key = {key: task for task in account.tasks.values() for key in DETRACTORS
              if key_of(key, "crm_task") in task["properties"]["hs_task_body"].split()}  # fmt: skip
    r1, r4 = by_key["R1"], by_key["R4"]
    assert (r1["properties"]["hs_task_subject"], r1["properties"]["hs_task_status"], r1["properties"]["hs_task_priority"],
            r1["properties"]["hs_task_type"]) == ("Detractors at S1: nps 3 (detractor)", "NOT_STARTED", "HIGH", "CALL")  # fmt: skip
    [(due,)] = workspace.query("SELECT c.due_at FROM feedback_cases c JOIN feedback f USING (record_id) WHERE f.source_record_id = 'R1'")
    assert r1["properties"]["hs_timestamp"] == due, "the task is due when the case is"
    assert [(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in r1["associations"]] == [("2", 204), ("2", 192)]
    assert r4["associations"] == [], "an id HubSpot did not make is not associated"
    assert "hubspot_owner_id" not in r1["properties"] and r4["properties"]["hubspot_owner_id"] == "5001"
    refs = case_refs(workspace)
    assert {n: refs[n] for n in DETRACTORS} == {n: f"hubspot:task:{by_key[n]['id']}" for n in DETRACTORS}
    posts = [seen for seen in api.requests if seen.path == "/crm/v3/objects/tasks"]
    assert len(posts) == 2 and all(seen.headers["Authorization"].startswith("Bearer pat-") for seen in posts)
    assert TOKEN.encode() not in workspace.db.read_bytes()


def test_a_hubspot_task_whose_answer_was_lost_is_found_not_made_twice(workspace, crm):
    account, api = crm
    account.lose_answers = 1
    api.fail(Reply(429, {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT",
                         "policyName": "SECONDLY"}, headers={"Retry-After": "0"}), match="/crm/v3/objects/tasks")  # fmt: skip
    first = workspace.sync()
    assert (first.deliveries.total_delivered, first.deliveries.total_failed, len(account.tasks)) == (1, 1, 2)
    [failed] = [n for n, row in outbox(workspace).items() if row[0] == "failed"]
    deliver_again(workspace)
    assert len(account.tasks) == 2
    lost = next(t for t in account.tasks.values() if key_of(failed, "crm_task") in t["properties"]["hs_task_body"])
    assert outbox(workspace)[failed] == ("delivered", 2, f"hubspot:task:{lost['id']}", None)


# --- Salesforce --------------------------------------------------------------------------------

SALESFORCE = """
[loop.rules.detractors]
actions = ["sf_case"]

[loop.actions.sf_case]
type = "salesforce"
base_url = "{url}"
client_id = "{client_id}"
client_secret = "${{SF_CLIENT_SECRET}}"
origin = "Web"
"""
SF_CONTACT, SF_ACCOUNT = "003A0000012bcdE", "001A0000034fghI"  # 15-character ids, as Salesforce makes them


@pytest.fixture
def org(workspace, monkeypatch):
    from tests.salesforce_api import CLIENT_ID, CLIENT_SECRET, SalesforceOrg, salesforce, stamp

    org = SalesforceOrg()
    org.add("Contact", {"Id": SF_CONTACT, "AccountId": SF_ACCOUNT, "SystemModstamp": stamp(1)})
    org.add("Account", {"Id": SF_ACCOUNT, "Name": "Acme", "SystemModstamp": stamp(1)})
    with salesforce(org) as api:
        monkeypatch.setenv("SF_CLIENT_SECRET", CLIENT_SECRET)
        with_loop(workspace, SALESFORCE.format(url=api.url, client_id=CLIENT_ID))
        with_crm_links(workspace, {**LINKS, "R1": (SF_CONTACT, SF_ACCOUNT)})
        yield org, api


def test_a_salesforce_case_per_case_linked_to_its_contact_and_account(workspace, org):
    from tests.salesforce_api import CLIENT_SECRET

    org, api = org
    workspace.sync()
    workspace.sync(full_refresh=True)
    made = org.rows["Case"]
    assert len(made) == 2
    by_native = {n: next(c for c in made if c["Subject"].endswith(f"[cx {key_of(n, 'sf_case')[:12]}]")) for n in DETRACTORS}
    r1, r4 = by_native["R1"], by_native["R4"]
    assert r1["Subject"] == f"Detractors at S1: nps 3 (detractor) [cx {key_of('R1', 'sf_case')[:12]}]"
    assert (r1["Status"], r1["Origin"], r1["Priority"], r1["ContactId"], r1["AccountId"]) == ("New", "Web", "High", SF_CONTACT, SF_ACCOUNT)
    assert "Comment:\ncomment 1" in r1["Description"] and key_of("R1", "sf_case") in r1["Description"]
    assert "ContactId" not in r4 and "AccountId" not in r4, "an id Salesforce did not make is not linked"
    refs = case_refs(workspace)
    assert {n: refs[n] for n in DETRACTORS} == {n: f"salesforce:case:{by_native[n]['Id']}" for n in DETRACTORS}
    posts = [seen for seen in api.requests if seen.path.endswith("/sobjects/Case")]
    assert len(posts) == 2 and all(seen.headers["Authorization"].startswith("Bearer 00Dxx!session-") for seen in posts)
    stored = workspace.db.read_bytes()
    assert CLIENT_SECRET.encode() not in stored and b"00Dxx!session" not in stored


def test_a_salesforce_case_whose_answer_was_lost_is_found_not_made_twice(workspace, org):
    org, api = org
    org.lose_answers = 1
    api.fail(Reply(503, [{"message": "Server unavailable", "errorCode": "SERVER_UNAVAILABLE"}], headers={"Retry-After": "0"}),
             match="/sobjects/Case")  # fmt: skip
    first = workspace.sync()
    assert (first.deliveries.total_delivered, first.deliveries.total_failed, len(org.rows["Case"])) == (1, 1, 2)
    [failed] = [n for n, row in outbox(workspace).items() if row[0] == "failed"]
    deliver_again(workspace)
    assert len(org.rows["Case"]) == 2
    lost = next(c for c in org.rows["Case"] if key_of(failed, "sf_case")[:12] in c["Subject"])
    assert outbox(workspace)[failed] == ("delivered", 2, f"salesforce:case:{lost['Id']}", None)


def test_an_api_action_reads_its_files_next_to_the_config_wherever_it_runs(workspace, helpdesk, tmp_path, monkeypatch):
    elsewhere = tmp_path / "cron"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    [action] = [entry.build() for entry in load_config(workspace.config, create_host()).actions.values()]
    assert action.source.context.base_dir == workspace.config.parent != elsewhere
    action.close()
