"""`cxbridge sync` says why its records went to quarantine, not only how many: under a source's
summary line, the commonest reasons of this run grouped by their rule — the field and what is
wrong with it, not the value of each row — at most three, each with its count, then where every
one is listed. The JSON and CSV summaries count them by rule too (`quarantine_rules`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.quoted_values import rule_of

ON_TIME = "2025-01-06 10:00"
CONFIG = """
[sources.survey]
connector = "csv"
path = "responses.csv"

[sources.survey.columns]
id = "id"
submitted_at = "submitted"
status = "status"

[[sources.survey.metrics]]
column = "nps"
metric = "nps"
"""
OUTSIDE = "question 'nps': nps answer … is outside its scale 0–10"
NOT_A_DATE = "column 'submitted': timestamp … is not a date this importer knows"
NOT_A_STATUS = "column 'status': status … is neither complete (1, true, finished) nor partial (0, false)"
NO_LABEL = "question 'nps': answer … is neither a number nor a known label of this nps question"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def synced(tmp_path: Path, monkeypatch, rows: list[tuple[str, str, str]], *args: str) -> str:
    """The output of `cxbridge sync` over a file of `rows` (submitted, nps, status) after two good ones."""
    monkeypatch.chdir(tmp_path)
    good = [(ON_TIME, "9", "complete"), (ON_TIME, "3", "complete")]
    lines = ["id,submitted,nps,status"] + [f"R{n},{','.join(row)}" for n, row in enumerate(good + rows)]
    (tmp_path / "responses.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "cxbridge.toml").write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--no-progress", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_summary_groups_the_runs_reasons_by_rule_with_their_counts(tmp_path, monkeypatch):
    """Three answers off the scale and two dates no reader knows, each row's reason quoting its own
    value, are two lines: one per rule, most records first, then the command that lists them all."""
    rows = [(ON_TIME, "11", "complete"), ("Quillday", "9", "complete"), (ON_TIME, "12", "complete"),
            ("Tuesday", "9", "complete"), (ON_TIME, "-1", "complete")]  # fmt: skip
    lines = synced(tmp_path, monkeypatch, rows).splitlines()
    assert lines[0].startswith("✔ survey (csv): 7 read · 2 written · 0 unchanged · 5 quarantined"), lines
    assert lines[1:4] == [f"  ✘ 3 × {OUTSIDE}", f"  ✘ 2 × {NOT_A_DATE}", "  … see cxbridge quarantine list --source survey"]


def test_at_most_three_rules_are_shown_and_the_others_counted(tmp_path, monkeypatch):
    rows = [(ON_TIME, "11", "complete"), (ON_TIME, "12", "complete"), (ON_TIME, "13", "complete"),
            (ON_TIME, "14", "complete"), ("Quillday", "9", "complete"), ("Tuesday", "9", "complete"),
            ("soon", "9", "complete"), (ON_TIME, "9", "Quillstate"), (ON_TIME, "9", "pending"),
            (ON_TIME, "Sorta", "complete")]  # fmt: skip
    lines = synced(tmp_path, monkeypatch, rows).splitlines()
    assert lines[1:5] == [f"  ✘ 4 × {OUTSIDE}", f"  ✘ 3 × {NOT_A_DATE}", f"  ✘ 2 × {NOT_A_STATUS}",
                          "  … 1 more for other reasons: see cxbridge quarantine list --source survey"], lines  # fmt: skip


def test_the_json_summary_counts_the_reasons_by_rule(tmp_path, monkeypatch):
    rows = [(ON_TIME, "11", "complete"), (ON_TIME, "12", "complete"), (ON_TIME, "Sorta", "complete")]
    [summary] = [json.loads(line) for line in synced(tmp_path, monkeypatch, rows, "--format", "json").splitlines()]
    assert summary["quarantine_rules"] == {OUTSIDE: 2, NO_LABEL: 1}


def test_quiet_keeps_the_rules_and_drops_the_command(tmp_path, monkeypatch):
    """`-q` drops next-step hints: the rules are the summary's, the command a hint."""
    lines = synced(tmp_path, monkeypatch, [(ON_TIME, "11", "complete")], "-q").splitlines()
    assert lines[1:] == [f"  ✘ 1 × {OUTSIDE}"], lines


def test_a_dry_run_shows_the_rules_and_names_no_command(tmp_path, monkeypatch):
    """A dry run stores nothing: `quarantine list` would list none of its records."""
    lines = synced(tmp_path, monkeypatch, [(ON_TIME, "11", "complete")], "--dry-run").splitlines()
    assert lines[1:] == [f"  ✘ 1 × {OUTSIDE}"], lines


@pytest.mark.parametrize(
    ("reason", "field", "rule"),
    [("question 'Q1': answer 'Agree' is read as 4 on the 1–5 scale … in the [[metrics]] entry; set scale = [1, 7]",
      "Q1", "question 'Q1': answer … is read as … on the 1–5 scale … in the [[metrics]] entry"),
     ("timestamp '31/02/2025 10:00' is not a valid date (day is out of range for month)", "submitted",
      "timestamp … is not a valid date (day is out of range for month)"),
     ("column 'status': status (a word of 10 letters, not shown) is neither complete (1, true, finished) nor partial "
      "(0, false)", "status", NOT_A_STATUS),
     ("the number 45000.5 is not a date (neither an Excel serial day nor epoch seconds)", None,
      "the number … is not a date (neither an Excel serial day nor epoch seconds)")],
)  # fmt: skip
def test_a_rule_is_the_problem_with_each_rows_value_left_out(reason, field, rule):
    """The first clause, the advice after it the same for every row; each value, quoted, named by
    what it is or a bare number, as `…`; the field's own name and a scale's range kept."""
    assert rule_of(reason, field) == rule
