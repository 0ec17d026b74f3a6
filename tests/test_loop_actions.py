"""Loop actions delivered through the outbox to real servers on 127.0.0.1: a webhook receiver,
Slack- and Teams-style hooks, an SMTP server (aiosmtpd) and the Zendesk ticket API — once per
case and action, retried with backoff after a failure, never with a secret in sight."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from cxbridge.config import load_config
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id, delivery_id
from cxbridge.loop.outbox import DeliveryReport, backoff, deliver_pending
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from cxbridge.timestamps import parse_timestamp
from tests.conftest import Workspace, survey_row
from tests.local_api import Reply, fake_api
from tests.zendesk_api import API_TOKEN, EMAIL, TicketDesk, ticket_desk

HOOK_PATH = "/services/T0CX/B0LOOP/xoxb-secret-path-9d1f"
HOOK_TOKEN = "Bearer hook-token-5e8a1c"
ROWS = [
    survey_row(1, nps=3),
    survey_row(2, nps=9, satisfaction="Very dissatisfied"),
    survey_row(3, nps=10),
    survey_row(4, nps=0),
    survey_row(5, nps=8),
]
DETRACTORS = ["R1", "R4"]  # NPS 0–6 in ROWS, worked out by hand
DISSATISFIED = ["R2"]


def with_loop(workspace: Workspace, text: str) -> None:
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + text, encoding="utf-8")


def key_of(native: str, action: str) -> str:
    """The idempotency key of one case's action, from the record's native id."""
    return delivery_id(case_id(record_id("survey", "rows", native)), action)


def outbox(workspace: Workspace) -> dict[tuple[str, str], tuple]:
    """{(native id, action): (status, attempts, external_ref, last_error)} of every delivery."""
    rows = workspace.query(
        "SELECT f.source_record_id, o.action, o.status, o.attempts, o.external_ref, o.last_error FROM loop_outbox o "
        "JOIN feedback_cases c ON c.case_id = o.case_id JOIN feedback f ON f.record_id = c.record_id"
    )
    return {(native, action): tuple(rest) for native, action, *rest in rows}


def posts(api) -> list:
    """The POST requests a local server received, in order."""
    return [seen for seen in api.requests if seen.method == "POST"]


def deliver_again(workspace: Workspace, **options) -> DeliveryReport:
    """Run the outbox once more outside a sync, with the workspace config's actions."""
    actions = {name: entry.build() for name, entry in load_config(workspace.config, create_host()).actions.items()}
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        return deliver_pending(destination, actions, **options)


