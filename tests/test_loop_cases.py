"""Cases opened at sync time: which records open one (the default rules and configured ones),
once per record however often it is read, and never for feedback that is not new."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from cxbridge.errors import ConfigError
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id
from tests.conftest import Workspace, survey_row




def cases(workspace: Workspace) -> dict[str, tuple]:
    """{source_record_id: (rule, matched, status, owner)} of every stored case."""
    rows = workspace.query(
        "SELECT f.source_record_id, c.rule, c.matched, c.status, c.owner FROM feedback_cases c "
        "JOIN feedback f ON f.record_id = c.record_id"
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def with_loop(workspace: Workspace, text: str) -> None:
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_default_rules_open_a_case_per_detractor_or_dissatisfied_customer(workspace):
    rows = [
        survey_row(1, nps=3),  # detractor
        survey_row(2, nps=6, satisfaction="Very dissatisfied"),  # both: the detractor rule comes first
        survey_row(3, nps=8, satisfaction="Dissatisfied"),  # passive, dissatisfied
        survey_row(4, nps=7, satisfaction="Neutral"),
        survey_row(5, nps=10),
        survey_row(6, nps=0, satisfaction="Very satisfied"),
    ]
    workspace.write_csv(rows)
    [result] = workspace.sync().results
    assert result.cases_opened == 4
    assert cases(workspace) == {
        "R1": ("detractors", "nps 3 (detractor)", "open", None),
        "R2": ("detractors", "nps 6 (detractor)", "open", None),
        "R3": ("dissatisfied", "csat 2 (dissatisfied)", "open", None),
        "R6": ("detractors", "nps 0 (detractor)", "open", None),
    }


def test_a_case_is_due_its_rules_sla_after_it_opened(workspace):
    with_loop(workspace, '\n[loop.rules.detractors]\nmetric = "nps"\ncategories = ["detractor"]\nsla_hours = 4.5\n')
    workspace.write_csv([survey_row(1, nps=2), survey_row(2, nps=9, satisfaction="Very dissatisfied")])
    workspace.sync()
    rows = {rule: (opened, due) for rule, opened, due in workspace.query("SELECT rule, opened_at, due_at FROM feedback_cases")}
    for rule, hours in (("detractors", 4.5), ("dissatisfied", 48)):
        opened, due = (datetime.fromisoformat(text.replace("Z", "+00:00")) for text in rows[rule])
        assert due - opened == timedelta(hours=hours)
    [(started, finished)] = workspace.query("SELECT started_at, finished_at FROM sync_runs")
    assert all(started <= opened <= finished for opened, _ in rows.values())


def test_a_case_opens_once_however_often_its_record_is_read(workspace):
    workspace.write_csv([survey_row(1, nps=1), survey_row(2, nps=9)])
    assert workspace.sync().results[0].cases_opened == 1
    assert workspace.sync().results[0].cases_opened == 0
    assert workspace.sync(full_refresh=True).results[0].cases_opened == 0
    workspace.write_csv([survey_row(1, nps=2), survey_row(2, nps=9)])  # still a detractor, another score
    assert workspace.sync(full_refresh=True).results[0].cases_opened == 0
    assert cases(workspace) == {"R1": ("detractors", "nps 1 (detractor)", "open", None)}
    assert workspace.query("SELECT COUNT(*) FROM feedback_case_events") == [(1,)]


def test_a_record_that_becomes_negative_opens_a_case_and_one_that_was_stays_without(workspace):
    """Rules fire on feedback that newly meets them: a passive turned detractor opens a case; a
    detractor stored before the loop existed (here: before its rule) opens none when edited."""
    with_loop(workspace, "\n[loop.rules.dissatisfied]\nenabled = false\n[loop.rules.detractors]\nenabled = false\n")
    workspace.write_csv([survey_row(1, nps=8), survey_row(2, nps=4)])
    assert workspace.sync().results[0].cases_opened == 0
    workspace.config.write_text(workspace.config.read_text().split("\n[loop")[0], encoding="utf-8")
    edited = survey_row(2, nps=4)
    edited[6] = "edited comment"
    workspace.write_csv([survey_row(1, nps=5), edited])
    [result] = workspace.sync(full_refresh=True).results
    assert (result.written, result.cases_opened) == (2, 1)
    assert list(cases(workspace)) == ["R1"]


def test_a_closed_case_is_not_opened_again_when_its_record_changes(workspace, tmp_path):
    from cxbridge.loop import tracking
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    workspace.write_csv([survey_row(1, nps=3)])
    workspace.sync()
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        [case] = tracking.list_cases(destination)
        tracking.move(destination, case.case_id, "closed_no_action", actor="lead", reason="duplicate")
    for nps in (9, 2):  # a promoter, then a detractor again
        workspace.write_csv([survey_row(1, nps=nps)])
        assert workspace.sync().results[0].cases_opened == 0
    assert cases(workspace) == {"R1": ("detractors", "nps 3 (detractor)", "closed_no_action", None)}


def test_a_quarantine_replay_opens_a_case_only_for_a_record_never_cased(workspace, monkeypatch):
    """A replayed record already cased opens nothing; one first seen in quarantine is new: its case
    opens, and its action is delivered after the replay's commit."""
    import cxbridge
    from cxbridge.plugins_host import create_host
    from tests.local_api import Reply, fake_api

    with fake_api() as hook:
        hook.route("POST", "/hook")(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", hook.url + "/hook")
        with_loop(workspace, '\n[loop.rules.detractors]\nactions = ["ops"]\n[loop.actions.ops]\ntype = "webhook"\n'
                             'url = "${CX_HOOK_URL}"\n')  # fmt: skip
        workspace.write_csv([survey_row(1, nps=3)])
        assert workspace.sync().results[0].cases_opened == 1
        unknown = [survey_row(1, nps=3, satisfaction="Bof"), survey_row(9, nps=2, satisfaction="Bof")]
        workspace.write_csv(unknown)  # a label the config does not map: both go to quarantine
        [result] = workspace.sync().results
        assert (result.quarantined, result.cases_opened) == (2, 0)
        text = workspace.config.read_text(encoding="utf-8")
        workspace.config.write_text(text.replace('"Very dissatisfied" = 1 }', '"Very dissatisfied" = 1, "Bof" = 1 }'),
                                    encoding="utf-8")  # fmt: skip
        replayed = cxbridge.quarantine_replay(workspace.config, destination=f"sqlite:///{workspace.db}", host=create_host())
        [result] = replayed.results
        assert (result.written, result.cases_opened) == (2, 1)
        assert replayed.deliveries.delivered == {"ops": 1}
        assert cxbridge.quarantine_replay(workspace.config, destination=f"sqlite:///{workspace.db}",
                                          host=create_host()).results == [], "nothing left to replay"  # fmt: skip
        assert workspace.sync(full_refresh=True).results[0].cases_opened == 0
        posted = [seen.json()["record"]["record_id"] for seen in hook.requests if seen.method == "POST"]
    assert sorted(cases(workspace)) == ["R1", "R9"]
    assert cases(workspace)["R1"][1] == "nps 3 (detractor)", "R1's case is the one its first version opened"
    assert sorted(posted) == sorted(record_id("survey", "rows", n) for n in ("R1", "R9")), "one delivery each"


def test_employee_enps_opens_no_customer_case_unless_a_rule_says_so(workspace):
    config = workspace.config.read_text(encoding="utf-8")
    config = config.replace('metric = "nps"', 'metric = "enps"').replace("[sources.survey]\n", '[sources.survey]\nprogram = "employee"\n')
    workspace.config.write_text(config, encoding="utf-8")
    workspace.write_csv([survey_row(1, nps=2, satisfaction="Very dissatisfied"), survey_row(2, nps=9)])
    assert workspace.sync().results[0].cases_opened == 0
    with_loop(workspace, """
[loop.rules.unhappy_staff]
metric = "enps"
categories = ["detractor"]
respondents = ["employee"]
owner = "hr@example.com"
""")
    workspace.write_csv([survey_row(1, nps=2, satisfaction="Very dissatisfied"), survey_row(2, nps=9), survey_row(3, nps=0)])
    assert workspace.sync().results[0].cases_opened == 1  # only the new answer: R1 was stored before the rule
    assert cases(workspace) == {"R3": ("unhappy_staff", "enps 0 (detractor)", "open", "hr@example.com")}


def test_an_nps_rule_for_employees_of_a_customer_program_is_accepted_and_meets_their_nps(workspace):
    """Employees' NPS is stored as eNPS in an employee program only: where a voc source's
    respondents are employees, their answers stay nps, and a rule saying programs = ['voc'] meets them."""
    config = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(config.replace("[sources.survey]\n", '[sources.survey]\nrespondent_type = "employee"\n'))
    with_loop(workspace, """
[loop.rules.staff]
metric = "nps"
categories = ["detractor"]
respondents = ["employee"]
programs = ["voc"]
""")
    workspace.write_csv([survey_row(1, nps=2), survey_row(2, nps=9)])
    assert workspace.sync().results[0].cases_opened == 1
    assert cases(workspace) == {"R1": ("staff", "nps 2 (detractor)", "open", None)}


def test_rules_on_effort_thresholds_comments_and_places_with_owners(workspace):
    with_loop(workspace, """
[loop.rules.refund_requests]
comment_terms = ["refund", "zwrot pieniędzy"]
owner = "billing"

[loop.rules.hard_work]
metric = "ces"
normalized_below = 20
locations = ["S1", "S2"]
owner_by = "location"
owners = { S1 = "anna", S2 = "ben" }
owner = "fallback"

[loop.rules.low_nps_s3]
metric = "nps"
below = 8
locations = ["S3"]
sla_hours = 24
""")
    rows = [survey_row(n, nps=9) for n in range(1, 9)]
    rows[0][6] = "I want a REFUND now"  # R1 (S1): the comment rule comes first
    rows[1][6] = "refunded already, thanks"  # R2: 'refunded' is another word
    rows[3][6] = "Proszę o zwrot pieniędzy."  # R4 (S0): a phrase in Polish
    rows[4][5] = "1"  # R5 (S1): effort 1 of 1–7 (7 the easiest) → 0 normalized
    rows[5][5] = "2"  # R6 (S2): 2 → (2-1)/6·100 = 16.7 < 20
    rows[6][5] = "1"  # R7 (S3): not a listed location
    rows[7][5] = "3"  # R8 (S0): 33.3, not below 20
    rows[2][3] = "7"  # R3 (S3): 7 < 8
    workspace.write_csv(rows)
    workspace.sync()
    assert cases(workspace) == {
        "R1": ("refund_requests", "comment mentions 'refund'", "open", "billing"),
        "R3": ("low_nps_s3", "nps 7 (passive)", "open", None),
        "R4": ("refund_requests", "comment mentions 'zwrot pieniędzy'", "open", "billing"),
        "R5": ("hard_work", "ces 1 (high_effort)", "open", "anna"),
        "R6": ("hard_work", "ces 2 (high_effort)", "open", "ben"),
    }


def test_a_rule_on_a_metric_without_primary_answers_looks_at_every_answer_of_it(workspace):
    # Only nps, enps, csat and ces answers can be a record's primary answer; a rule on any other
    # metric needs no `primary_only = false` to open cases.
    workspace.config.write_text(
        workspace.config.read_text(encoding="utf-8").replace('metric = "ces"', 'metric = "custom:effort_felt"'),
        encoding="utf-8",
    )
    with_loop(workspace, "\n[loop.rules.hard_work]\nmetric = 'custom:effort_felt'\nbelow = 3\n")
    rows = [survey_row(n, nps=9) for n in range(1, 15)]
    workspace.write_csv(rows)
    workspace.sync()
    low = {row[0]: int(row[5]) for row in rows if int(row[5]) < 3}
    assert low  # the data holds answers below 3 on the 1–7 scale
    assert cases(workspace) == {
        rid: ("hard_work", f"custom:effort_felt {value} of 1–7", "open", None) for rid, value in low.items()
    }


def test_max_age_days_leaves_old_feedback_out(workspace):
    now = datetime.now(timezone.utc)
    with_loop(workspace, "\n[loop.rules.detractors]\nmetric = 'nps'\ncategories = ['detractor']\nmax_age_days = 30\n")
    recent, old = survey_row(1, nps=2), survey_row(2, nps=2)
    recent[1] = (now - timedelta(days=29)).isoformat()
    old[1] = (now - timedelta(days=31)).isoformat()
    workspace.write_csv([recent, old])
    workspace.sync()
    assert list(cases(workspace)) == ["R1"]


def test_loop_enabled_false_opens_nothing(workspace):
    with_loop(workspace, "\n[loop]\nenabled = false\n")
    workspace.write_csv([survey_row(1, nps=0)])
    assert workspace.sync().results[0].cases_opened == 0
    assert workspace.query("SELECT COUNT(*) FROM feedback_cases") == [(0,)]


def test_a_dry_run_counts_the_cases_it_would_open_and_writes_none(workspace):
    workspace.write_csv([survey_row(1, nps=0)])
    workspace.sync()
    workspace.write_csv([survey_row(1, nps=0), survey_row(2, nps=1), survey_row(3, nps=10)])
    [result] = workspace.sync(dry_run=True).results
    assert result.cases_opened == 1
    assert workspace.query("SELECT COUNT(*) FROM feedback_cases") == [(1,)]


def test_the_case_id_is_derived_from_the_record(workspace):
    workspace.write_csv([survey_row(1, nps=0)])
    workspace.sync()
    rid = record_id("survey", "rows", "R1")
    assert workspace.query("SELECT case_id, record_id FROM feedback_cases") == [(case_id(rid), rid)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[loop.rules.x]\nmetric = 'nps'\n", "loop.rules.x: metric 'nps' needs categories"),
        ("[loop.rules.x]\nmetric = 'nps'\ncategories = ['dissatisfied']\n", "do not fit metric 'nps'"),
        ("[loop.rules.x]\nmetric = 'NPX'\ncategories = ['detractor']\n", "loop.rules.x.metric: unknown metric 'NPX'"),
        ("[loop.rules.x]\nsla_hours = 2\n", "say what opens a case"),
        ("[loop.rules.x]\nmetric = 'csat'\ncategories = ['dissatisfied']\nactions = ['ping']\n", "no [loop.actions.ping]"),
        ("[loop.rules.x]\nmetric = 'csat'\ncategories = ['dissatisfied']\nslaa_hours = 2\n", "did you mean 'sla_hours'"),
        ("[loop.rules.Big]\ncomment_terms = ['x']\n", "names are lower-case letters"),
        ("[loop.rules.x]\nmetric = 'rating'\nbelow = 2\nprimary_only = true\n", "loop.rules.x: primary_only: a 'rating' answer is never"),
        ("[loop.rules.staff]\nmetric = 'nps'\ncategories = ['detractor']\nrespondents = ['employee']\n",
         "loop.rules.staff: metric: employees' likelihood to recommend is stored as metric 'enps' (eNPS), never 'nps': "
         "this rule would never open a case for its 'employee' respondents; write metric = 'enps'"),
        ("[loop.rules.all]\nmetric = 'nps'\nbelow = 5\nrespondents = ['customer', 'employee']\nprograms = ['voc', 'employee']\n",
         "loop.rules.all: metric: employees' likelihood to recommend is stored as metric 'enps' (eNPS), never 'nps': "
         "this rule would never open a case for its 'employee' respondents; leave 'employee' out of respondents and "
         "give employees a rule of their own with metric = 'enps'"),
        ("[loop.rules.staff]\nmetric = 'enps'\ncategories = ['detractor']\n",
         "loop.rules.staff: respondents: metric 'enps' is employees' answers, and respondents is ['customer'] when not "
         "given: this rule would never open a case; add respondents = ['employee']"),
    ],
)
def test_a_rule_that_cannot_work_is_a_config_error_naming_it(workspace, text, message):
    with_loop(workspace, "\n" + text)
    workspace.write_csv([survey_row(1)])
    with pytest.raises(ConfigError) as caught:
        workspace.sync()
    assert message in str(caught.value)
    assert not workspace.db.exists()


def test_cli_summary_counts_the_cases_stored_and_a_re_sync_none(workspace):
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    workspace.write_csv([survey_row(1, nps=0), survey_row(2, nps=9), survey_row(3, nps=4)])
    opened = []
    for _ in range(2):  # the same file again: its records are cased
        result = CliRunner().invoke(cli, ["sync", "--format", "json"])
        assert result.exit_code == 0, result.output
        opened.append(json.loads(result.output.strip().splitlines()[-1])["cases_opened"])
    assert opened == [workspace.query("SELECT COUNT(*) FROM feedback_cases")[0][0], 0] == [2, 0]
