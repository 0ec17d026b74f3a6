"""`salesforce`: Survey objects, custom feedback objects, accounts and contacts over SOQL (see docs/connectors/salesforce.md)."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_sources(register):
    register(LazyClass("salesforce", "cxbridge.plugins.salesforce.source:SalesforceSource"))