@pytest.fixture
def hook(monkeypatch):
    with fake_api() as api:
        api.route("POST", HOOK_PATH)(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", api.url + HOOK_PATH)
        monkeypatch.setenv("CX_HOOK_TOKEN", HOOK_TOKEN)
        yield api


def webhook_config(kind: str = "webhook", name: str = "ops_hook", rule: str = "detractors") -> str:
    return f"""
[loop.rules.{rule}]
actions = ["{name}"]

[loop.actions.{name}]
type = "{kind}"
url = "${{CX_HOOK_URL}}"
headers = {{ Authorization = "${{CX_HOOK_TOKEN}}" }}
"""


def test_each_case_is_posted_once_with_its_idempotency_key(workspace, hook, caplog):
    with_loop(workspace, webhook_config())
    workspace.write_csv(ROWS)
    caplog.set_level(logging.DEBUG)
    result = workspace.sync()
    posted = posts(hook)
    assert sorted(seen.headers["Idempotency-Key"] for seen in posted) == sorted(key_of(n, "ops_hook") for n in DETRACTORS)
    assert all(seen.headers["Authorization"] == HOOK_TOKEN for seen in posted)
    bodies = {seen.json()["case"]["case_id"]: seen.json() for seen in posted}
    first = bodies[case_id(record_id("survey", "rows", "R1"))]
    assert first["event"] == "case_opened" and first["action"] == "ops_hook"
    assert (first["case"]["rule"], first["case"]["matched"], first["case"]["status"]) == ("detractors", "nps 3 (detractor)", "open")
    assert (first["record"]["nps"], first["record"]["comment"]) == (3, "comment 1")
    assert "person1@example.com" not in json.dumps(first)
    assert result.deliveries.delivered == {"ops_hook": 2} and not result.deliveries.failed
    assert outbox(workspace) == {(n, "ops_hook"): ("delivered", 1, None, None) for n in DETRACTORS}
    assert workspace.query("SELECT COUNT(*) FROM feedback_case_events WHERE kind = 'delivered'") == [(2,)]
    workspace.sync()
    workspace.sync(full_refresh=True)
    assert len(posts(hook)) == 2, "a re-read record sends nothing again"
    stored = workspace.db.read_bytes() + b"".join(p.read_bytes() for p in workspace.root.glob("cxbridge.db-*"))
    text = caplog.text
    for secret in (HOOK_PATH, "xoxb-secret-path", HOOK_TOKEN, "hook-token-5e8a1c"):
        assert secret.encode() not in stored and secret not in text


def test_a_failed_delivery_waits_its_backoff_and_is_retried(workspace, hook):
    with_loop(workspace, webhook_config())
    hook.fail(Reply(503, {"error": "busy"}, headers={"Retry-After": "120"}))  # the first POST only
    workspace.write_csv(ROWS)
    result = workspace.sync()
    assert result.deliveries.total_delivered == 1 and result.deliveries.total_failed == 1
    [failed] = [(native, row) for (native, _), row in outbox(workspace).items() if row[0] == "failed"]
    assert failed[1] == ("failed", 1, None, "ops_hook: HTTP 503, busy or failing for now")
    [(attempted, next_at)] = workspace.query("SELECT last_attempt_at, next_attempt_at FROM loop_outbox WHERE status = 'failed'")
    due = parse_timestamp(next_at)
    assert due - parse_timestamp(attempted) == timedelta(seconds=120) > backoff(1)  # Retry-After beat 1 min
    assert workspace.query("SELECT kind, to_value, note FROM feedback_case_events WHERE kind = 'delivery_failed'") == [
        ("delivery_failed", "ops_hook", "ops_hook: HTTP 503, busy or failing for now")
    ]
    early = deliver_again(workspace, now=due - timedelta(seconds=1))
    assert (early.total_delivered, early.waiting) == (0, 1)
    on_time = deliver_again(workspace, now=due)
    assert on_time.delivered == {"ops_hook": 1}
    assert outbox(workspace)[(failed[0], "ops_hook")] == ("delivered", 2, None, None)
    keys = [seen.headers["Idempotency-Key"] for seen in posts(hook)]
    assert len(keys) == 3 and len(set(keys)) == 2, "the retry carries the first attempt's key"


def test_a_delivery_still_owed_is_not_sent_for_a_case_a_person_closed_until_it_is_reopened(workspace, hook):
    """The hook failed; meanwhile a person closed one case as a test answer. When the hook works
    again, only the open case's notice goes: a closed case opens no ticket and pings nobody — and
    its delivery waits, sent if the case is reopened."""
    from cxbridge.loop import tracking

    with_loop(workspace, webhook_config())
    hook.fail(Reply(503, {"error": "busy"}), times=2)
    workspace.write_csv(ROWS)
    assert workspace.sync().deliveries.total_failed == len(DETRACTORS)
    closed, still_open = DETRACTORS
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        tracking.move(destination, case_id(record_id("survey", "rows", closed)), "closed_no_action", actor="anna",
                      reason="test answer from staff")  # fmt: skip
    later = deliver_again(workspace, everything=True)
    sent = [seen.headers["Idempotency-Key"] for seen in posts(hook)[2:]]
    assert sent == [key_of(still_open, "ops_hook")]
    assert (later.delivered, later.held) == ({"ops_hook": 1}, 1)
    assert outbox(workspace)[(closed, "ops_hook")][:2] == ("failed", 1), "left as it was"
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        tracking.move(destination, case_id(record_id("survey", "rows", closed)), "open", actor="anna")
    reopened = deliver_again(workspace, everything=True)
    assert (reopened.delivered, reopened.held) == ({"ops_hook": 1}, 0)
    assert [seen.headers["Idempotency-Key"] for seen in posts(hook)[3:]] == [key_of(closed, "ops_hook")]


@pytest.mark.parametrize("attempts", [1, 2, 3, 9, 10, 20])
def test_backoff_doubles_from_a_minute_up_to_six_hours(attempts):
    assert backoff(attempts) == min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=6))


def test_slack_and_teams_get_a_message_a_person_reads(workspace, hook):
    with_loop(workspace, webhook_config("slack", "cx_channel") + webhook_config("teams", "cx_team", "dissatisfied"))
    workspace.write_csv(ROWS)
    workspace.sync()
    bodies = [seen.json() for seen in posts(hook)]
    slack = sorted(body["text"] for body in bodies if "text" in body)
    assert [text.splitlines()[0] for text in slack] == [
        "*Detractors at S0: nps 0 (detractor)*", "*Detractors at S1: nps 3 (detractor)*",
    ]  # fmt: skip
    assert "Comment:\ncomment 1" in next(text for text in slack if "nps 3" in text)
    [teams] = [body for body in bodies if "attachments" in body]
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == "Dissatisfied at S2: csat 1 (dissatisfied)"


