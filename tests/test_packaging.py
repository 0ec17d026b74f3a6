"""The wheel installs cli/, plugins/ and schemas/ as cxbridge.cli, cxbridge.plugins, cxbridge.schemas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fresh_venv import build_cxbridge_wheel

SOURCE_ROOTS = {"cxbridge": "cxbridge", "cli": "cxbridge/cli", "plugins": "cxbridge/plugins", "schemas": "cxbridge/schemas"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    return zipfile.ZipFile(build_cxbridge_wheel(tmp_path_factory.mktemp("wheel")))


def package_dirs() -> list[str]:
    """Every folder with an __init__.py, as the path it must have inside the wheel."""
    found = []
    for top, installed in SOURCE_ROOTS.items():
        for init in sorted((ROOT / top).rglob("__init__.py")):
            relative = init.parent.relative_to(ROOT / top).as_posix()
            found.append(installed if relative == "." else f"{installed}/{relative}")
    return found


def test_every_package_directory_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    missing = [d for d in package_dirs() if f"{d}/__init__.py" not in names]
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_no_top_level_cli_plugins_or_schemas_module(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist() if not name.startswith("cxbridge-")}
    assert tops == {"cxbridge"}


def test_wheel_ships_schema_templates_and_console_script(wheel):
    names = set(wheel.namelist())
    assert "cxbridge/schemas/feedback_record.v1.schema.json" in names
    assert "cxbridge/templates/cxbridge.toml" in names
    assert "cxbridge/templates/data/sample_responses.csv" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "cxbridge = cxbridge.cli.launch:main" in wheel.read(entry_points).decode()


def test_wheel_carries_the_licence(wheel):
    names = set(wheel.namelist())
    [metadata] = [name for name in names if name.endswith(".dist-info/METADATA")]
    fields = wheel.read(metadata).decode().splitlines()
    assert "License-Expression: Apache-2.0" in fields
    [licence] = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert "Apache License" in wheel.read(licence).decode()


def test_the_build_warns_of_nothing(wheel):
    """A setuptools deprecation (the licence as a table, data folders missing from `packages`)
    prints pages to every `pip install .` and becomes an error on its announced date."""
    output = (Path(wheel.filename).parent / "build-output.txt").read_text(encoding="utf-8")
    assert "Warning" not in output, output[:3000]


def test_python_requirement():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in text
