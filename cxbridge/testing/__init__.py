"""Conformance suites for plugin authors: subclass one in a test module, define one fixture, and
pytest checks every guarantee cxbridge promises (see docs/plugins.md).

    from cxbridge.testing import HttpSourceConformance, SourceUnderTest
    from cxbridge.testing import DestinationConformance
"""

from __future__ import annotations

from cxbridge.testing.destinations import DestinationConformance
from cxbridge.testing.harness import SourceHarness, SourceUnderTest
from cxbridge.testing.sources import HttpSourceConformance, SourceConformance

__all__ = ["DestinationConformance", "HttpSourceConformance", "SourceConformance", "SourceHarness", "SourceUnderTest"]
