"""Commands that only use the destination run on a laptop without the sources' and loop actions'
credentials — and print what they print with them — while every command that needs one still
stops before any data moves, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import api
from cxbridge.cli.main import cli
from cxbridge.config import load_config
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from tests.conftest import Workspace, survey_row

CREDENTIALS = {
    "TYPEFORM_TOKEN": "tfp_only-on-the-sync-server",
    "SLACK_WEBHOOK_URL": "https://hooks.example.com/T0/B0/x",
}
API_SOURCE_AND_ACTION = """
[sources.tf]
connector = "typeform"
token = "${TYPEFORM_TOKEN}"
forms = ["u6nXL7"]
expected_every = "1d"

[loop.actions.team_chat]
type = "slack"
url = "${SLACK_WEBHOOK_URL}"
"""


def line_of(config: Path, text: str) -> int:
    """The line of the config that holds `text`, as an error about it names it."""
    return next(number for number, line in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.fixture
def project(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The CSV survey synced into cxbridge.db (its detractors opened cases) by a config that also
    holds a Typeform source and a Slack action, on the machine that has their credentials."""
    workspace.config.write_text(workspace.config.read_text() + API_SOURCE_AND_ACTION, encoding="utf-8")
    workspace.write_csv([survey_row(n, nps=n % 11, satisfaction="Dissatisfied" if n % 4 else "Satisfied")
                         for n in range(1, 30)])  # fmt: skip
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    code, out = run("sync", "--config", str(workspace.config), "--source", "survey")
    assert code == 0, out
    return workspace


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name)


def a_case(project: Workspace) -> str:
    return project.query("SELECT case_id FROM feedback_cases ORDER BY case_id LIMIT 1")[0][0]


READING = [
    ["report"],
    ["report", "--format", "json"],
    ["report", "--by", "location", "--since", "2025-03-01", "--until", "2025-09-01"],
    ["report", "--loop"],
    ["status"],
    ["status", "--stale"],
    ["status", "--stale", "2d", "--format", "json"],
    ["duplicates"],
    ["quarantine", "list"],
    ["cases", "list", "--format", "json"],
    ["cases", "list", "--overdue"],
]


@pytest.mark.parametrize("command", READING, ids=" ".join)
def test_a_reading_command_prints_the_same_without_the_credentials(project, monkeypatch, command):
    args = [*command, "--config", str(project.config)]
    with_them = run(*args)
    assert with_them[0] in (0, 1), with_them  # status --stale: 1, the Typeform source never synced
    assert with_them[1].strip()
    without_credentials(monkeypatch)
    assert run(*args) == with_them


def test_cases_show_and_the_html_report_are_the_same_without_the_credentials(project, monkeypatch):
    config = str(project.config)
    shown = run("cases", "show", a_case(project), "--config", config)
    assert run("report", "--html", "with.html", "--config", config) == (0, "wrote with.html\n")
    without_credentials(monkeypatch)
    assert run("cases", "show", a_case(project), "--config", config) == shown
    assert run("report", "--html", "without.html", "--config", config) == (0, "wrote without.html\n")
    assert Path("without.html").read_bytes() == Path("with.html").read_bytes()


def test_a_case_is_worked_without_the_credentials(project, monkeypatch):
    without_credentials(monkeypatch)
    case, config = a_case(project), str(project.config)
    code, out = run("cases", "assign", case, "Zoë", "--by", "lead", "--config", config)
    assert (code, out) == (0, f"case {case}: open, owner Zoë\n")
    code, out = run("cases", "update", case, "--status", "contacted", "--by", "Zoë", "--config", config)
    assert (code, out) == (0, f"case {case}: contacted, owner Zoë\n")


@pytest.mark.parametrize(
    "command",
    [["sync"], ["sync", "--source", "survey"], ["sync", "--dry-run"], ["check"], ["quarantine", "replay"],
     ["cases", "deliver", "--all"]],  # fmt: skip
    ids=" ".join,
)
def test_a_command_that_needs_a_credential_stops_before_any_data_moves(project, monkeypatch, command):
    before = project.table("sync_runs"), project.table("feedback"), project.table("loop_outbox")
    without_credentials(monkeypatch)
    code, out = run(*command, "--config", str(project.config))
    token, url = line_of(project.config, "${TYPEFORM_TOKEN}"), line_of(project.config, "${SLACK_WEBHOOK_URL}")
    assert (code, out) == (2, f"error: {project.config}: sources.tf.token: ${{TYPEFORM_TOKEN}} is not set (line {token}); "
                              f"loop.actions.team_chat.url: ${{SLACK_WEBHOOK_URL}} is not set (line {url}); export "
                              "TYPEFORM_TOKEN and SLACK_WEBHOOK_URL or provide them through a secret plugin\n")  # fmt: skip
    assert (project.table("sync_runs"), project.table("feedback"), project.table("loop_outbox")) == before


