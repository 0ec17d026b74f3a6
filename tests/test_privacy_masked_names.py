"""A column whose header holds an e-mail address is named, in every message, with the address as
its `hashed:` key (docs/security.md); the mapping may name it so too — the advice a warning gives
(`column = 'How likely … (hashed:…)?'`) can be followed as printed, and no address need be
written in a config file."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.respondents import salted_hash

SALT = "pepper"
ADVICE = re.compile(r"add a \[\[sources\.s\.metrics\]\] entry with column = '([^']+)', metric = '(\w+)'")
HEADER = "How likely to recommend (oz.four@corp.example)?"


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def project(tmp_path: Path, *, salt: bool, source: str = "") -> Path:
    (tmp_path / "data.csv").write_text(
        f"Response ID,Submitted,{HEADER},Contact (ned.three@corp.example)\n"
        "R1,2025-06-06 05:24,9,call me\nR2,2025-06-07 05:24,3,\nR3,2025-06-08 05:24,10,write me\n",
        encoding="utf-8",
    )
    settings = '[settings]\nrespondent_salt = "${CXBRIDGE_TEST_SALT}"\n' if salt else ""
    (tmp_path / "cxbridge.toml").write_text(
        f'{settings}[sources.s]\nconnector = "csv"\npath = "data.csv"\n{source}'
        '[sources.s.columns]\nid = "Response ID"\nsubmitted_at = "Submitted"\n'
    )
    return tmp_path / "cxbridge.toml"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"CXBRIDGE_TEST_SALT": SALT})


def followed(config: Path, output: str) -> str:
    """The config with the printed advice added to it, as printed; the column it names."""
    [(column, metric)] = ADVICE.findall(output)
    with config.open("a") as file:
        file.write(f"[[sources.s.metrics]]\ncolumn = '{column}'\nmetric = '{metric}'\n")
    return column


def scores(tmp_path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        return db.execute("SELECT f.source_record_id, s.question_id, s.value FROM feedback_scores s "
                          "JOIN feedback f USING (record_id) ORDER BY 1").fetchall()  # fmt: skip


@pytest.mark.parametrize("salt", [True, False], ids=["salt configured", "salt made by the first sync"])
def test_the_advice_to_map_a_column_named_with_an_address_can_be_followed_as_printed(tmp_path, salt):
    config = project(tmp_path, salt=salt)
    first = run("sync", "--config", str(config))
    assert first.exit_code == 0 and "looks scored" in first.stdout, first.output
    column = followed(config, first.stdout)
    assert "oz.four" not in config.read_text() and "hashed:" in column
    if salt:
        assert column == f"How likely to recommend (hashed:{salted_hash('oz.four@corp.example', SALT)})?"
    checked = run("check", "--config", str(config))
    assert checked.exit_code == 0, checked.output
    second = run("-vv", "sync", "--config", str(config))
    assert second.exit_code == 0 and "3 written" in second.stdout, second.output
    assert "oz.four" not in first.output + checked.output + second.output
    assert "looks scored" not in second.stdout  # mapped now
    assert scores(tmp_path) == [("R1", column, 9), ("R2", column, 3), ("R3", column, 10)]
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        assert [row[0] for row in db.execute("SELECT nps FROM feedback ORDER BY source_record_id")] == [9, 3, 10]


def test_a_column_ignored_by_its_masked_name_is_stored_nowhere(tmp_path):
    contact = f"Contact (hashed:{salted_hash('ned.three@corp.example', SALT)})"
    config = project(tmp_path, salt=True, source=f"ignore = ['{contact}']\n")
    synced = run("-vv", "sync", "--config", str(config))
    assert synced.exit_code == 0 and "3 written" in synced.stdout, synced.output
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("cxbridge.db*"))
    assert b"call me" not in stored and b"write me" not in stored and b"ned.three" not in stored
    with sqlite3.connect(tmp_path / "cxbridge.db") as db:
        raws = [json.loads(raw)["values"] for (raw,) in db.execute("SELECT raw FROM feedback")]
    assert all(contact not in values for values in raws) and all(HEADER not in values for values in raws)


def test_a_masked_name_matching_no_header_is_refused_naming_the_columns_masked(tmp_path):
    config = project(tmp_path, salt=True)
    wrong = f"How likely to recommend (hashed:{salted_hash('oz.five@corp.example', SALT)})?"
    config.write_text(config.read_text() + f"[[sources.s.metrics]]\ncolumn = '{wrong}'\nmetric = 'nps'\n")
    refused = run("sync", "--config", str(config))
    assert refused.exit_code == 2 and f"the mapped column {wrong!r} is not in the header" in refused.output
    right = f"How likely to recommend (hashed:{salted_hash('oz.four@corp.example', SALT)})?"
    assert right in refused.output and "oz.four" not in refused.output, refused.output
