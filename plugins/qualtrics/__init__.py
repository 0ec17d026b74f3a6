"""`qualtrics`: survey responses through the Qualtrics v3 API (see docs/connectors/qualtrics.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("qualtrics", "cxbridge.plugins.qualtrics.source:QualtricsSource"))
