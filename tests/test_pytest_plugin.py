"""cxbridge's pytest plugin (the `pytest11` entry point, cxbridge.testing.pytest_plugin)."""

from __future__ import annotations

import cxbridge.layout
import cxbridge.plugins.sqlite.destination
import cxbridge.testing.cassettes
import cxbridge.testing.destinations


def _rewritten(module) -> bool:
    return type(module.__loader__).__name__ == "AssertionRewritingHook"


def test_pytest_rewrites_the_asserts_of_the_suites_not_of_all_cxbridge():
    """pytest rewrites every module of a plugin's distribution unless told otherwise: all of
    cxbridge, compiled again on a pytest run's first import of each — ≈ 2.7 s of CPU in each new
    environment, and in each of its pytest-xdist workers. Only cxbridge.testing needs it (its
    failures name the values compared)."""
    assert _rewritten(cxbridge.testing.destinations) and _rewritten(cxbridge.testing.cassettes)
    assert not _rewritten(cxbridge.layout) and not _rewritten(cxbridge.plugins.sqlite.destination)
