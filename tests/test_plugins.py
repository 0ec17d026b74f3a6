"""Plugin discovery through real entry points: built-ins, third-party packages, broken ones."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxbridge import api, plugins_host
from cxbridge.cli.main import cli
from cxbridge.errors import PluginError
from cxbridge.plugins_host import LazyClass, create_host

GOOD_PLUGIN = '''
import cxbridge
from cxbridge.sources import Source


class ThirdPartySource(Source):
    name = "thirdparty"

    def streams(self):
        return []


class ImpostorCsv(Source):
    name = "csv"

    def streams(self):
        return []


@cxbridge.hookimpl
def register_sources(register):
    register(ThirdPartySource)
    register(ImpostorCsv)


@cxbridge.hookimpl
def register_commands(cli):
    cli.command("goodplug-hello")(lambda: None)
'''


MISSPELLED_HOOK = """
import cxbridge


@cxbridge.hookimpl
def register_sourcez(register):
    pass
"""

RAISING_HOOK = """
import cxbridge
from cxbridge.sources import Source


class HalfSource(Source):
    name = "halfway"

    def streams(self):
        return []


@cxbridge.hookimpl
def register_sources(register):
    register(HalfSource)


@cxbridge.hookimpl
def register_destinations(register):
    raise RuntimeError("boom in register_destinations")


@cxbridge.hookimpl
def register_commands(cli):
    raise RuntimeError("boom in register_commands")
