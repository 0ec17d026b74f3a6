"""First-party loop actions — `webhook`, `slack`, `teams`, `email`, `zendesk`,
`freshdesk`, `hubspot`, `salesforce` — registered through
the same `register_actions` hook as third-party ones; their modules load when first asked for."""

from cxbridge.hookspecs import hookimpl


@hookimpl
def register_actions(register):
    from cxbridge.plugins.actions.email import EmailAction
    from cxbridge.plugins.actions.freshdesk import FreshdeskTicketAction
    from cxbridge.plugins.actions.hubspot import HubSpotTaskAction
    from cxbridge.plugins.actions.salesforce import SalesforceCaseAction
    from cxbridge.plugins.actions.webhooks import SlackAction, TeamsAction, WebhookAction
    from cxbridge.plugins.actions.zendesk import ZendeskTicketAction

    for action in (WebhookAction, SlackAction, TeamsAction, EmailAction, ZendeskTicketAction, FreshdeskTicketAction,
                   HubSpotTaskAction, SalesforceCaseAction):
        register(action)
