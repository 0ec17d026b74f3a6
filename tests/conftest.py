"""Shared fixtures. The first check makes sure the tests exercise this checkout, not another one."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxbridge.cli
import cxbridge.plugins

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    for package, folder in ((cxbridge.plugins, "plugins"), (cxbridge.cli, "cli")):
        location = Path(package.__file__).resolve().parent
        if location != ROOT / folder:
            raise pytest.UsageError(
                f"{package.__name__} is imported from {location}, not from this checkout ({ROOT}).\n"
                "Install this checkout into its own virtual environment:\n"
                "  python3 -m venv --system-site-packages .venv && .venv/bin/pip install -e '.[test]'\n"
                "  .venv/bin/python -m pytest"
            )
