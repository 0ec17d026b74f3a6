"""`cxbridge plugin new`: generated packages install in a fresh virtual environment and pass their tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fresh_venv import FreshVenv

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.errors import ConfigError
from cxbridge.testing import DestinationConformance, HttpSourceConformance


DESTINATION_SUITE = len([name for name in dir(DestinationConformance) if name.startswith("test_")])
SOURCE_SUITE = len([name for name in dir(HttpSourceConformance) if name.startswith("test_")])


@pytest.mark.parametrize("kind, expected", [("source", f"{SOURCE_SUITE + 2} passed"),
                                            ("destination", f"{DESTINATION_SUITE + 1} passed")])  # fmt: skip
def test_generated_package_installs_and_its_tests_pass(tmp_path: Path, kind: str, expected: str):
    package = tmp_path / "plugin"
    result = CliRunner().invoke(cli, ["plugin", "new", "acme-feedback", "--kind", kind, "--dir", str(package)])
    assert result.exit_code == 0, result.output
    venv = FreshVenv(tmp_path / "venv")
    venv.pip_install_editable(package)

    run = venv.pytest(package)

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert re.match(rf"{expected}\b", summary) and "skipped" not in summary and "warning" not in summary, summary


def test_generated_source_is_listed_by_cxbridge_plugins_in_its_environment(tmp_path: Path):
    cxbridge.plugin_new("acme-feedback", directory=tmp_path / "plugin")
    venv = FreshVenv(tmp_path / "venv")
    venv.pip_install_editable(tmp_path / "plugin")
    listing = venv.run_python(
        "import cxbridge; print([(p.name, p.package) for p in cxbridge.plugins().sources])"
    )
    assert "('acme_feedback', 'cxbridge-acme-feedback')" in listing


def test_names_are_checked_and_nothing_is_overwritten(tmp_path: Path):
    with pytest.raises(ConfigError, match="lower-case letters"):
        cxbridge.plugin_new("Acme Feedback", directory=tmp_path / "x")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        cxbridge.plugin_new("acme", directory=tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_names_follow_python_and_url_rules(tmp_path: Path):
    written = cxbridge.plugin_new("acme-feedback_db", kind="destination", directory=tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= {
        "cxbridge_acme_feedback_db/destination.py", "pyproject.toml", "tests/test_conformance.py",
    }
    assert 'name = "acme-feedback-db"' in (tmp_path / "cxbridge_acme_feedback_db/destination.py").read_text()
    assert 'acme_feedback_db = "cxbridge_acme_feedback_db"' in (tmp_path / "pyproject.toml").read_text()


@pytest.mark.parametrize("kind", ["source", "destination"])
def test_generated_build_requirement_needs_no_wheel_package(tmp_path: Path, kind: str):
    """setuptools before 70.1 builds wheels only with `wheel` installed: with --no-build-isolation
    an older one fails with `invalid command 'bdist_wheel'`, so the template must exclude it."""
    import subprocess
    import sys
    import tomllib

    from packaging.requirements import Requirement

    cxbridge.plugin_new("acme-feedback", kind=kind, directory=tmp_path / "plugin")
    pyproject = tomllib.loads((tmp_path / "plugin" / "pyproject.toml").read_text())
    (requirement,) = [Requirement(r) for r in pyproject["build-system"]["requires"]]
    assert requirement.name == "setuptools"
    assert not requirement.specifier.contains("70.0.0") and requirement.specifier.contains("70.1.0")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--check-build-dependencies", "--wheel-dir", str(tmp_path / "dist"), str(tmp_path / "plugin")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    assert [p.name for p in (tmp_path / "dist").iterdir()] == ["cxbridge_acme_feedback-0.1.0-py3-none-any.whl"]
