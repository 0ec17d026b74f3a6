"""`cxbridge --version` and `--help` import no connector, no pydantic model and no rich: what
they load is checked in a fresh interpreter (how fast that is, is measured by bench/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxbridge import api

from tests.conftest import ROOT

LOADED_BY = """
import json, sys
sys.argv = ["cxbridge", *{args!r}]
from cxbridge.cli.launch import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""

HEAVY = {
    "pydantic", "pydantic_core", "rich", "httpx", "duckdb", "sqlite_utils", "pyarrow", "psycopg", "openpyxl",
    "python_calamine", "snowflake", "google", "plotly", "narwhals", "numpy", "pandas",
}  # fmt: skip
HEAVY_CXBRIDGE = {
    "cxbridge.api", "cxbridge.config", "cxbridge.records", "cxbridge.sources", "cxbridge.destinations",
    "cxbridge.pipeline", "cxbridge.reporting", "cxbridge.importing", "cxbridge.tabular", "cxbridge.secrets",
    "cxbridge.cli.progress",
}  # fmt: skip


def modules_loaded_by(*args: str, cwd: Path | None = None) -> tuple[set[str], str]:
    """The modules a fresh `cxbridge ARGS` imported, and what it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", LOADED_BY.format(args=list(args))],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return set(json.loads(result.stderr.splitlines()[-1])), result.stdout


def heavy_among(modules: set[str]) -> set[str]:
    """The heavy libraries, cxbridge's own heavy modules and any connector module among them."""
    connectors = {name for name in modules if name.startswith("cxbridge.plugins.") and name.count(".") >= 3}
    connectors |= modules & {f"cxbridge.plugins.{kind}_source" for kind in ("csv", "excel", "json")}
    return {name for name in modules if name.split(".")[0] in HEAVY or name.rpartition(".")[0] in HEAVY_CXBRIDGE
            } | (modules & HEAVY_CXBRIDGE) | connectors  # fmt: skip


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_help_lists_every_command_without_importing_connectors_pydantic_or_rich(option: str):
    modules, printed = modules_loaded_by(option)
    assert heavy_among(modules) == set()
    for command in ("sync", "import", "status", "quarantine", "report", "plugin"):
        assert f"\n  {command} " in printed
    assert "cxbridge.plugins.sqlite" in modules  # plugins load (their commands are listed) ...
    assert "cxbridge.plugins.sqlite.destination" not in modules  # ... but not their connectors


def test_version_loads_no_plugin_at_all():
    modules, printed = modules_loaded_by("--version")
    assert printed.startswith("cxbridge, version ")
    assert heavy_among(modules) == set()
    assert not {name for name in modules if name == "cxbridge.plugins" or name.startswith("cxbridge.plugins.")}
    assert "importlib.metadata" not in modules  # no entry point was looked up


def test_a_csv_to_sqlite_sync_imports_only_the_connectors_its_config_names(tmp_path):
    """`cxbridge init`'s config: one CSV source, the SQLite default. No HTTP client, no other
    source or destination is imported to run it (issues 14 and 19: start-up cost of a sync)."""
    api.init(tmp_path)
    modules, printed = modules_loaded_by("sync", cwd=tmp_path)
    assert "30 written" in printed
    assert {"cxbridge.plugins.csv_source", "cxbridge.plugins.sqlite.destination"} <= modules
    assert not {name for name in modules if name.split(".")[0] == "httpx" or name.startswith("cxbridge.http")}
    packages = {name.split(".")[2] for name in modules if name.startswith("cxbridge.plugins.") and name.count(".") >= 3}
    assert packages == {"sqlite"}
    assert not modules & {"cxbridge.plugins.excel_source", "cxbridge.plugins.json_source", "duckdb", "psycopg"}


def test_a_command_still_finds_its_connectors(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "cxbridge", "plugins", "--format", "json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    listed = json.loads(result.stdout)["plugins"]
    assert {"csv", "excel", "json", "qualtrics", "singer"} <= {p["name"] for p in listed if p["kind"] == "source"}
    assert {"sqlite", "duckdb", "postgres"} <= {p["name"] for p in listed if p["kind"] == "destination"}


def test_the_sqlite_destination_leaves_pandas_and_numpy_unimported_yet_importable(tmp_path):
    """sqlite-utils imports pandas and numpy whenever they are installed (about 70 MB of RSS in
    every sync, whatever the destination); cxbridge imports it without them, and a later
    `import pandas` of a plugin still works. Stand-in packages record being imported."""
    for name in ("pandas", "numpy"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("import sys\nsys.stderr.write(__name__ + ' imported\\n')\n")
    script = (
        "import sys\n"
        "from cxbridge.plugins.sqlite.destination import SQLiteDestination\n"
        "import sqlite_utils.db\n"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)\n"
        "assert sqlite_utils.db.pd is None and sqlite_utils.db.np is None\n"
        "import pandas, numpy\n"
        "print('imported later')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "imported later\n"
    assert result.stderr.splitlines() == ["pandas imported", "numpy imported"]



SYNC_WITHOUT_PROGRESS = """
import json, sys
from cxbridge.cli.progress import sync_progress
import cxbridge
with sync_progress(enabled=False) as on_progress:
    result = cxbridge.sync(destination={url!r}, on_progress=on_progress)
assert result.results[0].written == 30, result
sys.stderr.write(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("url", ["duckdb:///cx.duckdb", "parquet:///lake"])
def test_a_sync_without_progress_imports_no_rich_and_no_api_module_it_does_not_use(tmp_path, url):
    """A `--no-progress` sync imports no rich (the summary printed after it does) and none of
    the API's modules for file imports, reports or status (issue 19: a sync's peak RSS)."""
    api.init(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CXBRIDGE_LOAD_PLUGINS": ""}
    result = subprocess.run([sys.executable, "-c", SYNC_WITHOUT_PROGRESS.format(url=url)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    modules = set(json.loads(result.stderr.splitlines()[-1]))
    assert {"duckdb", "cxbridge.pipeline"} <= modules
    unused = {"cxbridge.cli.progress_display", "cxbridge.importing", "cxbridge.reporting", "cxbridge.status_report",
              "cxbridge.scaffold", "cxbridge.report_commands", "cxbridge.loop_commands"}  # fmt: skip
    assert {name for name in modules if name in unused or name.split(".")[0] == "rich"} == set()


def test_the_api_module_still_offers_what_it_imports_on_first_use():
    """cxbridge.testing (`api.status_of`) and plugins read names the API module used to import."""
    assert {name for name in api.LATER if getattr(api, name, None) is None} == set()
    assert api.tracking.__name__ == "cxbridge.loop.tracking"