def test_an_action_plugin_type_that_is_not_installed_is_a_config_error(workspace):
    with_loop(workspace, "\n[loop.actions.pager]\ntype = 'pagerduty'\n")
    workspace.write_csv(ROWS)
    with pytest.raises(Exception) as caught:
        workspace.sync()
    assert "loop.actions.pager.type: unknown loop action type 'pagerduty'; installed: email, freshdesk, hubspot, salesforce, slack, teams, webhook, zendesk" in str(caught.value)


def test_a_webhook_url_typed_into_the_file_is_refused(workspace):
    with_loop(workspace, "\n[loop.actions.hook]\ntype = 'webhook'\nurl = 'https://hooks.example.com/T0/B0/secret'\n")
    workspace.write_csv(ROWS)
    with pytest.raises(Exception) as caught:
        workspace.sync()
    assert "loop.actions.hook.url: secrets never go into the config file" in str(caught.value)
    assert "hooks.example.com/T0/B0/secret" not in str(caught.value)


@pytest.fixture
def desk(monkeypatch):
    desk = TicketDesk()
    with ticket_desk(desk) as api:
        monkeypatch.setenv("ZENDESK_API_TOKEN", API_TOKEN)
        desk.url = api.url
        yield desk, api


ZENDESK = """
[loop.rules.detractors]
actions = ["ticket"]

[loop.actions.ticket]
type = "zendesk"
base_url = "{url}"
email = "{email}"
api_token = "${{ZENDESK_API_TOKEN}}"
tags = ["cxbridge", "detractor"]
"""


def test_a_zendesk_ticket_per_case_becomes_its_external_ref(workspace, desk):
    desk, api = desk
    with_loop(workspace, ZENDESK.format(url=api.url, email=EMAIL))
    workspace.write_csv(ROWS)
    workspace.sync()
    workspace.sync(full_refresh=True)
    assert sorted(ticket["external_id"] for ticket in desk.created.values()) == sorted(key_of(n, "ticket") for n in DETRACTORS)
    ticket = next(t for t in desk.created.values() if t["external_id"] == key_of("R1", "ticket"))
    assert (ticket["subject"], ticket["priority"], ticket["tags"]) == ("Detractors at S1: nps 3 (detractor)", "high", ["cxbridge", "detractor"])
    assert "Comment:\ncomment 1" in ticket["comment"]["body"] and ticket["comment"]["public"] is False
    refs = dict(workspace.query("SELECT f.source_record_id, c.external_ref FROM feedback_cases c JOIN feedback f USING (record_id)"))
    by_key = {t["external_id"]: f"zendesk:{t['id']}" for t in desk.created.values()}
    assert {n: refs[n] for n in DETRACTORS} == {n: by_key[key_of(n, "ticket")] for n in DETRACTORS}
    assert refs["R2"] is None, "a case whose rule has no ticket action has no external ref"
    linked = workspace.query("SELECT actor, to_value, note FROM feedback_case_events WHERE kind = 'external_ref'")
    assert sorted(linked) == sorted(("cxbridge", refs[n], "created by ticket") for n in DETRACTORS)


def test_an_answer_lost_after_zendesk_created_the_ticket_makes_no_second_one(workspace, desk):
    desk, api = desk
    with_loop(workspace, ZENDESK.format(url=api.url, email=EMAIL))
    desk.lose_answers = 1  # Zendesk creates the first ticket, and its answer never arrives
    workspace.write_csv(ROWS)
    first = workspace.sync()
    assert first.deliveries.total_failed == 1 and len(desk.created) == 2, "… though the ticket was created"
    deliver_again(workspace, everything=True)
    assert len(desk.created) == 2, "the retry's Idempotency-Key got the first ticket back"
    assert {row[0] for row in outbox(workspace).values()} == {"delivered"}


def test_email_reaches_a_real_smtp_server_once_per_case(workspace, monkeypatch):
    from tests.smtp_server import smtp_server

    with smtp_server(username="cx-bot", password="smtp-pass-77aa") as server:
        monkeypatch.setenv("SMTP_PASSWORD", "smtp-pass-77aa")
        with_loop(workspace, f"""
[loop.rules.detractors]
owner_by = "location"
owners = {{ S1 = "anna@example.com" }}
owner = "cx-lead@example.com"
actions = ["mail"]

[loop.actions.mail]
type = "email"
host = "127.0.0.1"
port = {server.port}
security = "none"
username = "cx-bot"
password = "${{SMTP_PASSWORD}}"
sender = "cxbridge@example.com"
to = ["cx-team@example.com"]
to_owner = true
""")
        workspace.write_csv(ROWS)
        workspace.sync()
        workspace.sync()
    messages = {message["Message-ID"]: message for message in server.messages}
    assert sorted(messages) == sorted(f"<{key_of(n, 'mail')}@cxbridge>" for n in DETRACTORS)
    anna = messages[f"<{key_of('R1', 'mail')}@cxbridge>"]
    assert anna["Subject"] == "[cxbridge] Detractors at S1: nps 3 (detractor)"
    assert anna["To"] == "cx-team@example.com, anna@example.com"
    assert sorted(server.envelopes[anna["Message-ID"]]) == ["anna@example.com", "cx-team@example.com"]
    body = anna.get_content().replace("\r\n", "\n")
    assert "Owner: anna@example.com · due " in body and body.endswith("Comment:\ncomment 1\n")
    lead = messages[f"<{key_of('R4', 'mail')}@cxbridge>"]
    assert lead["To"] == "cx-team@example.com, cx-lead@example.com"
    assert server.logins == [("cx-bot", "smtp-pass-77aa")] * 1
    assert b"smtp-pass-77aa" not in workspace.db.read_bytes()


