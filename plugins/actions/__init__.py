"""First-party loop actions — `webhook`, `slack`, `teams`, `email`, `zendesk`,
`freshdesk`, `hubspot`, `salesforce` — registered through
the same `register_actions` hook as third-party ones; their modules load when first asked for."""

from cxbridge.hookspecs import hookimpl
from cxbridge.plugins_host import LazyClass


@hookimpl
def register_actions(register):
    for name, path in (
        ("webhook", "webhooks:WebhookAction"),
        ("slack", "webhooks:SlackAction"),
        ("teams", "webhooks:TeamsAction"),
        ("email", "email:EmailAction"),
        ("zendesk", "zendesk:ZendeskTicketAction"),
        ("freshdesk", "freshdesk:FreshdeskTicketAction"),
        ("hubspot", "hubspot:HubSpotTaskAction"),
        ("salesforce", "salesforce:SalesforceCaseAction"),
    ):
        register(LazyClass(name, f"cxbridge.plugins.actions.{path}"))
