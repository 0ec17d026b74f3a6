"""The pytest plugin of `cxbridge.testing`, loaded in every pytest run through the `pytest11`
entry point: fixtures for plugin tests, plain assertion messages from the suites, and the
installed cxbridge plugins in the report header. It imports nothing from plugins at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.register_assert_rewrite(
    "cxbridge.testing.sources", "cxbridge.testing.harness", "cxbridge.testing.destinations",
    "cxbridge.testing.cursor_checks", "cxbridge.testing.record_checks",
)  # fmt: skip


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
