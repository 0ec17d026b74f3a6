"""Every hook and every CLI command is documented: a new one without docs fails here."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
import pytest

from cxbridge import hookspecs
from cxbridge.cli.main import cli
from cxbridge.plugins_host import create_host

DOCS = Path(__file__).resolve().parents[1] / "docs"
PLUGINS_MD = (DOCS / "plugins.md").read_text(encoding="utf-8")
CLI_MD = (DOCS / "cli.md").read_text(encoding="utf-8")


def hooks() -> list[str]:
    return [name for name, value in vars(hookspecs).items() if hasattr(value, "cxbridge_spec")]


def commands(group: click.Group = cli, prefix: str = "cxbridge") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


def section(text: str, heading: str) -> str:
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#{{2,3}} |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def signature(name: str) -> str:
    return name + str(inspect.signature(getattr(hookspecs, name))).replace("'", "")


@pytest.mark.parametrize("hook", hooks())
def test_every_hook_has_a_section_headed_by_its_exact_signature_with_an_example(hook: str):
    body = section(PLUGINS_MD, signature(hook))
    assert body, f"docs/plugins.md has no section '### {signature(hook)}'"
    assert "```python" in body and f"def {hook}(" in body, f"the section of {hook} has no example implementing it"


@pytest.mark.parametrize("path, command", commands(), ids=[path for path, _ in commands()])
def test_every_cli_command_and_option_is_documented(path: str, command: click.Command):
    body = section(CLI_MD, path)
    assert body.strip(), f"docs/cli.md has no section '### {path}'"
    for option in (p for p in command.params if isinstance(p, click.Option)):
        longest = max(option.opts, key=len)
        assert longest in body, f"docs/cli.md, '### {path}', does not mention {longest}"


def test_the_hooks_found_are_the_ones_of_the_design():
    assert set(hooks()) >= {"register_sources", "register_destinations", "register_commands", "resolve_secret",
                            "enrich_record", "on_sync_event"}  # fmt: skip


def test_the_readme_command_table_lists_each_kind_of_report():
    """The README's table of commands names `report`, `report --html` and `report --loop`."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `cxbridge report")]
    for option in ("--html", "--loop"):
        assert any(f"`cxbridge report {option}" in row for row in rows), f"README.md's command table has no report {option}"


DESTINATION_NAMES = {"sqlite": "SQLite", "duckdb": "DuckDB", "parquet": "Parquet", "postgresql": "PostgreSQL",
                     "snowflake": "Snowflake", "bigquery": "BigQuery"}  # fmt: skip


@pytest.mark.parametrize("scheme", sorted(DESTINATION_NAMES))
def test_the_init_configs_batch_size_comment_gives_each_destinations_default(scheme: str):
    """`cxbridge init` wrote 'default: 1000; 10000 for DuckDB, Parquet, Snowflake, BigQuery' while
    SQLite, the destination that config writes to, commits 10,000 records a batch."""
    template = (DOCS.parent / "cxbridge" / "templates" / "cxbridge.toml").read_text(encoding="utf-8")
    comment = next(line for line in template.splitlines() if "batch_size" in line)
    size = create_host().destination_class(scheme).batch_size
    assert re.search(rf"\b{size} on [^;)]*\b{DESTINATION_NAMES[scheme]}\b", comment), comment


def readme_command_rows() -> list[tuple[click.Command, str]]:
    """Each row of the README's command table with the command its first cell names."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    found = []
    for cell in re.findall(r"^\| `(cxbridge [^`]+)`", readme, re.M):
        command: click.Command = cli
        for word in cell.split()[1:]:
            if not isinstance(command, click.Group) or word not in command.commands:
                break
            command = command.commands[word]
        found.append((command, cell))
    return found


@pytest.mark.parametrize("command, cell", readme_command_rows(), ids=[cell.split(" [")[0] for _, cell in readme_command_rows()])
def test_the_readme_command_table_lists_each_options_choices_as_the_help_does(command: click.Command, cell: str):
    """The README's `report [--by month|…|program]` left out `wave` and `inspect [--date-order
    dmy|mdy]` left out `ymd`, which `--help` lists and docs/cli.md documents."""
    for name, written in re.findall(r"(--[a-z-]+) ([a-z_]+(?:\\\|[a-z_]+)+)", cell):
        option = next(p for p in command.params if name in p.opts)
        assert written.split("\\|") == list(option.type.choices), f"README.md: {cell.split(' [')[0]} {name}"
