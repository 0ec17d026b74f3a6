"""The check pass (cxbridge.checks): a configuration that cannot work is found before any source
reads or writes — not after the sources before it have written — and `cxbridge check` runs the
pass alone. Plugins join it through `Source.check`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.config import config_from_dict
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import create_host
from cxbridge.tabular.table import Table
from cxbridge.testing.sample_feedback import SampleFeedback, SampleFeedbackConfig, version_records
from tests.conftest import Workspace, survey_row

SECOND_SOURCE = """
[sources.branches]
connector = "csv"
path = "{path}"

[sources.branches.columns]
id = "id"
submitted_at = "{submitted}"
"""


def with_second_source(workspace: Workspace, *, path: str = "branches.csv", submitted: str = "submitted") -> None:
    """A second CSV source after `survey` in the config, so it would run after `survey` wrote."""
    workspace.write_csv([survey_row(n) for n in range(10, 13)], name="branches.csv")
    workspace.config.write_text(workspace.config.read_text() + SECOND_SOURCE.format(path=path, submitted=submitted))


def stored(workspace: Workspace) -> list[tuple]:
    if not workspace.db.exists():
        return []
    return workspace.query("SELECT source, COUNT(*) FROM feedback GROUP BY source ORDER BY source")


def test_a_path_that_matches_nothing_fails_its_source_alone_and_the_others_sync(workspace: Workspace):
    """An empty export folder is today's state, not a configuration mistake: a scheduled sync of
    several sources refused them all (exit 2, nothing was read or written) for one source's
    folder; it fails that source alone (exit 1), naming its path and what to do."""
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    with_second_source(workspace, path="branch-exports/*.csv")
    synced = CliRunner().invoke(cli, ["sync", "--destination", f"sqlite:///{workspace.db}"])
    assert synced.exit_code == 1, synced.output
    assert stored(workspace) == [("survey", 3)]
    assert "nothing was read or written" not in synced.output
    missing = (
        f"path: no CSV file matches 'branch-exports/*.csv' (looked in {workspace.root}); put the files there, "
        "or correct path"
    )
    assert synced.output.splitlines()[1] == f"✘ branches (csv): failed: {missing}"
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.output.splitlines()[1]) == (2, f"✘ branches (csv): {missing}")
    alone = CliRunner().invoke(cli, ["sync", "--source", "branches", "--destination", f"sqlite:///{workspace.db}"])
    assert (alone.exit_code, alone.output) == (1, f"✘ branches (csv): failed: {missing}\n")  # exit 2 before


def test_a_misspelt_file_name_is_refused_with_the_file_meant(workspace: Workspace):
    """`path = "exports/responsess.csv"` said only that nothing matched, beside the file meant."""
    (workspace.root / "exports").mkdir()
    workspace.write_csv([survey_row(1)], name="exports/responses.csv")
    with_second_source(workspace, path="exports/responsess.csv")
    problems = CliRunner().invoke(cli, ["check"]).output.splitlines()
    assert problems[1] == (f"✘ branches (csv): path: no CSV file matches 'exports/responsess.csv' (looked in "
                           f"{workspace.root}); did you mean 'exports/responses.csv'?")  # fmt: skip


def test_a_mapped_column_missing_from_a_header_stops_the_run_before_any_source_writes(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 4)])
    workspace.sync()
    before = workspace.table("sync_runs", without=("run_id", "started_at", "finished_at"))
    with_second_source(workspace, submitted="Submitted at")
    workspace.write_csv([survey_row(n) for n in range(1, 6)])  # new rows the first source would write
    with pytest.raises(ConfigError, match=r"^\[sources.branches\] branches.csv: the mapped column 'Submitted at' is "
                                          r"not in the header; did you mean 'submitted'\?"):  # fmt: skip
        workspace.sync()
    assert stored(workspace) == [("survey", 3)]
    assert workspace.table("sync_runs", without=("run_id", "started_at", "finished_at")) == before


def test_every_problem_of_every_source_is_named_at_once(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    with_second_source(workspace, submitted="Submitted at")
    workspace.config.write_text(workspace.config.read_text().replace('store"', 'shop"'))
    with pytest.raises(ConfigError) as failed:
        workspace.sync()
    assert str(failed.value).startswith("[sources.survey] responses.csv: the mapped column 'shop' is not in the header")
    branches = "[sources.branches] branches.csv: the mapped column 'Submitted at' is not in the header"
    assert f"; {branches}" in str(failed.value)


def test_a_mapping_edited_after_a_file_was_read_is_checked_again(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    workspace.sync()
    workspace.config.write_text(workspace.config.read_text().replace('comment = "comment"', 'comment = "remarks"'))
    with pytest.raises(ConfigError, match="the mapped column 'remarks' is not in the header"):
        workspace.sync()  # the file is unchanged, the mapping is not


@pytest.mark.parametrize(
    ("timestamp_format", "message"),
    [
        ("%Q", "'%Q' is not a strptime format ('Q' is a bad directive in format '%Q')"),
        ("dd.mm.yyyy", "'dd.mm.yyyy' has no strptime directive; write e.g. '%d.%m.%Y %H:%M'"),
        ("%-d.%m.%Y", "'%-d.%m.%Y' is not a strptime format ('-' is a bad directive"),
    ],
)
def test_a_timestamp_format_that_cannot_read_a_time_is_a_config_error(timestamp_format, message, workspace: Workspace):
    """It used to quarantine every row, one by one, with exit code 0."""
    workspace.write_csv([survey_row(1)])
    text = workspace.config.read_text().replace('path = "responses*.csv"', f'path = "responses*.csv"\ntimestamp_format = "{timestamp_format}"')
    workspace.config.write_text(text)
    with pytest.raises(ConfigError) as failed:
        workspace.sync()
    assert f"sources.survey.timestamp_format: {message}" in str(failed.value)
    assert not workspace.db.exists()


def test_a_timestamp_format_that_reads_its_times_is_accepted(workspace: Workspace):
    rows = [survey_row(1), survey_row(2)]
    for row, written in zip(rows, ("02.03.2025 10:15", "28.11.2025 23:59"), strict=True):
        row[1] = written
    workspace.write_csv(rows)
    text = workspace.config.read_text().replace('path = "responses*.csv"', 'path = "responses*.csv"\ntimestamp_format = "%d.%m.%Y %H:%M"')
    workspace.config.write_text(text)
    [result] = workspace.sync().results
    assert (result.written, result.quarantined) == (2, 0)
    assert workspace.query("SELECT submitted_at FROM feedback ORDER BY 1") == [
        ("2025-03-02T10:15:00Z",), ("2025-11-28T23:59:00Z",)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("survey", "hint"),
    [
        ("sv_8dZXgAbcDe9Qw3r", "copy it from Account Settings › Qualtrics IDs"),
        ("Store visit survey", "copy it from Account Settings › Qualtrics IDs"),
        ("https://acme.eu.qualtrics.com/survey-builder/SV_8dZXgAbcDe9Qw3r/edit", "did you mean 'SV_8dZXgAbcDe9Qw3r'?"),
    ],
)
def test_a_malformed_qualtrics_survey_id_is_a_config_error(survey, hint, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("QUALTRICS_API_TOKEN", "qt-check-7Hq2")
    source = {"connector": "qualtrics", "datacenter": "fra1", "api_token": "${QUALTRICS_API_TOKEN}",
              "surveys": ["SV_1AbCdEfGh2IjKlM", survey]}  # fmt: skip
    with pytest.raises(ConfigError) as failed:
        config_from_dict({"sources": {"nps": source}}, create_host(), path=tmp_path / "cxbridge.toml")
    assert str(failed.value) == (
        f"{tmp_path / 'cxbridge.toml'}: sources.nps.surveys: {survey!r} is not a survey id "
        f"(SV_ and letters or digits, e.g. SV_8dZXgAbcDe9Qw3r); {hint}"
    )


class CheckedFeedback(SampleFeedback):
    """A third-party source with a check of its own: its touchpoint must be one it knows."""

    name = "checked_feedback"

    def check(self, cursors: dict[str, Any]) -> None:
        seen.append(dict(cursors))
        if self.config.touchpoint == "nowhere":
            raise ConfigError("touchpoint: 'nowhere' is not a journey step this API knows")
        if self.config.touchpoint == "crash":
            raise RuntimeError("the plugin's own bug")


class CheckedFeedbackConfig(SampleFeedbackConfig):
    connector: Literal["checked_feedback"] = "checked_feedback"  # type: ignore[assignment]


CheckedFeedback.config_model = CheckedFeedbackConfig
seen: list[dict[str, Any]] = []


class Registering:
    @cxbridge.hookimpl
    def register_sources(self, register):
        register(CheckedFeedback)


def plugin_config(tmp_path: Path, touchpoint: str):
    host = create_host(load_entry_points=False)
    host.pm.register(Registering())
    sources = {"plugin": {"connector": "checked_feedback", "touchpoint": touchpoint}}
    return config_from_dict({"sources": sources}, host, path=tmp_path / "cxbridge.toml"), host


def test_a_plugins_own_check_joins_the_pass_with_the_saved_cursors(tmp_path: Path):
    seen.clear()
    config, host = plugin_config(tmp_path, "delivery")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(config, destination=url, host=host).results[0].ok
    cxbridge.sync(config, destination=url, host=host)
    assert seen[0] == {} and seen[1]["responses"] == max(r["updated"] for r in version_records(60, 1))
    failing, host = plugin_config(tmp_path, "nowhere")
    with pytest.raises(ConfigError, match=r"^\[sources.plugin\] touchpoint: 'nowhere' is not a journey step"):
        cxbridge.sync(failing, destination=url, host=host)


def test_a_check_that_crashes_is_logged_and_the_source_runs(tmp_path: Path, caplog):
    config, host = plugin_config(tmp_path, "crash")
    [result] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=host).results
    assert result.ok and result.quarantined == 3
    assert "plugin (checked_feedback): its check failed, the run will tell: RuntimeError: the plugin's own bug" in caplog.text


def test_cxbridge_check_runs_the_pass_alone_and_writes_nothing(workspace: Workspace):
    workspace.write_csv([survey_row(1)])
    ok = CliRunner().invoke(cli, ["check"])
    assert (ok.exit_code, ok.output) == (0, "✔ survey (csv)\n")
    with_second_source(workspace, path="missing.csv")
    failed = CliRunner().invoke(cli, ["check"])
    assert failed.exit_code == 2
    assert failed.output.splitlines() == [
        "✔ survey (csv)",
        f"✘ branches (csv): path: no CSV file matches 'missing.csv' (looked in {workspace.root}); put the files there, "
        "or correct path",
    ]
    assert CliRunner().invoke(cli, ["check", "--source", "survey"]).exit_code == 0
    as_json = CliRunner().invoke(cli, ["--log-format", "json", "check"])
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [
        {"event": "source_check", "source": "survey", "connector": "csv", "problem": None, "warnings": [], "ok": True},
        {"event": "source_check", "source": "branches", "connector": "csv", "ok": False, "warnings": [],
         "problem": f"path: no CSV file matches 'missing.csv' (looked in {workspace.root}); put the files there, "
                    "or correct path"},
    ]  # fmt: skip
    assert not workspace.db.exists() and not list(workspace.root.glob("*.lock"))



def test_cxbridge_check_shows_an_entry_naming_no_column_as_a_warning_from_the_headers_alone(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    """A misspelt `personal` entry would leave its column stored: `cxbridge check` says so as
    the sync does, as a warning under the source's line — it passes, exit code 0 — having read the
    files' headers and no row of them."""
    workspace.write_csv([survey_row(n) for n in range(1, 500)])
    text = workspace.config.read_text().replace("[sources.survey.columns]", 'personal = ["coment", "email"]\n\n[sources.survey.columns]')
    workspace.config.write_text(text)
    rows_read = []
    numbered = Table.numbered
    monkeypatch.setattr(Table, "numbered", lambda table: rows_read.append(table.where) or numbered(table))
    checked = CliRunner().invoke(cli, ["check"])
    assert checked.exit_code == 0, checked.output
    [line, warning] = checked.stdout.splitlines()
    assert line == "✔ survey (csv)"
    assert warning.startswith("  ⚠ source 'survey': `personal` entry 'coment' matches no column of the files read")
    assert "did you mean 'comment'?" in warning
    assert rows_read == []
    as_json = CliRunner().invoke(cli, ["--log-format", "json", "check"])
    [found] = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert found["ok"] and found["problem"] is None and found["warnings"] == [warning.removeprefix("  ⚠ ")]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_cxbridge_check_names_an_entry_holding_an_address_by_its_key_in_every_format(workspace: Workspace, fmt: str):
    """The warning about a `personal` entry naming no column quotes the entry as messages name
    it (an address as its hashed: key) — the table did, while JSON and CSV printed the address."""
    workspace.write_csv([survey_row(1)])
    text = workspace.config.read_text()
    workspace.config.write_text(text.replace("[sources.survey.columns]", 'personal = ["Phone of bob.k@example.com"]\n\n'
                                             "[sources.survey.columns]"))  # fmt: skip
    checked = CliRunner().invoke(cli, ["check", "--format", fmt])
    assert checked.exit_code == 0, checked.output
    assert "entry 'Phone of hashed:" in checked.output and "bob.k" not in checked.output
    [found] = cxbridge.check(workspace.config)
    assert "bob.k" not in found.warnings[0]


def test_cxbridge_check_warns_of_an_empty_file_a_sync_would_import_nothing_from(workspace: Workspace):
    """An export job that wrote 0 bytes: the sync imports nothing from it (or fails, when it is
    the only file), so the check says so — it passes, exit code 0, as for any warning."""
    workspace.write_csv([survey_row(1)])
    (workspace.root / "responses_2025-06.csv").write_bytes(b"")
    checked = CliRunner().invoke(cli, ["check"])
    assert (checked.exit_code, checked.stdout.splitlines()) == (0, [
        "✔ survey (csv)",
        "  ⚠ responses_2025-06.csv: the file is empty (0 bytes): a sync imports nothing from it",
    ])  # fmt: skip