def test_an_e_mail_one_recipient_refused_reaches_the_others_once_and_says_who_was_refused(workspace, monkeypatch):
    """The owner's mailbox is gone: the team gets the message once — not again at every retry
    of a delivery that can never reach the owner — and the refusal is in the summary and the case."""
    from tests.smtp_server import smtp_server

    with smtp_server(unknown=frozenset({"gone@example.com"})) as server:
        with_loop(workspace, f"""
[loop.rules.detractors]
owner_by = "location"
owners = {{ S1 = "gone@example.com" }}
owner = "cx-lead@example.com"
actions = ["mail"]

[loop.actions.mail]
type = "email"
host = "127.0.0.1"
port = {server.port}
security = "none"
sender = "cxbridge@example.com"
to = ["cx-team@example.com"]
to_owner = true
""")
        workspace.write_csv(ROWS)
        result = workspace.sync()
        later = [deliver_again(workspace, everything=True) for _ in range(2)]
        workspace.sync()
    got = [(message["Message-ID"], sorted(server.envelopes[message["Message-ID"]])) for message in server.messages]
    owners = {"R1": "gone@example.com", "R4": "cx-lead@example.com"}  # R1 is of store S1 (survey_row: S{n % 4})
    assert sorted(got) == sorted(
        (f"<{key_of(n, 'mail')}@cxbridge>", sorted({"cx-team@example.com", owners[n]} - {"gone@example.com"}))
        for n in DETRACTORS
    ), "each message once, to every recipient the server took"
    assert result.deliveries.delivered == {"mail": 2} and not any(r.delivered or r.failed for r in later)
    assert outbox(workspace)[("R1", "mail")][:2] == ("delivered", 1)
    assert result.deliveries.errors == [f"mail (case {case_id(record_id('survey', 'rows', 'R1'))}): delivered, "
                                        "but the SMTP server refused gone@example.com (550)"]  # fmt: skip
    [(note,)] = workspace.query("SELECT e.note FROM feedback_case_events e JOIN feedback_cases c USING (case_id) "
                                f"WHERE e.kind = 'delivered' AND c.record_id = '{record_id('survey', 'rows', 'R1')}'")  # fmt: skip
    assert note == f"<{key_of('R1', 'mail')}@cxbridge>; the SMTP server refused gone@example.com (550)"


def test_a_refused_smtp_login_is_a_failed_delivery_naming_the_action(workspace, monkeypatch):
    from tests.smtp_server import smtp_server

    with smtp_server(username="cx-bot", password="right") as server:
        monkeypatch.setenv("SMTP_PASSWORD", "wrong-pass-31")
        with_loop(workspace, f"""
[loop.rules.detractors]
actions = ["mail"]

[loop.actions.mail]
type = "email"
host = "127.0.0.1"
port = {server.port}
security = "none"
username = "cx-bot"
password = "${{SMTP_PASSWORD}}"
sender = "cxbridge@example.com"
to = ["cx-team@example.com"]
""")
        workspace.write_csv(ROWS)
        result = workspace.sync()
    assert result.deliveries.total_failed == 2 and not server.messages
    errors = {row[3] for row in outbox(workspace).values()}
    assert errors == {"mail: the SMTP server refused the username and password"}
    assert b"wrong-pass-31" not in workspace.db.read_bytes()


def test_cli_prints_what_was_delivered_and_what_failed(workspace, hook):
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    with_loop(workspace, webhook_config())
    hook.fail(Reply(500, "boom"))
    workspace.write_csv(ROWS)
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "loop: delivered ops_hook 1 · failed 1 (retried later)" in lines
    assert any(line.startswith("  ⚠ ops_hook (case ") and "HTTP 500" in line for line in lines)
    result = CliRunner().invoke(cli, ["cases", "deliver", "--all", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["delivered"], report["failed"], report["waiting"]) == ({"ops_hook": 1}, {}, 0)
    assert HOOK_PATH not in result.output
