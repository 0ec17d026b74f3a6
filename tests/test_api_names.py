"""`cxbridge.NAME()` is the API call NAME whatever was imported before: no submodule of cxbridge
(the connectors' package `cxbridge.plugins`, …) takes the name of an API function away."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

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


def described(value: Any) -> tuple[str, str, str, str]:
    """What an API name is, comparable between interpreters: its type, module, name and signature
    (`plugins` is the package of the connectors, a callable module)."""
    name = getattr(value, "__qualname__", value.__name__)
    return type(value).__qualname__, value.__module__, name, str(inspect.signature(value))


def test_each_name_is_the_same_thing_before_and_after_the_imports():
    """Every API name, looked up first thing in a new interpreter, is the same callable (module,
    name, signature) after every module was imported, and answers as the API function of that
    name. Only the first look-up needs the new interpreter (this process imported modules before
    the test): the imports, ≈ 9 s of CPU with Airflow's and Dagster's, are made here."""
    from cxbridge import api

    names = sorted(name for name in cxbridge._API if name[0].islower())
    script = f"""
import json, cxbridge
from tests.test_api_names import described
print(json.dumps({{name: described(getattr(cxbridge, name)) for name in {names!r}}}))
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    before = {name: tuple(value) for name, value in json.loads(run.stdout).items()}
    assert len(before) == sum(name[0].islower() for name in cxbridge._API)
    import_every_submodule()
    for name in names:
        after = getattr(cxbridge, name)
        assert callable(after), f"cxbridge.{name} is {after!r}, not callable"
        assert described(after) == before[name], f"cxbridge.{name} changed from {before[name]} to {described(after)}"
        expected = inspect.signature(getattr(api, name))
        assert inspect.signature(after) == expected, f"cxbridge.{name}{inspect.signature(after)} is not {expected}"


def test_each_command_line_module_imports_first_thing():
    """A plugin or a script may import any module of the command line before `cxbridge.cli.main`:
    the options the commands share live in `cxbridge.cli.options`, so none of them is a circular import.
    One interpreter imports them in turn, each after forgetting every cxbridge module (as a new
    interpreter would have none), not one interpreter a module (≈ 0.2 s of CPU each)."""
    modules = [info.name for info in pkgutil.iter_modules(importlib.import_module("cxbridge.cli").__path__)]
    assert {"importing", "status", "cases", "duplicates", "options", "main"} <= set(modules)
    modules = [module for module in modules if module != "__main__"]
    script = f"""
import sys, traceback
for module in {modules!r}:
    for name in [name for name in sys.modules if name == "cxbridge" or name.startswith("cxbridge.")]:
        del sys.modules[name]
    try:
        __import__(f"cxbridge.cli.{{module}}")
    except Exception:
        print(f"import cxbridge.cli.{{module}}:", traceback.format_exc()[-2000:])
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout, run.stderr[-2000:]) == (0, "", "")
