"""`cxbridge sync` says why its records went to quarantine, not only how many: under a source's
summary line, the commonest reasons of this run grouped by the rule they break — the kind their
DataError names ('answer-outside-scale'), whatever field, scale or value each names — at most
three, each with its count and its first reason's problem, then where every one is listed. The
JSON and CSV summaries count them by rule too (`quarantine_rules`, `quarantine_examples`)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.destinations import QuarantineItem
from cxbridge.quarantine_kinds import KINDS
from cxbridge.quoted_values import rule_of
from cxbridge.source_result import SourceResult

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
OUTSIDE = "answer-outside-scale, e.g. question 'nps': nps answer 11 is outside its scale 0–10"
NOT_A_DATE = ("unreadable-date, e.g. column 'submitted': timestamp (a word of 8 letters, not shown) is not a date this "
              "importer knows")  # fmt: skip
NOT_A_STATUS = ("unknown-status, e.g. column 'status': status (a word of 10 letters, not shown) is neither complete (1, "
                "true, finished) nor partial (0, false)")  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def synced(tmp_path: Path, monkeypatch, rows: list[tuple[str, ...]], *args: str, config: str = CONFIG) -> str:
    """The output of `cxbridge sync` over a file of `rows` (submitted, nps, status; and csat when
    `config` maps it) after two good ones."""
    monkeypatch.chdir(tmp_path)
    columns = ["id", "submitted", "nps", "status"] + (["csat"] if '"csat"' in config else [])
    good = [(ON_TIME, "9", "complete", "4"), (ON_TIME, "3", "complete", "2")]
    lines = [",".join(columns)] + [f"R{n},{','.join(row[: len(columns) - 1])}" for n, row in enumerate(good + rows)]
    (tmp_path / "responses.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "cxbridge.toml").write_text(config, encoding="utf-8")
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


def test_one_rule_is_one_line_whatever_question_and_scale_its_reasons_name(tmp_path, monkeypatch):
    """An answer off its question's scale breaks one rule, on the 0–10 nps question as on the 1–5
    csat one: one line, with the first reason as its example. Before, the rule was read from the
    reason's words, which name the metric and its range: two lines of one record each."""
    config = CONFIG + '\n[[sources.survey.metrics]]\ncolumn = "csat"\nmetric = "csat"\n'
    rows = [(ON_TIME, "11", "complete", "4"), (ON_TIME, "9", "complete", "7")]
    lines = synced(tmp_path, monkeypatch, rows, config=config).splitlines()
    assert lines[1:3] == [f"  ✘ 2 × {OUTSIDE}",
                          "  … see cxbridge quarantine list --source survey"], lines  # fmt: skip


def test_two_rules_a_reason_words_alike_are_two_lines(tmp_path, monkeypatch):
    """'12/25/2025' read day first is a date written month first (date_order = 'mdy' reads it);
    '2025-13-02' is no date in any order. Their reasons read alike, "is not a valid date (month
    must be in 1..12)", and were one rule before; the fixes differ, so they are two. (25/12/2025
    keeps the file day first: a file whose dates all read month first is refused whole.)"""
    config = CONFIG.replace('path = "responses.csv"', 'path = "responses.csv"\ndate_order = "dmy"')
    rows = [("25/12/2025 10:00", "9", "complete"), ("12/25/2025 10:00", "9", "complete"),
            ("2025-13-02 10:00", "9", "complete")]  # fmt: skip
    lines = synced(tmp_path, monkeypatch, rows, config=config).splitlines()
    invalid = "column 'submitted': timestamp {!r} is not a valid date (month must be in 1..12)"
    assert lines[1:3] == [f"  ✘ 1 × date-in-other-order, e.g. {invalid.format('12/25/2025 10:00')}",
                          f"  ✘ 1 × impossible-date, e.g. {invalid.format('2025-13-02 10:00')}"], lines  # fmt: skip


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
    assert summary["quarantine_rules"] == {"answer-outside-scale": 2, "unknown-answer": 1}
    assert summary["quarantine_examples"]["answer-outside-scale"].startswith("question 'nps': nps answer 11 is outside")
    assert summary["quarantine_examples"]["unknown-answer"].startswith(
        "question 'nps': answer (a word of 5 letters, not shown) is neither a number nor a known label")


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
      "(0, false)", "status", "column 'status': status … is neither complete (1, true, finished) nor partial (0, false)"),
     ("the number 45000.5 is not a date (neither an Excel serial day nor epoch seconds)", None,
      "the number … is not a date (neither an Excel serial day nor epoch seconds)")],
)  # fmt: skip
def test_a_rule_is_the_problem_with_each_rows_value_left_out(reason, field, rule):
    """The first clause, the advice after it the same for every row; each value, quoted, named by
    what it is or a bare number, as `…`; the field's own name and a scale's range kept."""
    assert rule_of(reason, field) == rule


def test_a_reason_whose_data_error_names_no_kind_is_grouped_by_its_words():
    """A third-party plugin's DataError may name no kind (nor does a pydantic validator's): its rule
    is then read from its reason (`rule_of`: each value as `…`), its first reason the example."""
    items = [QuarantineItem(f"r{n}", "shop", "rows", f"R{n}", {}, f"store {name!r} is not ours", field="store")
             for n, name in enumerate(["X1", "X2"])]  # fmt: skip
    items.append(QuarantineItem("r3", "shop", "rows", "R3", {}, "nps answer 11", kind="answer-outside-scale"))
    result = SourceResult("shop", "plugin")
    result.count_reasons(items)
    assert result.quarantine_rules == {"store … is not ours": 2, "answer-outside-scale": 1}
    assert result.quarantine_examples == {"store … is not ours": "store 'X1' is not ours",
                                          "answer-outside-scale": "nps answer 11"}  # fmt: skip


def data_error_kinds() -> tuple[set[str], list[str]]:
    """The kinds the DataErrors (ScoreErrors) made in cxbridge and its plugins name, and where one
    is made naming none, or a kind that is no slug."""
    root = Path(__file__).parent.parent
    kinds, unnamed = set(), []
    for path in [*root.glob("cxbridge/**/*.py"), *root.glob("plugins/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            made = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("DataError", "ScoreError")
            if made and path.name != "errors.py":  # `DataError.restated` passes on the kind it has
                kind = next((keyword.value for keyword in node.keywords if keyword.arg == "kind"), None)
                named = {part.value for part in ast.walk(kind) if isinstance(part, ast.Constant)} if kind else set()
                if not named or not all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name) for name in named):
                    unnamed.append(f"{path.relative_to(root)}:{node.lineno}")
                kinds |= named
    return kinds, unnamed


def test_every_data_error_cxbridge_raises_names_the_rule_it_breaks():
    """Each DataError (ScoreError) made in cxbridge and its plugins names its kind, a slug: the
    summary never falls back on reading a first-party reason's words (`rule_of`)."""
    kinds, unnamed = data_error_kinds()
    assert not unnamed, unnamed
    assert {"answer-outside-scale", "answer-not-whole-number", "date-in-other-order", "impossible-date"} <= kinds


def test_the_kinds_quarantine_list_knows_are_those_the_code_names():
    """`quarantine list --kind` takes these as known even with no record of one stored."""
    assert set(KINDS) == data_error_kinds()[0] and len(KINDS) == len(set(KINDS))


def test_every_kind_is_explained_where_the_sync_summary_is():
    """docs/cli.md lists each kind, `kind` in backticks heading its row, with what it means."""
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (Path(__file__).parent.parent / "docs/cli.md").read_text(), re.M))
    assert listed == data_error_kinds()[0]
