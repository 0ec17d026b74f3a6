"""Conformance suites for plugin authors: subclass one in a test module, define one fixture, and
pytest checks every guarantee cxbridge promises (see docs/plugins.md).

    from cxbridge.testing import HttpSourceConformance, SourceUnderTest
"""

from __future__ import annotations

from cxbridge.testing.harness import SourceHarness, SourceUnderTest
from cxbridge.testing.sources import HttpSourceConformance, SourceConformance

__all__ = ["HttpSourceConformance", "SourceConformance", "SourceHarness", "SourceUnderTest"]
