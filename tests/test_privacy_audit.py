"""The whole privacy promise at once (docs/security.md, Privacy): a project whose files carry
e-mail addresses in every form the promise covers — a file named like one, the contact column,
a display name, a list, a `mailto:` link, a link's part, encoded once or twice or as an HTML
character reference, a column and a JSON key named like one or holding one, a quarantined row — synced twice
with `-vv`, replayed from quarantine, then looked at through every command that shows data
(`status`, `quarantine list`, `report` as a table, JSON, CSV and HTML): no table or view of the SQLite
file, no byte of it, and no output holds any of those addresses."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import plugins_host
from cxbridge.cli.main import cli

ADDRESSES = ["ann.one@corp.example", "bo.two@corp.example", "cy.three@corp.example", "di.four@corp.example",
             "ed.five@corp.example", "fay.six@corp.example", "gus.seven@corp.example", "hal.eight@corp.example",
             "ivy.nine@corp.example", "jon.ten@corp.example", "kai.eleven@corp.example",
             "lu.twelve@corp.example"]  # fmt: skip
LOCAL_PARTS = [address.split("@")[0] for address in ADDRESSES]


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "ann.one@corp.example.csv").write_text(
        "Submitted,Store,NPS,Email,Manager,CC,Reply,Link,Hidden,Twice,Entity,cy.three@corp.example,"
        "Contact (kai.eleven@corp.example)\n"
        "2025-06-06 05:24,Lyon,10,bo.two@corp.example,Di Four <di.four@corp.example>,"
        "ed.five@corp.example; fay.six@corp.example,mailto:gus.seven@corp.example,"
        "https://shop.example/r?email=hal.eight%40corp.example&s=1,hal.eight%40corp.example,"
        "ivy.nine%2540corp.example,jon.ten&#64;corp.example,yes,no\n"
        "2025-06-07 05:24,Lyon,11,ann.one@corp.example,,,,,,,,no,yes\n",
        encoding="utf-8",
    )
    (tmp_path / "answers.json").write_text(json.dumps([
        {"id": "J1", "submitted": "2025-06-08 05:24", "nps": 6,
         "votes": {"cy.three@corp.example": 3, "for lu.twelve@corp.example": 1},
         "profile": "https://crm.example/contacts/bo.two@corp.example/edit", "owner": "di.four%2540corp.example"},
    ]))  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.files]\nconnector = "csv"\npath = "exports/*.csv"\n'
        '[sources.files.columns]\nsubmitted_at = "Submitted"\nemail = "Email"\nlocation_name = "Store"\n'
        '[[sources.files.metrics]]\ncolumn = "NPS"\nmetric = "nps"\n'
        '[sources.api]\nconnector = "json"\npath = "answers.json"\n'
        '[sources.api.columns]\nid = "id"\nsubmitted_at = "submitted"\n'
        '[[sources.api.metrics]]\ncolumn = "nps"\nmetric = "nps"\n'
    )
    return tmp_path


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def every_table_and_view(path: Path) -> dict[str, str]:
    """Each table and view of the SQLite file, all its rows and columns as text."""
    with sqlite3.connect(path) as db:
        names = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        return {name: "\n".join(map(repr, db.execute(f'SELECT * FROM "{name}"'))) for name in names}


def test_no_table_view_byte_or_output_holds_an_address(project):
    first = run("-vv", "sync")
    assert "1 quarantined" in first and "batch committed" in first
    again = run("-vv", "sync")
    shown = [first, again, run("-vv", "quarantine", "replay"), run("-vv", "status"), run("quarantine", "list"),
             run("report"),
             run("report", "--format", "json"), run("report", "--format", "csv"), run("report", "--by", "location"),
             run("report", "--html", "report.html"), (project / "report.html").read_text(encoding="utf-8")]  # fmt: skip
    tables = every_table_and_view(project / "cxbridge.db")
    assert "feedback" in tables and "location_scorecard" in tables and len(tables) > 20
    stored = b"".join(path.read_bytes() for path in project.glob("cxbridge.db*")).lower()
    for local in LOCAL_PARTS:
        for name, text in tables.items():
            assert local not in text.lower(), f"{local} is in {name}"
        assert local.encode() not in stored, f"{local} is in a byte of the database"
        for output in shown:
            assert local not in output.lower(), f"{local} is shown: {output[:2000]}"
