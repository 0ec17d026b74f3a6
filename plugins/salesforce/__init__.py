"""`salesforce`: Survey objects, custom feedback objects, accounts and contacts over SOQL (see docs/connectors/salesforce.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins.salesforce.source import SalesforceSource


@hookimpl
def register_sources(register):
    register(SalesforceSource)
