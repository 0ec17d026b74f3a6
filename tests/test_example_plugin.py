"""The example third-party plugin in examples/plugins/cxbridge-topics, installed from its own
folder (as CI does) and found through its entry point; the allow-list, tracing and a plugin that
crashes at import, seen from the command line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plugins" / "cxbridge-topics"
CXBRIDGE = [sys.executable, "-m", "cxbridge"]


@pytest.fixture(scope="module", autouse=True)
def installed_from_its_folder() -> None:
    try:
        dist = metadata.distribution("cxbridge-topics")
    except metadata.PackageNotFoundError:
        pytest.fail(f"the example plugin is not installed: pip install -e {EXAMPLE.relative_to(ROOT)}")
    entry_points = [ep for ep in dist.entry_points if ep.group == "cxbridge"]
    assert [(ep.name, ep.value) for ep in entry_points] == [("topics", "cxbridge_topics")]
    module = entry_points[0].load()
    assert Path(module.__file__).resolve().is_relative_to(EXAMPLE), "installed from somewhere else"


def cxbridge(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CXBRIDGE_")}
    return subprocess.run([*CXBRIDGE, *args], cwd=cwd, capture_output=True, text=True, env={**base, **env}, timeout=120)


@pytest.fixture
def synced(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("plugins", "*.db"))
    result = cxbridge("sync", "--no-progress", "--config", "examples/cxbridge.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path


def topics_stored(folder: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(folder / "examples" / "cxbridge.db") as conn:  # next to the config
        rows = conn.execute("SELECT attributes FROM feedback").fetchall()
    return {topic for (attributes,) in rows for topic in json.loads(attributes or "{}").get("topics", [])}


EXAMPLE_TOPICS = {"cleanliness", "queue", "staff", "stock", "price"}  # price: the store audit's "All price labels correct."


def test_its_hooks_run_during_a_sync_and_its_command_is_added(synced: Path):
    assert topics_stored(synced) == EXAMPLE_TOPICS
    result = cxbridge("topics", "--config", "examples/cxbridge.toml", cwd=synced)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["queue"].endswith("detractors") and set(lines) == EXAMPLE_TOPICS


def test_the_allow_list_loads_it_only_when_named(tmp_path: Path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("plugins", "*.db"))
    excluded = cxbridge("sync", "--no-progress", "-c", "examples/cxbridge.toml", cwd=tmp_path, CXBRIDGE_LOAD_PLUGINS="other")
    assert excluded.returncode == 0 and topics_stored(tmp_path) == set()
    assert cxbridge("topics", cwd=tmp_path, CXBRIDGE_LOAD_PLUGINS="").returncode == 2  # no such command
    named = cxbridge("sync", "--no-progress", "--full-refresh", "-c", "examples/cxbridge.toml", cwd=tmp_path,
                     CXBRIDGE_LOAD_PLUGINS="cxbridge-topics")  # fmt: skip
    assert named.returncode == 0 and "queue" in topics_stored(tmp_path)


def test_trace_prints_every_hook_call(tmp_path: Path):
    result = cxbridge("plugins", cwd=tmp_path, CXBRIDGE_TRACE_PLUGINS="1")
    assert result.returncode == 0
    for hook in ("register_commands", "register_sources", "register_destinations"):
        assert hook in result.stderr, f"{hook} not traced:\n{result.stderr[:2000]}"
    assert re.search(r"cli: <\w*Group cli>", result.stderr)  # with the arguments each hook was called with
    assert "register_sources" not in cxbridge("plugins", cwd=tmp_path).stderr


def test_a_plugin_crashing_at_import_is_reported_and_the_rest_work(tmp_path: Path, synced: Path):
    site = tmp_path / "site"
    info = site / "cxbridge_crashy-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "crashy.py").write_text("raise RuntimeError('crashy needs a licence key')\n", encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cxbridge-crashy\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[cxbridge]\ncrashy = crashy\n", encoding="utf-8")
    listing = cxbridge("plugins", "--json", cwd=synced, PYTHONPATH=str(site))
    assert listing.returncode == 0, listing.stderr
    assert {"plugin": "crashy", "error": "RuntimeError: crashy needs a licence key"} in json.loads(listing.stdout)["failures"]
    assert cxbridge("topics", "-c", "examples/cxbridge.toml", cwd=synced, PYTHONPATH=str(site)).returncode == 0
    plain = cxbridge("plugins", cwd=synced, PYTHONPATH=str(site))
    assert "plugin crashy failed to load: RuntimeError: crashy needs a licence key" in " ".join(plain.stderr.split())


@pytest.mark.parametrize("option", ["--config", "--destination"])
def test_its_command_takes_cxbridges_own_options_refusing_an_empty_value(tmp_path: Path, option: str):
    """`cxbridge topics --config "$CX_CONFIG"` with the variable not set read ./cxbridge.toml, as
    if the option were left out, where cxbridge's own commands refuse it; its errors were tracebacks."""
    empty = cxbridge("topics", option, "", cwd=tmp_path)
    assert empty.returncode == 2 and "is empty (a variable not set?)" in empty.stderr, empty.stderr
    missing = cxbridge("topics", "--destination", "sqlite:///nope.db", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
    assert missing.stderr.strip() == "error: sqlite:///nope.db does not exist yet; run `cxbridge sync` first"
