"""The e-mail address of whoever rated, else their phone number, so that a rating is keyed by its
requester (`respondent_key`) like the same person's survey answers and CRM contact. A rating names
its requester (a survey response its responder) by Zendesk user id only; Show Many Users
(`GET /api/v2/users/show_many.json?ids=…`, up to 100 ids a request:
https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users) gives their
`email` and `phone` — one request for each page of ratings whose requesters are not known yet,
paced and retried by the source's client. The contact goes into the raw record as
`requester_email` or `requester_phone` (`cxbridge.requester_contacts`); a number the user shares
with others (`shared_phone_number`: a front desk's, a household's landline) keys nobody."""

from __future__ import annotations

from typing import Any

from cxbridge.errors import FatalSourceError, SourceError
from cxbridge.http import ApiClient
from cxbridge.requester_contacts import contact_fields

SHOW_MANY = 100  # ids a Show Many Users request takes


class Requesters:
    """Requesters' contacts by user id, each looked up once a sync."""

    def __init__(self, client: ApiClient):
        self.client = client
        self.contacts: dict[str, dict[str, str]] = {}

    def named(self, records: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
        """`records`, each whose user (its `field`) has an e-mail address or phone number with it
        (`contact_fields`)."""
        users = {str(record[field]) for record in records if record.get(field) not in (None, "")}
        unknown = sorted(users - self.contacts.keys(), key=lambda user: (len(user), user))
        for start in range(0, len(unknown), SHOW_MANY):
            asked = unknown[start : start + SHOW_MANY]
            found = {str(user.get("id")): _contact(user) for user in _users(self._show_many(asked))}
            self.contacts.update({user: found.get(user, {}) for user in asked})
        return [{**record, **self.contacts.get(str(record.get(field)), {})} for record in records]

    def _show_many(self, users: list[str]) -> Any:
        """Show Many Users' answer; a refusal (403: an agent who may not see users) says how to read
        the ratings without their addresses."""
        try:
            return self.client.get_json("/api/v2/users/show_many.json", {"ids": ",".join(users)})
        except SourceError as exc:
            if exc.status_code != 403:
                raise
            refused = FatalSourceError(f"{exc}; or set requester_emails = false to read the ratings without their "
                                       "requesters' e-mail addresses (they then join nobody)")  # fmt: skip
            refused.status_code = exc.status_code
            raise refused from None


def _contact(user: dict[str, Any]) -> dict[str, str]:
    return contact_fields(user, phones=() if user.get("shared_phone_number") is True else ("phone",))


def _users(body: Any) -> list[dict[str, Any]]:
    users = body.get("users") if isinstance(body, dict) else None
    return [user for user in users or [] if isinstance(user, dict)]
