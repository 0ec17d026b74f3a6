"""Conformance suites for plugin authors: subclass one in a test module, define one fixture, and
pytest checks every guarantee cxbridge promises (see docs/plugins.md).

    from cxbridge.testing import HttpSourceConformance, SourceUnderTest
    from cxbridge.testing import DestinationConformance

Names load on first use, so that the pytest plugin can ask for assertion rewriting first.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DestinationConformance": "cxbridge.testing.destinations",
    "HttpSourceConformance": "cxbridge.testing.sources",
    "SourceConformance": "cxbridge.testing.sources",
    "SourceHarness": "cxbridge.testing.harness",
    "SourceUnderTest": "cxbridge.testing.harness",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cxbridge.testing' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
