"""docs/migrate.md, run: the 15 QualtricsTools responses imported from their exports, then the
survey's API source declared the same survey; the guide's queries and commands show each response
counted once, before and after, and one question key."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.qualtrics_api import ROOT, qualtrics
from tests.test_cross_source_identity import FEELING, KEEP_TESTS, NO_BASIS, SURVEY, api_replay, no_basis, response_ids  # noqa: F401

GUIDE = Path(__file__).parent.parent / "docs" / "migrate.md"


def guide_query(name: str) -> str:
    """The SQL block of the guide headed `-- migrate: NAME`."""
    blocks = re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if block.startswith(f"-- migrate: {name}\n"))


def write_config(folder: Path, api_url: str | None) -> None:
    exports = (f'[sources.exports]\nconnector = "csv"\npath = "{NO_BASIS}_*.csv"\nformat = "auto"\n'
               f'definition = "{NO_BASIS}.qsf"\ntimezone = "America/New_York"\n'
               f'columns = {{ id = "_recordId", submitted_at = "endDate" }}\n{KEEP_TESTS}'
               'metrics = [{ column = "QID1", metric = "csat", scale = [1, 3], direction = "lower_is_better", '
               'ignore_values = [-1] }]\n')  # fmt: skip
    text = "[destination]\nurl = \"sqlite:///cx.db\"\n\n" + exports
    if api_url:
        text += 'same_as = "qualtrics_api"\n\n'
        text += (f'[sources.qualtrics_api]\nconnector = "qualtrics"\nbase_url = "{api_url}"\n'
                 f'api_token = "${{QUALTRICS_API_TOKEN}}"\nsurveys = ["{SURVEY}"]\n{KEEP_TESTS}'
                 '[sources.qualtrics_api.questions.QID1]\nmetric = "csat"\nscale = [1, 3]\n'
                 'direction = "lower_is_better"\nignore_values = [-1]\nprimary = true\n')  # fmt: skip
    (folder / "cxbridge.toml").write_text(text, encoding="utf-8")


def run(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--config", str(folder / "cxbridge.toml")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def counts(folder: Path) -> list[tuple]:
    with sqlite3.connect(folder / "cx.db") as conn:
        return conn.execute(guide_query("counts")).fetchall()


def test_the_guide_moves_exports_to_the_api_and_counts_each_response_once(no_basis: Path):  # noqa: F811
    (no_basis / f"{NO_BASIS}_Legacy.csv").unlink()  # one layout: the Insights export
    write_config(no_basis, None)
    run(no_basis, "sync", "--source", "exports")
    assert counts(no_basis) == [("exports", 15, 15)]
    with qualtrics(api_replay(no_basis)) as fake:
        write_config(no_basis, fake.url + ROOT)
        run(no_basis, "sync")
    assert counts(no_basis) == [("exports", 15, 0), ("qualtrics_api", 15, 15)]  # 15 counted, before and after
    groups = json.loads(run(no_basis, "duplicates", "--format", "json"))
    listed = groups["groups"] if isinstance(groups, dict) else groups
    assert len(listed) == 15
    status = run(no_basis, "status")
    assert "exports" in status and "qualtrics_api" in status
    with sqlite3.connect(no_basis / "cx.db") as conn:
        versions = conn.execute(guide_query("question versions")).fetchall()
    assert [(row[0], row[1], row[2], row[5]) for row in versions] == [(f"{SURVEY}/QID1@1-3", "qualtrics_api", "QID1", 13)]
