"""`salesforce`: Survey objects, custom feedback objects, accounts and contacts over SOQL (see docs/connectors/salesforce.md)."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from cxbridge.plugins.salesforce.source import SalesforceSource

    register(SalesforceSource)
