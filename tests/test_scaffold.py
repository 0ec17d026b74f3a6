"""`cxbridge plugin new`: generated packages install in a fresh virtual environment and pass their tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.errors import ConfigError
from cxbridge.testing import DestinationConformance, HttpSourceConformance
from tests.fresh_venv import FreshVenv, Wheelhouse

DESTINATION_SUITE = len([name for name in dir(DestinationConformance) if name.startswith("test_")])
SOURCE_SUITE = len([name for name in dir(HttpSourceConformance) if name.startswith("test_")])
KINDS = ("source", "destination")
NAMES = {"source": "acme-surveys", "destination": "acme-warehouse"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plugin of each kind, as `cxbridge plugin new NAME --kind KIND` writes it."""
    folder = tmp_path_factory.mktemp("generated")
    for kind in KINDS:
        result = CliRunner().invoke(cli, ["plugin", "new", NAMES[kind], "--kind", kind, "--dir", str(folder / kind)])
        assert result.exit_code == 0, result.output
    return {kind: folder / kind for kind in KINDS}


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory, generated: dict[str, Path]) -> Wheelhouse:
    return Wheelhouse(tmp_path_factory.mktemp("wheelhouse"), list(generated.values()))


@pytest.fixture(scope="module")
def with_cxbridge(tmp_path_factory, wheelhouse) -> FreshVenv:
    """A new environment with cxbridge installed from its checkout and no plugin, for each
    author to start from a copy of."""
    venv = FreshVenv(tmp_path_factory.mktemp("venv-cxbridge") / "venv")
    venv.install_cxbridge(wheelhouse)
    return venv


@pytest.fixture(scope="module", params=KINDS)
def author(request, tmp_path_factory, generated, wheelhouse, with_cxbridge) -> tuple[str, Path, FreshVenv]:
    """A generated plugin installed as its author installs it (docs/plugins.md: cxbridge first,
    then the plugin with `[test]`), in an environment of its own."""
    kind = request.param
    venv = with_cxbridge.copy(tmp_path_factory.mktemp(f"venv-{kind}") / "venv")
    venv.install_plugin(generated[kind], wheelhouse)
    return kind, generated[kind], venv


@pytest.fixture(scope="module")
def seen(author) -> dict[str, Any]:
    """What the author's environment shows from inside, asked of one Python (a new one imports
    cxbridge in ≈ 1 s of CPU): the distributions installed, whether cxbridge comes from the
    environment, where it keeps compiled modules, and the plugins `cxbridge.plugins()` lists of
    the author's kind."""
    kind, _, venv = author
    code = ("import importlib.metadata as m, json, sys, cxbridge\n"
            "print(json.dumps({'names': sorted(d.metadata['Name'].lower() for d in m.distributions()), "
            "'inside': cxbridge.__file__.startswith(sys.prefix), 'compiled': sys.pycache_prefix, "
            f"'listed': [[p.name, p.package] for p in cxbridge.plugins().{kind}s]}}))")  # fmt: skip
    return json.loads(venv.run_python(code))


def test_the_authors_environment_has_only_what_the_plugin_declares(author, seen):
    _, _, venv = author
    names = seen["names"]
    assert "cxbridge" in names and f"cxbridge-{NAMES[author[0]]}" in names and "jsonschema" in names
    assert "duckdb" not in names and "hypothesis" not in names and "pytest-xdist" not in names  # ours, not the plugin's
    other = next(kind for kind in KINDS if kind != author[0])
    assert f"cxbridge-{NAMES[other]}" not in names, "each author's environment has only their own plugin"
    assert seen["inside"] is True, "cxbridge must come from the new environment, not from this checkout"
    assert seen["compiled"] is None, "its modules compiled beside them, not under this run's pycache prefix"
    script = (venv.path / "bin" / "cxbridge").read_text(encoding="utf-8").splitlines()[0]
    assert script == f"#!{venv.python}", "the `cxbridge` command must run this environment's Python"


def test_generated_package_installs_and_its_tests_pass(author):
    kind, package, venv = author
    expected = f"{SOURCE_SUITE + 2} passed" if kind == "source" else f"{DESTINATION_SUITE + 1} passed"
    run = venv.pytest(package)

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert re.match(rf"{expected}\b", summary) and "skipped" not in summary and "warning" not in summary, summary


