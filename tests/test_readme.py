"""README is the user's first contact: its commands must be the ones that work."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cxbridge import hookspecs
from cxbridge.cli.main import cli
from cxbridge.config import load_config
from cxbridge.plugins_host import create_host
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command():
    setup_install, test_command = [block.strip() for block in code_blocks("sh")[:2]]
    assert test_command == "pip install -e '.[test]' -e examples/plugins/cxbridge-topics && pytest"
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci_script.splitlines()


def test_the_setup_command_syncs_the_shipped_example():
    setup_command = code_blocks("sh")[0].strip()
    assert setup_command.startswith("pip install . && cxbridge sync --config examples/cxbridge.toml")
    assert (ROOT / "examples" / "cxbridge.toml").is_file()


def test_every_cli_command_is_in_the_readme():
    names = [name for name in cli.commands if name != "help"]
    missing = [name for name in names if not re.search(rf"`cxbridge {name}[ `]", README)]
    assert not missing, f"document these commands in README: {missing}"


def test_every_hook_is_in_the_readme():
    hooks = [name for name in dir(hookspecs) if name.startswith(("register_", "resolve_", "enrich_", "on_"))]
    missing = [name for name in hooks if f"`{name}(" not in README]
    assert not missing, f"document these hooks in README: {missing}"


def test_the_readme_config_example_is_valid(tmp_path):
    from cxbridge.config import parse_config
    from cxbridge.plugins_host import create_host

    config_block = next(block for block in code_blocks("toml") if "[sources.store_nps.columns]" in block)
    settings = next(block for block in code_blocks("toml") if block.startswith("[settings]"))
    text = settings.split("[sources.store_nps]")[0].replace('"${CXBRIDGE_RESPONDENT_SALT}"', '"${HOME}"')
    config = parse_config(text + config_block, create_host())
    assert config.sources["store_nps"].config.metrics[2].direction == "lower_is_better"


def test_cli_help_works():
    assert CliRunner().invoke(cli, ["--help"]).exit_code == 0


def test_every_relative_link_of_the_readme_and_docs_leads_to_a_file():
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for document in documents:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", document.read_text(encoding="utf-8")):
            if not target.startswith(("http://", "https://", "mailto:")) and not (document.parent / target).exists():
                broken.append(f"{document.relative_to(ROOT)} → {target}")
    assert broken == []


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.toml")), ids=lambda path: path.name)
def test_every_example_config_is_valid(example, monkeypatch):
    for name in re.findall(r"\$\{([A-Z0-9_]+)\}", example.read_text(encoding="utf-8")):
        monkeypatch.setenv(name, "example-value")
    config = load_config(example, create_host())  # validated; sources needing key files are not built
    assert config.sources


NUMBERS = {"two": 2, "three": 3, "thirteen": 13}


def test_the_readme_describes_the_example_network_as_its_files_are():
    """"thirteen stores, … two mystery-shopping waves …, a store audit in each wave", "three
    deliberately bad rows go to quarantine" and "March's and June's single audits" are
    indicative: counted here in the example's CSV files (tests/test_population_views.py checks
    that the rows left out by the same rules are the ones a sync quarantines)."""
    import csv

    def rows(name: str) -> list[dict[str, str]]:
        with (ROOT / "examples" / "data" / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    text = " ".join(README.split())
    said = re.search(r"retail network in `examples/` — (\w+) stores, a customer survey, (\w+) mystery-shopping waves", text)
    customers, visits, audits = rows("store_nps_2025.csv"), rows("mystery_shop_2025.csv"), rows("store_audit_2025.csv")
    stores = {r["Store ID"] for name in ("store_nps_2025.csv", "mystery_shop_2025.csv", "store_audit_2025.csv",
                                         "employee_pulse_2025.csv") for r in rows(name)}  # fmt: skip
    waves = {r["Wave"] for r in visits}
    assert said and (NUMBERS[said[1]], NUMBERS[said[2]]) == (len(stores), len(waves)) and {r["Wave"] for r in audits} == waves
    labels = {"Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"}
    nps = "How likely are you to recommend us to a friend?"
    bad = [r for r in customers if not r["Submitted"] or r["How satisfied were you with your visit?"] not in labels
           or not 0 <= int(r[nps]) <= 10]  # fmt: skip
    said = re.search(r"\((\w+) deliberately bad rows go to quarantine", text)
    assert said and NUMBERS[said[1]] == len(bad)
    per_month = {}
    for r in audits:
        per_month[r["Audit date"][:7]] = per_month.get(r["Audit date"][:7], 0) + 1
    single = [month for month, count in sorted(per_month.items()) if count < 5]
    assert "— March's and June's single audits — is marked `indicative`" in text
    assert single == ["2025-03", "2025-06"] and all(per_month[m] == 1 for m in single)