"""


def install_fake_distribution(site: Path, dist: str, version: str, module: str, code: str) -> None:
    """A real, importable distribution with a `cxbridge` entry point, as pip would leave it."""
    (site / f"{module}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[cxbridge]\n{module} = {module}\n", encoding="utf-8")
    (info / "top_level.txt").write_text(f"{module}\n", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "cxbridge-goodplug", "1.2.3", "goodplug", GOOD_PLUGIN)
    install_fake_distribution(site, "cxbridge-brokenplug", "0.1", "brokenplug", "raise ImportError('needs libfoo')\n")
    install_fake_distribution(site, "cxbridge-typoplug", "0.1", "typoplug", MISSPELLED_HOOK)
    install_fake_distribution(site, "cxbridge-raiseplug", "0.1", "raiseplug", RAISING_HOOK)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("CXBRIDGE_LOAD_PLUGINS", raising=False)
    monkeypatch.setattr(plugins_host, "_host", None)
    plugins_host._packages_distributions.cache_clear()
    yield site
    plugins_host._packages_distributions.cache_clear()


def test_builtins_are_registered_through_the_same_hooks():
    host = create_host(load_entry_points=False)
    assert host.sources["csv"].package == "cxbridge"
    assert host.destinations["sqlite"].package == "cxbridge"
    assert host.pm.hook.resolve_secret.get_hookimpls()


def test_each_builtin_is_named_as_its_class_says_without_being_imported_before_asked_for():
    """The built-ins register `LazyClass`es: what the host reads of one before importing it (its
    name, whether it reads export files) is what the class itself says."""
    host = create_host(load_entry_points=False)
    for kind, found in (("source", host.sources), ("destination", host.destinations), ("action", host.actions)):
        for name, provided in found.items():
            assert isinstance(provided.registered, LazyClass), (kind, name)
            assert (provided.cls.name, provided.cls.__module__) == (name, provided.registered.module)
            assert provided.reads_exports == bool(getattr(provided.cls, "reads_exports", False)), (kind, name)
    assert {name for name, p in host.sources.items() if p.reads_exports} == {"csv", "excel", "json"}


def test_a_builtin_whose_module_cannot_be_imported_is_reported_by_plugin_and_the_rest_work(monkeypatch):
    monkeypatch.setitem(sys.modules, "cxbridge.plugins.duckdb.destination", None)  # as if it failed to import
    host = create_host(load_entry_points=False)
    with pytest.raises(PluginError, match=r"plugin cxbridge.plugins.duckdb is not loaded: destination 'duckdb'"):
        host.destination_class("duckdb")
    assert host.destination_class("sqlite").name == "sqlite"
    listing = api.plugins(host=host)
    assert "duckdb" not in {p.name for p in listing.destinations}
    assert "sqlite" in {p.name for p in listing.destinations}
    failures = {failure.name: failure.error for failure in listing.failures}
    assert failures["cxbridge.plugins.duckdb"].startswith("destination 'duckdb' cannot be imported: ModuleNotFoundError")


def test_entry_point_plugins_load_and_name_their_package(site):
    host = create_host()
    provided = host.sources["thirdparty"]
    assert (provided.package, provided.version) == ("cxbridge-goodplug", "1.2.3")


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_work(site):
    host = create_host()
    failures = {failure.name: failure.error for failure in host.failures}
    assert failures["brokenplug"] == "ImportError: needs libfoo"
    assert "thirdparty" in host.sources and "csv" in host.sources


def test_a_plugin_with_a_misspelled_hook_is_reported_and_unregistered(site):
    host = create_host()
    failures = {failure.name: failure.error for failure in host.failures}
    assert failures["typoplug"] == "implements unknown hook 'register_sourcez'; did you mean 'register_sources'?"
    assert not host.pm.has_plugin("typoplug")
    assert "thirdparty" in host.sources


def test_a_plugin_whose_register_hook_raises_is_reported_and_unregistered(site):
    host = create_host()
    failures = {failure.name: failure.error for failure in host.failures}
    assert failures["raiseplug"] == "register_destinations raised RuntimeError: boom in register_destinations"
    assert not host.pm.has_plugin("raiseplug")
    assert "halfway" not in host.sources  # nothing of a rejected plugin stays
    assert "thirdparty" in host.sources and "sqlite" in host.destinations


def test_a_plugin_whose_register_commands_raises_is_reported_and_the_others_add_theirs(site):
    import click

    group = click.Group("cxbridge")  # not the real one: plugins' commands must not leak into other tests
    host = create_host()
    host.register_commands(group)
    assert "register_commands raised RuntimeError: boom in register_commands" in {f.error for f in host.failures}
    assert "goodplug-hello" in group.commands


def test_broken_plugins_are_warned_about_and_every_command_still_works(site, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    result = runner.invoke(cli, ["sync"])
    assert result.exit_code == 0, result.output
    assert "✔ sample_survey (csv): 30 read · 30 written" in result.stdout
    for name in ("brokenplug", "typoplug", "raiseplug"):
        assert f"plugin {name} is not loaded" in result.stderr
    assert runner.invoke(cli, ["report"]).exit_code == 0
    assert runner.invoke(cli, ["schema"]).exit_code == 0


def test_the_installed_program_starts_despite_broken_plugins(site):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    command = [sys.executable, "-m", "cxbridge", "plugins", "--json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    failed = {failure["plugin"] for failure in json.loads(result.stdout)["failures"]}
    assert {"brokenplug", "typoplug", "raiseplug"} <= failed


def test_a_name_collision_keeps_the_first_and_reports_the_second(site):
    host = create_host()
    assert host.sources["csv"].package == "cxbridge"
    assert any("source 'csv' is already provided by cxbridge" in failure.error for failure in host.failures)


def test_allow_list_loads_only_the_named_plugins(site, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_LOAD_PLUGINS", "cxbridge-goodplug")
    host = create_host()
    assert "thirdparty" in host.sources
    assert not any(failure.name == "brokenplug" for failure in host.failures)


def test_empty_allow_list_loads_only_builtins(site, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_LOAD_PLUGINS", "")
    host = create_host()
    assert "thirdparty" not in host.sources
    assert "csv" in host.sources and not host.failures


def test_plugins_command_lists_sources_destinations_and_failures(site):
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    entries = {(p["kind"], p["name"]): p for p in listing["plugins"]}
    assert entries[("source", "thirdparty")]["package"] == "cxbridge-goodplug"
    assert entries[("source", "csv")]["package"] == "cxbridge"
    assert entries[("destination", "sqlite")]["version"] != "unknown"
    assert {"plugin": "brokenplug", "error": "ImportError: needs libfoo"} in listing["failures"]


def test_tracing_prints_hook_calls(monkeypatch, capsys):
    monkeypatch.setenv("CXBRIDGE_TRACE_PLUGINS", "1")
    host = create_host(load_entry_points=False)
    host.sources  # noqa: B018 - calling register_sources is the point
    assert "register_sources" in capsys.readouterr().err


def test_tracing_masks_the_secrets_resolve_secret_returns(tmp_path):
    import os
    import subprocess

    api.init(tmp_path)
    config = tmp_path / "cxbridge.toml"
    config.write_text(config.read_text().replace("[settings]\n", '[settings]\nrespondent_salt = "${TRACED_SALT}"\n'))
    env = {key: value for key, value in os.environ.items() if not key.startswith("CXBRIDGE_")}
    env.update(CXBRIDGE_TRACE_PLUGINS="1", TRACED_SALT="CNRY-traced-salt-4711", CXBRIDGE_LOAD_PLUGINS="")
    result = subprocess.run([sys.executable, "-m", "cxbridge", "sync", "--no-progress"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "finish resolve_secret --> ***" in result.stderr
    assert "CNRY-traced-salt-4711" not in result.stdout + result.stderr


def test_importing_cxbridge_loads_no_plugins():
    import subprocess
    import sys

    code = "import cxbridge, sys; print(any(m.startswith('cxbridge.plugins.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def one_source_plugin(name: str) -> str:
    return textwrap.dedent(f"""
        import cxbridge
        from cxbridge.sources import Source


        class Named(Source):
            name = "{name}"

            def streams(self):
                return []


        @cxbridge.hookimpl
        def register_sources(register):
            register(Named)
    """)


def sources_of_a_new_host() -> set[str]:
    return set(create_host().sources)


def test_a_plugin_installed_or_removed_while_a_program_runs_is_seen_by_its_next_host(tmp_path, monkeypatch):
    """Installing adds a *.dist-info folder to a folder of sys.path, removing takes it away: the
    next host sees either, whatever the hosts before it read (plugins_host._installed_entry_points)."""
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "cxbridge-first", "1.0", "firstplug", one_source_plugin("first_one"))
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(site, ns=(hour_ago, hour_ago))  # a folder settled long ago, as site-packages is
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("CXBRIDGE_LOAD_PLUGINS", raising=False)
    assert "first_one" in sources_of_a_new_host()
    assert "first_one" in sources_of_a_new_host()

    install_fake_distribution(site, "cxbridge-second", "1.0", "secondplug", one_source_plugin("second_one"))
    assert {"first_one", "second_one"} <= sources_of_a_new_host()

    shutil.rmtree(site / "cxbridge_first-1.0.dist-info")
    found = sources_of_a_new_host()
    assert "second_one" in found and "first_one" not in found
