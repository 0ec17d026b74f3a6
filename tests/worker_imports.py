"""The order a pytest-xdist worker imports the test modules in (a hook of tests/conftest.py)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """A pytest-xdist worker imports the test modules, before collecting them, from its own share
    of them on: a run's first import of a module rewrites its asserts (pytest keeps the result
    with the compiled modules), and the workers, importing in one order at the same moment, each
    rewrote every module — CI's run, in a new checkout, did (three workers' collection of tests/
    40.6–44.3 → 25.2–32.1 s of CPU with the plugin's rewriting of cxbridge.testing only, 19–20 s
    once compiled: bench/README.md). A module that fails to import fails in the collection."""
    worker = getattr(session.config, "workerinput", None)
    if worker is None or worker["workercount"] < 2 or session.config.getoption("lf", False):  # --lf: the failed only
        return
    modules = _test_modules(session.config)
    start = len(modules) * int(worker["workerid"].removeprefix("gw")) // worker["workercount"]
    for module in modules[start:] + modules[:start]:
        if sys.path[0] != str(module.parent):  # as pytest imports a module of a folder without __init__.py
            sys.path.insert(0, str(module.parent))
        with contextlib.suppress(Exception, pytest.skip.Exception):
            importlib.import_module(module.stem)


def _test_modules(config: pytest.Config) -> list[Path]:
    """The test modules the run's arguments name (a folder's `test_*.py`), but those it ignores."""
    modules = []
    for arg in config.args:
        path = config.invocation_params.dir / arg.split("::")[0]
        modules += sorted(path.glob("test_*.py")) if path.is_dir() else [path] if path.name.startswith("test_") else []
    return [
        module for module in modules if not config.hook.pytest_ignore_collect(collection_path=module, config=config)
    ]