def test_the_action_s_credential_is_named_when_only_it_is_missing(project, monkeypatch):
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    code, out = run("cases", "deliver", "--all", "--config", str(project.config))
    url = line_of(project.config, "${SLACK_WEBHOOK_URL}")
    assert (code, out) == (2, f"error: {project.config}: loop.actions.team_chat.url: ${{SLACK_WEBHOOK_URL}} is not "
                              f"set (line {url}); export SLACK_WEBHOOK_URL or provide it through a secret plugin\n")  # fmt: skip
    assert run("cases", "list", "--config", str(project.config))[0] == 0


def test_a_config_loaded_for_reading_builds_no_source_or_action_without_its_credential(project, monkeypatch):
    host = create_host()
    survey = load_config(project.config, host).sources["survey"].config
    without_credentials(monkeypatch)
    config = load_config(project.config, host, builds_connectors=False)
    assert config.sources["tf"].config.expected_every == "1d"
    assert "token" not in config.sources["tf"].config.model_dump()
    with pytest.raises(ConfigError, match=rf"^{project.config}: sources\.tf\.token: \$\{{TYPEFORM_TOKEN\}} is not set"):
        config.build_source("tf")
    with pytest.raises(ConfigError, match=r"loop\.actions\.team_chat\.url: \$\{SLACK_WEBHOOK_URL\} is not set"):
        config.actions["team_chat"].build()
    runs = project.table("sync_runs")
    with pytest.raises(ConfigError, match=r"sources\.tf\.token: \$\{TYPEFORM_TOKEN\} is not set"):
        api.sync(config, host=host)
    assert project.table("sync_runs") == runs
    assert config.sources["survey"].config == survey


def test_the_destination_s_password_stays_required(workspace, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    destination = '[destination]\nurl = "postgresql://cx:${PGPASSWORD}@db/cx"\n'
    workspace.config.write_text(workspace.config.read_text() + destination, encoding="utf-8")
    code, out = run("report", "--config", str(workspace.config))
    line = line_of(workspace.config, "${PGPASSWORD}")
    assert (code, out) == (2, f"error: {workspace.config}: destination.url: ${{PGPASSWORD}} is not set (line {line}); "
                              "export PGPASSWORD or provide it through a secret plugin\n")  # fmt: skip


def test_a_reference_in_a_list_of_an_api_source_is_set_aside_too(project, monkeypatch):
    monkeypatch.delenv("TYPEFORM_FORM", raising=False)
    project.config.write_text(project.config.read_text().replace('"u6nXL7"', '"${TYPEFORM_FORM}"'), encoding="utf-8")
    config = load_config(project.config, create_host(), builds_connectors=False)
    with pytest.raises(ConfigError, match=r"sources\.tf\.forms\.1: \$\{TYPEFORM_FORM\} is not set"):
        config.build_source("tf")


def test_a_reference_in_a_key_every_source_has_stops_a_reading_command_too(project, monkeypatch):
    monkeypatch.delenv("TF_EVERY", raising=False)
    project.config.write_text(project.config.read_text().replace('"1d"', '"${TF_EVERY}"'), encoding="utf-8")
    code, out = run("status", "--stale", "--config", str(project.config))
    line = line_of(project.config, "${TF_EVERY}")
    assert (code, out) == (2, f"error: {project.config}: sources.tf.expected_every: ${{TF_EVERY}} is not set (line "
                              f"{line}); export TF_EVERY or provide it through a secret plugin\n")  # fmt: skip


TWO_API_SOURCES = """
[sources.zd]
connector = "zendesk"
subdomain = "acme"
email = "cx-bot@acme.example"
api_token = "${ZENDESK_TOKEN}"

[sources.tf]
connector = "typeform"
token = "${TYPEFORM_TOKEN}"
"""


def test_every_unset_variable_is_named_at_once_with_its_line(workspace, monkeypatch):
    """Before 2026-12-07 only the first was named: export it, run again, meet the next."""
    for name in ("ZENDESK_TOKEN", "TYPEFORM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    workspace.config.write_text(workspace.config.read_text() + TWO_API_SOURCES, encoding="utf-8")
    lines = workspace.config.read_text(encoding="utf-8").splitlines()
    zendesk, typeform = lines.index('api_token = "${ZENDESK_TOKEN}"') + 1, lines.index('token = "${TYPEFORM_TOKEN}"') + 1
    code, out = run("sync", "--config", str(workspace.config))
    assert (code, out) == (2, f"error: {workspace.config}: sources.zd.api_token: ${{ZENDESK_TOKEN}} is not set (line "
                              f"{zendesk}); sources.tf.token: ${{TYPEFORM_TOKEN}} is not set (line {typeform}); export "
                              "ZENDESK_TOKEN and TYPEFORM_TOKEN or provide them through a secret plugin\n")  # fmt: skip
    assert not workspace.db.exists()
