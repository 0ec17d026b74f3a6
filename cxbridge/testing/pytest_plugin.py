"""The pytest plugin of `cxbridge.testing`, loaded in every pytest run through the `pytest11`
entry point: fixtures for plugin tests, plain assertion messages from the suites, and the
installed cxbridge plugins in the report header. It imports nothing from plugins at load time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def _rewrite_the_suites_only() -> None:
    """pytest marks every package of a plugin's distribution for assertion rewriting before it
    loads the plugin — all of cxbridge, each module compiled again by pytest's rewriter on a run's
    first import of it (≈ 2.7 s of CPU in a new environment, in each pytest-xdist worker). Only
    the suites' modules need it: their failures name the values compared."""
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)  # pytest's AssertionRewritingHook (none with --assert=plain)
        if isinstance(marked, set):
            marked.discard("cxbridge")
    pytest.register_assert_rewrite(
        "cxbridge.testing.sources", "cxbridge.testing.harness", "cxbridge.testing.destinations",
        "cxbridge.testing.cursor_checks", "cxbridge.testing.record_checks", "cxbridge.testing.cassettes",
    )  # fmt: skip


_rewrite_the_suites_only()


def pytest_report_header(config: pytest.Config) -> str:
    from cxbridge import __version__

    return f"cxbridge: {__version__} (conformance suites: cxbridge.testing)"


@pytest.fixture
def source_harness(source_under_test, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A `cxbridge.testing.SourceHarness` for the `source_under_test` fixture of the test."""
    from cxbridge.testing.harness import SourceHarness

    return SourceHarness(source_under_test, tmp_path=tmp_path, monkeypatch=monkeypatch)


@pytest.fixture
def cxbridge_host(monkeypatch: pytest.MonkeyPatch):
    """A fresh plugin host with the built-in and installed plugins, not shared with other tests."""
    from cxbridge import plugins_host

    host = plugins_host.create_host()
    monkeypatch.setattr(plugins_host, "_host", host)
    return host
