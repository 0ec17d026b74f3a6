"""`cxbridge.NAME()` is the API call NAME whatever was imported before: no submodule of cxbridge
(the connectors' package `cxbridge.plugins`, …) takes the name of an API function away."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import cxbridge

ROOT = Path(__file__).resolve().parents[1]


def installed_packages() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]


def import_every_submodule() -> list[str]:
    """Every module of every package cxbridge installs (pyproject.toml lists them: cli/ and
    plugins/ live outside cxbridge/), imported as a long-lived program may; `__main__` modules
    are programs (`python -m cxbridge`), not imported."""
    packages = installed_packages()
    names = list(packages)
    for package in packages:
        found = pkgutil.iter_modules(importlib.import_module(package).__path__, prefix=f"{package}.")
        names += [info.name for info in found if not info.ispkg and info.name.rsplit(".", 1)[1] != "__main__"]
    for name in dict.fromkeys(names):
        importlib.import_module(name)
    return names


def test_the_walk_reaches_the_packages_that_share_a_name_with_an_api_call():
    imported = import_every_submodule()
    assert {"cxbridge.plugins", "cxbridge.plugins.sqlite", "cxbridge.cli.main", "cxbridge.testing.sources"} <= set(imported)


def test_every_api_call_works_after_every_submodule_was_imported(tmp_path: Path):
    from cxbridge import api

    import_every_submodule()
    config = tmp_path / "cxbridge.toml"
    data = tmp_path / "data" / "sample_responses.csv"

    assert cxbridge.init(tmp_path) == [config, data]
    synced = cxbridge.sync(config)
    rows = len(data.read_text(encoding="utf-8").splitlines()) - 1  # below the header
    assert synced.exit_code == 0 and synced.results[0].written == rows, synced.results
    assert [row["source"] for row in cxbridge.status(config).runs] == ["sample_survey"]
    by_source = cxbridge.report(config, by="source")
    assert by_source == api.report(config, by="source")
    assert by_source and {row["source"] for row in by_source} == {"sample_survey"}
    assert list(cxbridge.quarantine_list(config)) == []
    assert cxbridge.quarantine_replay(config).results == []
    assert [found.ok for found in cxbridge.check(config)] == [True]
    assert cxbridge.schema()["title"] == "FeedbackRecord"
    assert "csv" in {source.name for source in cxbridge.plugins().sources}
    assert "sqlite" in {destination.name for destination in cxbridge.plugins().destinations}
    assert len(cxbridge.inspect([data])) == 1
    imported = cxbridge.import_([data], destination=f"sqlite:///{tmp_path / 'imported.db'}")
    assert [(file.error, file.result.written) for file in imported.files] == [(None, rows)]
    assert (tmp_path / "plugin" / "pyproject.toml") in cxbridge.plugin_new("acme", directory=tmp_path / "plugin")
    with cxbridge.open_destination(config=None, url=f"sqlite:///{tmp_path / 'imported.db'}") as destination:
        destination.open(read_only=True)
        assert destination.query("SELECT COUNT(*) AS n FROM feedback") == [{"n": rows}]


def test_each_name_is_the_same_thing_before_and_after_the_imports():
    """In a new interpreter: every API name, looked up first thing and again after importing every
    module, is a callable answering as the API function of that name."""
    script = f"""
import inspect, cxbridge
names = {sorted(name for name in cxbridge._API if name[0].islower())!r}
before = {{name: getattr(cxbridge, name) for name in names}}
from tests.test_api_names import import_every_submodule
import_every_submodule()
from cxbridge import api
for name in names:
    after = getattr(cxbridge, name)
    assert after is before[name], f"cxbridge.{{name}} changed from {{before[name]!r}} to {{after!r}}"
    assert callable(after), f"cxbridge.{{name}} is {{after!r}}, not callable"
    expected = inspect.signature(getattr(api, name))
    assert inspect.signature(after) == expected, f"cxbridge.{{name}}{{inspect.signature(after)}} is not {{expected}}"
print("ok", len(names))
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == ["ok", str(sum(name[0].islower() for name in cxbridge._API))]


def test_each_command_line_module_imports_first_thing():
    """A plugin or a script may import any module of the command line before `cxbridge.cli.main`:
    the options the commands share live in `cxbridge.cli.options`, so none of them is a circular import."""
    modules = [info.name for info in pkgutil.iter_modules(importlib.import_module("cxbridge.cli").__path__)]
    assert {"importing", "status", "cases", "duplicates", "options", "main"} <= set(modules)
    for module in modules:
        if module == "__main__":
            continue
        run = subprocess.run(
            [sys.executable, "-c", f"import cxbridge.cli.{module}"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, f"import cxbridge.cli.{module}: {run.stderr[-2000:]}"
