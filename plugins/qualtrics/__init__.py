"""`qualtrics`: survey responses through the Qualtrics v3 API (see docs/connectors/qualtrics.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.qualtrics.source import QualtricsSource


@hookimpl
def register_sources(register):
    register(QualtricsSource)
