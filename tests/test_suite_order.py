"""The order pytest-xdist is handed the suite in (tests/conftest.py): the modules listed as the
slowest exist, so a rename does not quietly send a slow module back to the end of the run."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, SLOWEST_MODULES_FIRST

LOGGED_IMPORT = """import os
with open("imports.log", "a") as log:
    log.write(f"{os.environ['PYTEST_XDIST_WORKER']} {__name__}\\n")

def test_nothing():
    pass
"""


def test_each_module_listed_as_slowest_exists_once():
    missing = [name for name in SLOWEST_MODULES_FIRST if not (ROOT / "tests" / f"{name}.py").is_file()]
    assert missing == []
    assert len(set(SLOWEST_MODULES_FIRST)) == len(SLOWEST_MODULES_FIRST)


def test_each_worker_imports_the_test_modules_from_its_own_share_on(tmp_path):
    """tests/worker_imports.py: workers importing in one order each rewrote every module's asserts
    at once on a run's first collection."""
    for name in ("test_a", "test_b", "test_c", "test_d", "test_e"):  # test_e ignored: not imported
        (tmp_path / f"{name}.py").write_text(LOGGED_IMPORT, encoding="utf-8")
    options = "-q -p xdist -n 2 -p tests.worker_imports -p no:cacheprovider --ignore=test_e.py .".split()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # no other plugin
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *options], cwd=tmp_path, text=True, capture_output=True, env=env
    )
    assert run.returncode == 0, run.stdout + run.stderr
    imports = (tmp_path / "imports.log").read_text(encoding="utf-8").split("\n")
    assert {worker: [line.split()[1] for line in imports if line.startswith(worker)] for worker in ("gw0", "gw1")} == {
        "gw0": ["test_a", "test_b", "test_c", "test_d"],
        "gw1": ["test_c", "test_d", "test_a", "test_b"],
    }
