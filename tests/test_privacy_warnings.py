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


def test_a_looks_scored_warning_quotes_an_address_among_the_answers_as_stored(tmp_path: Path, monkeypatch):
    """An unmapped recommend column with an address among its answers: the warning names it as an
    answer off the scale by its hashed: key, which is what the database holds of it."""
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
    assert f"1 of 6 answers is not on the scale ({key!r})" in printed.output, printed.output
    machine = run("--log-format", "json", "-vv", "sync", "--full-refresh")
    assert machine.exit_code == 0, machine.output
    [summary] = [json.loads(line) for line in machine.stdout.splitlines() if '"source_summary"' in line]
    [warning] = summary["warnings"]
    assert f"({key!r})" in warning, warning
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        [(stored,)] = db.execute("SELECT json_extract(raw, '$.values.\"How likely to recommend the app\"') "
                                 "FROM feedback WHERE source_record_id = 'R3'")  # fmt: skip
    assert stored == key
    assert "jo.six" not in printed.output + machine.output


MAPPING = ('[sources.s]\nconnector = "csv"\npath = "data.csv"\n[sources.s.columns]\nid = "Response ID"\n'
           'submitted_at = "Submitted"\n[[sources.s.metrics]]\ncolumn = "NPS"\nmetric = "nps"\n')  # fmt: skip


@pytest.mark.parametrize("command", [("sync", "--full-refresh"), ("import", "data.csv", "--mapping", "map.toml", "--dry-run")],
                         ids=["sync", "import"])  # fmt: skip
def test_a_looks_scored_warning_quotes_free_text_as_inspect_does(tmp_path: Path, monkeypatch, command):
    """An answer that is free text holding a phone number and an address is quoted as inspect's
    evidence quotes it: the number as the key a phone column stores (its digits, salted), the
    address as its hashed: key, the words around them as written."""
    monkeypatch.chdir(tmp_path)
    answers = ["9", "7", "call +44 7700 900999 or ann.ten@example.com", "10"]
    rows = [f"R{n},2025-06-0{n} 05:24,{n % 11},{answer}" for n, answer in enumerate(answers, 1)]
    (tmp_path / "data.csv").write_text("\n".join(["Response ID,Submitted,NPS,How likely to recommend the app", *rows]))
    (tmp_path / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n' + MAPPING)
    (tmp_path / "map.toml").write_text(MAPPING)
    phone, address = salted_hash("447700900999", SALT), salted_hash("ann.ten@example.com", SALT)
    quoted = repr(f"call hashed:{phone} or hashed:{address}")
    printed = run("-vv", *command)
    assert printed.exit_code == 0, printed.output
    assert f"1 of 4 answers is not on the scale ({quoted})" in printed.output, printed.output
    machine = run("--log-format", "json", "-vv", *command)
    assert machine.exit_code == 0, machine.output
    [summary] = [json.loads(line) for line in machine.stdout.splitlines() if '_summary"' in line]
    assert [quoted in warning for warning in summary["warnings"]] == [True], summary["warnings"]
    for part in ("7700", "900999", "ann.ten"):
        assert part not in printed.output + machine.output, part
