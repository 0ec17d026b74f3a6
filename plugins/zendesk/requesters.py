"""The e-mail address of whoever rated, so that a rating is keyed by its requester
(`respondent_key`) like the same person's survey answers and CRM contact. A rating names its
requester (a survey response its responder) by Zendesk user id only; Show Many Users
(`GET /api/v2/users/show_many.json?ids=…`, up to 100 ids a request:
https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users) gives their
addresses — one request for each page of ratings whose requesters are not known yet, paced and
retried by the source's client. The address goes into the raw record as `requester_email`, a
contact the privacy step turns into its `hashed:<key>` before anything stores, logs or quarantines
the record."""

from __future__ import annotations

from typing import Any

from cxbridge.errors import FatalSourceError, SourceError
from cxbridge.http import ApiClient

CONTACT = "requester_email"
SHOW_MANY = 100  # ids a Show Many Users request takes


class Requesters:
    """Requesters' e-mail addresses by user id, each looked up once a sync."""

    def __init__(self, client: ApiClient):
        self.client = client
        self.emails: dict[str, str | None] = {}

    def named(self, records: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
        """`records`, each whose user (its `field`) has an e-mail address with it as `requester_email`."""
        users = {str(record[field]) for record in records if record.get(field) not in (None, "")}
        unknown = sorted(users - self.emails.keys(), key=lambda user: (len(user), user))
        for start in range(0, len(unknown), SHOW_MANY):
            asked = unknown[start : start + SHOW_MANY]
            body = self._show_many(asked)
            found = {str(user.get("id")): user.get("email") for user in _users(body)}
            self.emails.update({user: found[user] if isinstance(found.get(user), str) else None for user in asked})
        return [{**record, CONTACT: email} if (email := self.emails.get(str(record.get(field)))) else record
                for record in records]  # fmt: skip

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


def _users(body: Any) -> list[dict[str, Any]]:
    users = body.get("users") if isinstance(body, dict) else None
    return [user for user in users or [] if isinstance(user, dict)]
