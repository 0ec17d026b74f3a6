"""The order pytest-xdist is handed the suite in (tests/conftest.py): the modules listed as the
slowest exist, so a rename does not quietly send a slow module back to the end of the run."""

from __future__ import annotations

from tests.conftest import ROOT, SLOWEST_MODULES_FIRST


def test_each_module_listed_as_slowest_exists_once():
    missing = [name for name in SLOWEST_MODULES_FIRST if not (ROOT / "tests" / f"{name}.py").is_file()]
    assert missing == []
    assert len(set(SLOWEST_MODULES_FIRST)) == len(SLOWEST_MODULES_FIRST)
