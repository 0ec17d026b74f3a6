"""A source's program, respondent_type and channel are read in any case and spelling of their
separators, as metric names are (`VOC`, `Mystery-Shop`, `In Store`); the options naming a program
(`report --program`, `import --program`) too. A word that is none of them is still refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from cxbridge.config import parse_config
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from tests.conftest import Workspace, survey_row

SOURCE = """
[sources.survey]
connector = "csv"
path = "responses.csv"
{key} = "{value}"
[sources.survey.columns]
id = "id"
submitted_at = "submitted"
"""


@pytest.mark.parametrize(
    ("key", "written", "meant"),
    [("program", "VOC", "voc"), ("program", "Mystery-Shop", "mystery_shop"), ("program", "mystery shop", "mystery_shop"),
     ("respondent_type", "Customer", "customer"), ("channel", "In Store", "in_store"), ("channel", "EMAIL", "email")],
)  # fmt: skip
def test_a_sources_vocabulary_loads_in_any_case(key: str, written: str, meant: str):
    config = parse_config(SOURCE.format(key=key, value=written), create_host(), path=Path("cxbridge.toml"))
    assert getattr(config.sources["survey"].config, key) == meant


def test_a_program_that_is_none_is_still_a_config_error():
    with pytest.raises(ConfigError, match="sources.survey.program: Input should be 'voc', 'mystery_shop'"):
        parse_config(SOURCE.format(key="program", value="surveys"), create_host(), path=Path("cxbridge.toml"))


def test_a_source_of_program_voc_in_capitals_syncs_and_reports_under_any_case(workspace: Workspace):
    workspace.config.write_text(workspace.config.read_text().replace('connector = "csv"', 'connector = "csv"\nprogram = "VOC"'))
    workspace.write_csv([survey_row(1), survey_row(2)])
    synced = CliRunner().invoke(cli, ["sync"])
    assert synced.exit_code == 0, synced.output
    assert workspace.query("SELECT DISTINCT program FROM feedback") == [("voc",)]
    for given in ("voc", "VOC"):
        reported = CliRunner().invoke(cli, ["report", "--program", given, "--format", "json"])
        assert reported.exit_code == 0, reported.output
        rows = json.loads(reported.stdout)
        assert rows and {row["program"] for row in rows} == {"voc"}, reported.stdout


def test_import_takes_a_program_in_any_case(workspace: Workspace):
    path = workspace.write_csv([survey_row(1)], name="visits.csv")
    imported = CliRunner().invoke(cli, ["import", str(path), "--program", "Mystery_Shop", "--db", str(workspace.db)])
    assert imported.exit_code == 0, imported.output
    assert workspace.query("SELECT DISTINCT program FROM feedback") == [("mystery_shop",)]
