"""`qualtrics`: survey responses through the Qualtrics v3 API (see docs/connectors/qualtrics.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.qualtrics.source import QualtricsSource

    register(QualtricsSource)
