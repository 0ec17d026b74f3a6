"""The warnings of a sync quote a file's values as the sync stores them: a value that is an
e-mail address as a whole as its `hashed:` key (docs/security.md), in the summary printed, its
JSON and the log."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.respondents import salted_hash

SALT = "pepper"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"CXBRIDGE_TEST_SALT": SALT})


def test_a_looks_scored_warning_names_an_address_among_the_answers_by_what_it_is(tmp_path: Path, monkeypatch):
    """An unmapped recommend column with an address among its answers: the warning names it as an
    answer off the scale by what it is, as a quarantine reason does (quoted_values); before, by its
    hashed: key, which is what the database holds of it."""
    monkeypatch.chdir(tmp_path)
    answers = ["9", "7", "jo.six@example.com", "10", "8", "6"]
    rows = [f"R{n},2025-06-0{n} 05:24,{n % 11},{answer}" for n, answer in enumerate(answers, 1)]
    (tmp_path / "data.csv").write_text("\n".join(["Response ID,Submitted,NPS,How likely to recommend the app", *rows]))
    (tmp_path / "cxbridge.toml").write_text(
        '[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n[sources.s]\nconnector = "csv"\npath = "data.csv"\n'
        '[sources.s.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\n'
        '[[sources.s.metrics]]\ncolumn = "NPS"\nmetric = "nps"\n'
    )
    key = f"hashed:{salted_hash('jo.six@example.com', SALT)}"
    printed = run("-vv", "sync")
    assert printed.exit_code == 0, printed.output
    assert "1 of 6 answers is not on the scale ((an e-mail address, not shown))" in printed.output, printed.output
    machine = run("--log-format", "json", "-vv", "sync", "--full-refresh")
    assert machine.exit_code == 0, machine.output
    [summary] = [json.loads(line) for line in machine.stdout.splitlines() if '"source_summary"' in line]
    [warning] = summary["warnings"]
    assert "((an e-mail address, not shown))" in warning, warning
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        [(stored,)] = db.execute("SELECT json_extract(raw, '$.values.\"How likely to recommend the app\"') "
                                 "FROM feedback WHERE source_record_id = 'R3'")  # fmt: skip
    assert stored == key
    assert "jo.six" not in printed.output + machine.output


MAPPING = ('[sources.s]\nconnector = "csv"\npath = "data.csv"\n[sources.s.columns]\nid = "Response ID"\n'
           'submitted_at = "Submitted"\n[[sources.s.metrics]]\ncolumn = "NPS"\nmetric = "nps"\n')  # fmt: skip


@pytest.mark.parametrize("command", [("sync", "--full-refresh"), ("import", "data.csv", "--mapping", "map.toml", "--dry-run")],
                         ids=["sync", "import"])  # fmt: skip
def test_a_looks_scored_warning_names_free_text_holding_contacts_by_what_it_is(tmp_path: Path, monkeypatch, command):
    """An answer that is free text holding a phone number and an address is named as a quarantine
    reason names it — before, quoted with the number and the address as their keys, the words
    around them as written."""
    monkeypatch.chdir(tmp_path)
    answers = ["9", "7", "call +44 7700 900999 or ann.ten@example.com", "10"]
    rows = [f"R{n},2025-06-0{n} 05:24,{n % 11},{answer}" for n, answer in enumerate(answers, 1)]
    (tmp_path / "data.csv").write_text("\n".join(["Response ID,Submitted,NPS,How likely to recommend the app", *rows]))
    (tmp_path / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n' + MAPPING)
    (tmp_path / "map.toml").write_text(MAPPING)
    quoted = "(a text holding an e-mail address, not shown)"  # the scrub keyed both before the detection read it
    printed = run("-vv", *command)
    assert printed.exit_code == 0, printed.output
    assert f"1 of 4 answers is not on the scale ({quoted})" in printed.output, printed.output
    machine = run("--log-format", "json", "-vv", *command)
    assert machine.exit_code == 0, machine.output
    [summary] = [json.loads(line) for line in machine.stdout.splitlines() if '_summary"' in line]
    assert [quoted in warning for warning in summary["warnings"]] == [True], summary["warnings"]
    for part in ("7700", "900999", "ann.ten", "'call "):
        assert part not in printed.output + machine.output, part


def test_a_looks_scored_warning_names_a_word_among_the_answers_as_a_quarantine_reason_does(tmp_path: Path, monkeypatch):
    """A score cell may hold a name: "Jane Quill", "Sorta", "Jo 10" among a recommend column's answers
    were quoted as written in the warning of `import` (its summary and log) and in `inspect`, while
    the quarantine reason of the same cell names it by its length (quoted_values). One rule: the
    warning names them as the reason does."""
    monkeypatch.chdir(tmp_path)
    answers = ["Jane Quill", "9", "Sorta", "10", "Jo 10", "8", "12", "15", "6", "7"]
    rows = [f"R{n},2025-06-{n:02d} 05:24,{answer}" for n, answer in enumerate(answers, 1)]
    (tmp_path / "data.csv").write_text("\n".join(["Response ID,Submitted,How likely to recommend the app", *rows]))
    printed = run("-vv", "import", "data.csv", "--db", "x.db")
    assert printed.exit_code == 0, printed.output
    assert ("the values are not 0–10 ('12', '15', (a text of 2 words, not shown)), 2 of 10 answers more than a "
            "point off it") in printed.output, printed.output  # fmt: skip
    inspected = run("inspect", "data.csv")
    assert "(a text of 2 words, not shown)" in inspected.output, inspected.output
    (tmp_path / "map.toml").write_text(MAPPING.replace('"NPS"', '"How likely to recommend the app"'))
    mapped = run("-vv", "import", "data.csv", "--mapping", "map.toml", "--db", "y.db")
    assert mapped.exit_code == 0, mapped.output
    with sqlite3.connect(tmp_path / "y.db") as db:
        errors = dict(db.execute("SELECT source_record_id, error FROM quarantine"))
    assert errors["R1"].startswith("question 'How likely to recommend the app': answer (a text of 2 words, not "
                                   "shown) is neither a number nor a known label"), errors  # fmt: skip
    assert errors["R5"].startswith("question 'How likely to recommend the app': answer (a text of 5 characters, "
                                   "not shown)"), errors  # fmt: skip
    for output in (printed.output, inspected.output, mapped.output, *errors.values()):
        assert "Quill" not in output and "Sorta" not in output and "Jo 10" not in output, output
