"""The loop end to end, counted as a CX operations lead would count it: detractors and
dissatisfied customers arrive, `detractor_queue` shows them, each opens one case whose webhook is
delivered once, people work the cases — and every figure `loop_queue`, `cxbridge cases list`,
`report --loop` and the HTML report's follow-up queues show agrees with the count worked out here,
also after a full read prunes records whose cases stay (docs/loop.md, docs/report.md)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.identity import record_id
from cxbridge.loop.cases import case_id
from tests.conftest import Workspace, survey_row
from tests.html_pages import Page
from tests.local_api import Reply, fake_api

HOOK_PATH = "/hooks/queue-audit"
LOOP = """
[loop.rules.detractors]
actions = ["ops_hook"]

[loop.rules.dissatisfied]
actions = ["ops_hook"]

[loop.actions.ops_hook]
type = "webhook"
url = "${CX_HOOK_URL}"
"""
DETRACTORS = [4, 8, 12, 16, 20, 24]  # NPS 3; 12 and 24 are dissatisfied too, and the detractors rule names them
DISSATISFIED = [6, 18]  # CSAT "Very dissatisfied" (1 of 5), NPS 9
STORE = {n: f"S{n % 4}" for n in range(1, 25)}  # survey_row's store: every detractor is at S0, 6 and 18 at S2


def rows(leave_out: tuple[int, ...] = ()) -> list[list[str]]:
    return [
        survey_row(n, nps=3 if n in DETRACTORS else 9, day=1,
                   satisfaction="Very dissatisfied" if n % 6 == 0 else "Satisfied")
        for n in range(1, 25) if n not in leave_out
    ]  # fmt: skip


def case_of(n: int) -> str:
    return case_id(record_id("survey", "rows", f"R{n}"))


@pytest.fixture
def hook(workspace: Workspace, monkeypatch):
    with fake_api() as receiver:
        receiver.route("POST", HOOK_PATH)(lambda seen, match: Reply(200, "ok"))
        monkeypatch.setenv("CX_HOOK_URL", receiver.url + HOOK_PATH)
        workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + LOOP, encoding="utf-8")
        yield receiver


def posted(receiver) -> list[str]:
    return sorted(seen.headers["Idempotency-Key"] for seen in receiver.requests if seen.method == "POST")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def html_page(workspace: Workspace, *args: str) -> Page:
    target = workspace.root / "report.html"
    invoke("report", "--html", str(target), *args)
    return Page(target.read_text(encoding="utf-8"))


def listed_cases(workspace: Workspace) -> dict[str, str]:
    """case id → status, as `cxbridge cases list --limit 0 --format csv` lists them."""
    lines = invoke("cases", "list", "--limit", "0", "--format", "csv").splitlines()
    header = lines[0].split(",")
    return {
        cells[header.index("case_id")]: cells[header.index("status")]
        for cells in (line.split(",") for line in lines[1:])
    }


def work(case: str, status: str, **extra: str) -> None:
    cxbridge.cases_update(case=case, actor="lead", status=status, **extra)


def test_each_unhappy_customer_opens_one_case_delivered_once_and_every_count_agrees(workspace, hook):
    workspace.write_csv(rows())
    synced = workspace.sync()
    [result] = synced.results
    opened = sorted(case_of(n) for n in DETRACTORS + DISSATISFIED)
    assert (result.written, result.cases_opened, synced.deliveries.total_delivered) == (24, 8, 8)
    assert workspace.query("SELECT reason, COUNT(*) FROM detractor_queue GROUP BY reason ORDER BY reason") == [
        ("detractor", 6), ("dissatisfied", 2),
    ]  # fmt: skip
    assert sorted(case for (case,) in workspace.query("SELECT case_id FROM loop_queue")) == opened
    assert listed_cases(workspace) == dict.fromkeys(opened, "open")
    assert len(posted(hook)) == len(set(posted(hook))) == 8
    page = html_page(workspace)
    assert (page.counts["not-followed-up"], page.counts["cases"]) == ("8", "8")
    assert page.body("case-queue") == [["S0", "6", "0", "0", "0", "6"], ["S2", "2", "0", "0", "0", "2"]]

    work(case_of(4), "contacted")
    work(case_of(8), "resolved")
    work(case_of(12), "informed")
    work(case_of(24), "closed_no_action", reason="a test answer from staff")
    again = workspace.sync()
    assert (again.results[0].cases_opened, again.deliveries.total_delivered, len(posted(hook))) == (0, 0, 8)
    followed = {4, 8, 12, 24}  # contacted, resolved or closed: followed up; 16, 20 (detractors), 6 and 18 wait
    assert workspace.query("SELECT reason, COUNT(*) FROM detractor_queue GROUP BY reason ORDER BY reason") == [
        ("detractor", len(set(DETRACTORS) - followed)), ("dissatisfied", len(DISSATISFIED)),
    ]  # fmt: skip
    assert workspace.query("SELECT status, COUNT(*) FROM loop_queue GROUP BY status ORDER BY status") == [
        ("contacted", 1), ("open", 4), ("resolved", 1),
    ]  # fmt: skip
    page = html_page(workspace)
    assert (page.counts["not-followed-up"], page.counts["cases"]) == ("4", "6")
    assert page.body("case-queue") == [["S0", "2", "1", "1", "0", "4"], ["S2", "2", "0", "0", "0", "2"]]
    [s0, s2] = sorted(cxbridge.loop_report(), key=lambda row: row["location_id"])
    assert (s0["location_id"], s0["cases_opened"], s0["closed_pct"], s0["informed_pct"]) == ("S0", 6, 50.0, 16.7)
    assert (s2["location_id"], s2["cases_opened"], s2["closed_pct"], s2["informed_pct"]) == ("S2", 2, 0.0, 0.0)
    assert (s0["contacted_within_sla_pct"], s2["contacted_within_sla_pct"]) == (100.0, None)  # 4 in time; none due

    late = (case_of(16), case_of(6))  # open, never contacted: overdue once their due time has passed
    workspace.query(f"UPDATE feedback_cases SET due_at = '2026-01-01T00:00:00Z' WHERE case_id IN {late}")
    assert sorted(case for (case,) in workspace.query("SELECT case_id FROM loop_queue WHERE overdue")) == sorted(late)
    assert sorted(case.case_id for case in cxbridge.cases_list(overdue=True)) == sorted(late)
    page = html_page(workspace)
    assert page.body("case-queue") == [["S0", "2", "1", "1", "1", "4"], ["S2", "2", "0", "0", "1", "2"]]
    # S0's 2 + 1 + 1 + 1 is not its 4 cases: an overdue case is one of the open, which the header says
    assert page.tables["case-queue"][0] == ["store", "open", "contacted", "resolved", "overdue (of open)", "not closed"]
    [s0, s2] = sorted(cxbridge.loop_report(), key=lambda row: row["location_id"])
    assert (s0["contacted_within_sla_pct"], s2["contacted_within_sla_pct"]) == (50.0, 0.0)  # 4 in time, 16 and 6 missed


def test_cases_whose_records_a_full_read_pruned_stay_counted_in_the_html_queue(workspace, hook):
    """docs/loop.md: a pruned record's case keeps its place in loop_queue; docs/report.md: the
    page counts every case of loop_queue. Before, the page joined each case to its record and
    left such cases out — 5 cases not closed, where loop_queue and `cases list` held 7."""
    workspace.write_csv(rows())
    workspace.sync()
    work(case_of(4), "contacted")
    work(case_of(12), "informed")
    workspace.write_csv(rows(leave_out=(16, 6)))  # an open detractor's and an open dissatisfied customer's
    [pruned] = workspace.sync(full_refresh=True, prune=True).results
    assert pruned.pruned == 2
    waiting = workspace.query("SELECT case_id, submitted_at FROM loop_queue")
    assert sorted(case for case, _ in waiting) == sorted(case_of(n) for n in (4, 8, 16, 20, 24, 6, 18))
    assert sorted(case for case, submitted in waiting if submitted is None) == sorted([case_of(16), case_of(6)])
    assert sum(status != "informed" for status in listed_cases(workspace).values()) == 7
    page = html_page(workspace)
    assert page.counts["cases"] == "7"
    assert page.body("case-queue") == [["S0", "4", "1", "0", "0", "5"], ["S2", "2", "0", "0", "0", "2"]]
    assert page.counts["not-followed-up"] == "4"  # 8, 20, 24 and 18: records still stored, nobody has acted
    assert html_page(workspace, "--source", "survey").counts["cases"] == "7"
    assert html_page(workspace, "--since", "2025-01-01").counts["cases"] == "5", (
        "a period is told by the record's submitted time: a case without its record is not in one"
    )


def test_cases_of_a_source_removed_whole_are_still_on_the_page(workspace, hook):
    """`cxbridge remove` of the only source leaves its cases (docs/cli.md); the page said the
    destination "holds no records yet: run `cxbridge sync` first" and showed none of the 8."""
    workspace.write_csv(rows())
    workspace.sync()
    work(case_of(4), "informed")
    assert cxbridge.remove("survey").removal.records == {"rows": 24}
    page = html_page(workspace)
    assert page.counts["cases"] == "7"
    assert page.body("case-queue") == [["S0", "5", "0", "0", "0", "5"], ["S2", "2", "0", "0", "0", "2"]]
    assert page.counts["not-followed-up"] == "0"