def test_generated_plugin_is_listed_by_cxbridge_plugins_in_its_environment(author, seen):
    kind = author[0]
    name = NAMES[kind].replace("-", "_") if kind == "source" else NAMES[kind]  # a connector, a URL scheme
    assert [name, f"cxbridge-{NAMES[kind]}"] in seen["listed"], seen["listed"]


def test_the_printed_next_steps_install_cxbridge_from_where_it_runs_first(tmp_path: Path):
    result = CliRunner().invoke(cli, ["plugin", "new", "acme", "--dir", str(tmp_path / "acme")])
    assert result.exit_code == 0, result.output
    steps = result.output.splitlines()[-1].removeprefix("next: ").split(" && ")
    checkout = Path(__file__).resolve().parents[1]
    assert steps == [f"cd {tmp_path / 'acme'}", "python -m venv .venv", f".venv/bin/pip install {checkout}",
                     ".venv/bin/pip install -e '.[test]'", ".venv/bin/python -m pytest"]  # fmt: skip


def test_names_are_checked_and_nothing_is_overwritten(tmp_path: Path):
    with pytest.raises(ConfigError, match="lower-case letters"):
        cxbridge.plugin_new("Acme Feedback", directory=tmp_path / "x")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        cxbridge.plugin_new("acme", directory=tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(("name", "kind"), [("csv", "source"), ("sqlite", "destination")])
def test_a_name_an_installed_plugin_provides_is_refused(tmp_path: Path, monkeypatch, name: str, kind: str):
    """`cxbridge plugin new csv` wrote a package whose source the built-in `csv` shadows: once
    installed, the built-in wins and the new plugin is left out with a warning."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["plugin", "new", name, "--kind", kind])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: plugin name {name!r}: {kind} {name!r} is already provided by cxbridge, which would leave "
        f"the new one out: pick another name (e.g. acme-{name})"
    )
    assert list(tmp_path.iterdir()) == []


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


def test_the_generated_source_reads_a_time_without_an_offset_in_the_sources_zone(tmp_path: Path, monkeypatch):
    """docs/plugins.md step 5: pass tz=builder.zone, or a Tokyo API's 00:30 is stored nine hours late."""
    from cxbridge.record_intake import stream_tools
    from cxbridge.testing.harness import SOURCE_NAME, SourceHarness, SourceUnderTest

    cxbridge.plugin_new("tokyo-surveys", kind="source", directory=tmp_path / "plugin")
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    from cxbridge_tokyo_surveys.source import TokyoSurveysSource

    config = {"api_token": "${TOKYO_TOKEN}", "survey_id": "S1", "timezone": "Asia/Tokyo"}
    harness = SourceHarness(SourceUnderTest(TokyoSurveysSource, config, secrets={"TOKYO_TOKEN": "t-1"}),
                            tmp_path=tmp_path, monkeypatch=monkeypatch)  # fmt: skip
    source = harness.config().build_source(SOURCE_NAME)
    [stream] = source.streams()
    builder, _ = stream_tools(source, stream, keys=None)
    raw = {"id": "r1", "survey_id": "S1", "submitted_at": "2025-11-01 00:30", "updated_at": "2025-11-01 00:30", "nps": 9}
    record = stream.normalize(raw, builder)
    assert (record.submitted_at.isoformat(), record.updated_at.isoformat()) == ("2025-10-31T15:30:00+00:00",) * 2
    assert str(record.submitted_local_date) == "2025-11-01"


def test_the_generated_sources_refusal_names_its_one_token_as_one(tmp_path: Path, monkeypatch):
    import httpx

    cxbridge.plugin_new("one-token", kind="source", directory=tmp_path / "plugin")
    monkeypatch.syspath_prepend(str(tmp_path / "plugin"))
    from cxbridge_one_token.source import OneTokenSource

    request = httpx.Request("GET", "https://api.one-token.example/v1/responses?survey_id=S1")
    error = OneTokenSource.errors.error(httpx.Response(401, request=request))
    assert str(error).endswith("did not accept the API token (api_token): check it"), str(error)
