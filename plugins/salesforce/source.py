"""The salesforce source: SOQL over the REST API, incremental on `SystemModstamp`. Streams: the
standard Survey objects (a SurveyResponse with its SurveyQuestionResponses is one record),
feedback kept in custom objects (mapped like a spreadsheet), and Accounts and Contacts as CRM
context."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable, Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

import httpx

from cxbridge.errors import ConfigError
from cxbridge.masking import redact_key
from cxbridge.http import ApiErrors, ApiSource, OAuth2ClientCredentials, OAuth2RefreshToken, PageRequest, json_body
from cxbridge.http.auth import OAuth2, TokenErrors
from cxbridge.plugins.salesforce import objects, soql
from cxbridge.plugins.salesforce.config import CustomObject, SalesforceConfig
from cxbridge.privacy import PersonalFields, Scrubber, ignored_questions
from cxbridge.questions import QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.sources import ContextStream, Stream
from cxbridge.tabular.json_records import flatten_record
from cxbridge.tabular.rows import RowNormalizer
from cxbridge.tabular.table import header_key
from cxbridge.timestamps import parse_timestamp

ANSWER_BATCH = 200  # response ids per SurveyQuestionResponse query


class SalesforceErrors(ApiErrors):
    service = "Salesforce"
    credentials = "the connected app's credentials"
    ids = "base_url (My Domain) and api_version"

    def __init__(self, auth: str = "client_credentials"):
        self.session_user = SESSION_USERS[auth]

    def refused(self, response: httpx.Response) -> str | None:
        """A 401 on a data request comes with a token fetched again (a 401 fetches one): not the
        app's credentials, which the token endpoint took, but the session or its user."""
        if response.status_code != 401:
            return None
        return (f"a new session: it was revoked, or {self.session_user} lacks API access — check that the user is "
                "active, has the API Enabled permission and is allowed by the connected app's policies")

    def message(self, response: httpx.Response) -> str | None:
        """`message [errorCode]` of Salesforce's error array."""
        body = json_body(response)
        if isinstance(body, list) and body and isinstance(body[0], dict) and body[0].get("message"):
            return f"{body[0]['message']} [{body[0].get('errorCode')}]"
        return super().message(response)

    def is_quota_exhausted(self, response: httpx.Response) -> bool:
        """The daily API allocation is spent: a 403 with REQUEST_LIMIT_EXCEEDED."""
        return response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in error_codes(response)

    def advice(self, response: httpx.Response) -> str | None:
        """What to fix when the org refuses a query: a field or object name, usually of a mapping."""
        codes = error_codes(response)
        if "INVALID_FIELD" in codes:
            return ("a field of the query does not exist on the object or the connected app's user cannot see it — "
                    "check the field API names of custom_objects (custom ones end in __c), segment_field, "
                    "lifecycle_field and currency_field (CurrencyIsoCode exists only on orgs with multi-currency "
                    "enabled: leave currency_field out on others), and the user's field-level security")
        if "INVALID_TYPE" in codes:
            return "the object does not exist or the user cannot see it — check custom_objects.object (e.g. NPS_Response__c)"
        if "MALFORMED_QUERY" in codes:
            return ("the SOQL the connector built is not valid — a field name of custom_objects is not a field API "
                    "name (letters, digits and _, e.g. Score__c)")
        return None


SESSION_USERS = {  # by flow, the user whose session a data request carries
    "client_credentials": "the connected app's Run As user (client_credentials)",
    "refresh_token": "the user who authorized the connected app (refresh_token)",
    "jwt_bearer": "the user named in username (jwt_bearer)",
}
APP_KEYS = "the connected app's consumer key and secret (client_id, client_secret): check them"
REFUSALS = {  # by flow, what each OAuth error code of the token endpoint refuses; Salesforce
    # answers a wrong client_secret `invalid_client` or `invalid_grant` ("authentication failure - invalid client credentials")
    "client_credentials": {"invalid_client": APP_KEYS, "invalid_grant": APP_KEYS},
    "refresh_token": {"invalid_client": APP_KEYS,
                      "invalid_grant": "the refresh token (refresh_token): it is expired, revoked or not allowed for this "
                                       "user — authorize the connected app again and set the new one"},
    "jwt_bearer": {"invalid_client": "the connected app's consumer key (client_id): check it",
                   "invalid_grant": "the signed assertion: check client_id, username, private_key_file (the key of the "
                                    "connected app's certificate) and login_url (the assertion's audience: "
                                    "https://login.salesforce.com, or https://test.salesforce.com for a sandbox — not "
                                    "the org's My Domain), and that the user is pre-approved for the app"},
}  # fmt: skip


def error_codes(response: httpx.Response) -> list[str]:
    """The `errorCode`s of Salesforce's error array."""
    body = json_body(response)
    return [str(e.get("errorCode")) for e in body if isinstance(e, dict)] if isinstance(body, list) else []


class JwtBearer(OAuth2):
    """The OAuth 2.0 JWT bearer flow: a short-lived assertion signed with the app's key."""

    def __init__(self, token_url: str, *, client_id: str, username: str, key: str, audience: str, errors: TokenErrors):
        super().__init__(token_url, client_id=client_id, client_secret="", errors=errors)
        self.username, self.key, self.audience = username, key, audience

    def grant(self) -> dict[str, str]:
        import jwt

        claims = {"iss": self.client_id, "sub": self.username, "aud": self.audience, "exp": int(time.time()) + 180}
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": jwt.encode(claims, self.key, algorithm="RS256")}  # fmt: skip


class SalesforceSource(ApiSource):
    """Survey responses, custom feedback objects, accounts and contacts of a Salesforce org."""

    name = "salesforce"
    config_model = SalesforceConfig
    config: SalesforceConfig
    errors = SalesforceErrors()
    default_requests_per_second = 5

    def __init__(self, config: SalesforceConfig, context: Any):
        super().__init__(config, context)
        self.errors = SalesforceErrors(config.auth)
        self.private_key = self._read_key() if config.auth == "jwt_bearer" else None
        if config.auth == "jwt_bearer" and importlib.util.find_spec("jwt") is None:
            raise ConfigError(f"sources.{context.name}.auth: jwt_bearer needs PyJWT: pip install 'cxbridge[salesforce]'")

    def base_url(self) -> str:
        return str(self.config.base_url)

    def auth(self) -> httpx.Auth:
        config = self.config
        errors = TokenErrors("Salesforce", REFUSALS[config.auth])
        if config.auth == "jwt_bearer":
            return JwtBearer(f"{config.login_url}/services/oauth2/token", client_id=config.client_id, errors=errors,
                             username=config.username or "", key=self.private_key or "", audience=config.login_url)  # fmt: skip
        token_url = f"{config.base_url}/services/oauth2/token"
        if config.auth == "refresh_token":
            return OAuth2RefreshToken(token_url, refresh_token=config.refresh_token, client_id=config.client_id,  # type: ignore[arg-type]
                                      client_secret=config.client_secret, credentials_in_body=True, errors=errors)  # type: ignore[arg-type]  # fmt: skip
        return OAuth2ClientCredentials(token_url, client_id=config.client_id, client_secret=config.client_secret,  # type: ignore[arg-type]
                                       credentials_in_body=True, errors=errors)  # fmt: skip

    def access_request(self) -> PageRequest:
        """A one-row query of the first object the run reads (api_reference §7.1), after the
        OAuth token request of the flow configured (§7.3)."""
        config = self.config
        first = "SurveyResponse" if config.surveys else config.custom_objects[0].object if config.custom_objects else "Account"
        return PageRequest(f"/services/data/{config.api_version}/query", {"q": f"SELECT Id FROM {first} LIMIT 1"})

    def streams(self) -> list[Stream]:
        config = self.config
        found: list[Stream] = [SurveyResponses(self)] if config.surveys else []
        found += [CustomObjectRows(self, custom) for custom in config.custom_objects]
        if config.accounts:
            found.append(Accounts(self))
        if config.contacts:
            found.append(Contacts(self))
        return found

    def field_names(self, object_name: str) -> set[str]:
        """The fields of an object this org has and the user can see (sObject Describe): a field
        only some orgs have is asked for only where it is listed, as SOQL naming a missing one fails."""
        path = f"/services/data/{self.config.api_version}/sobjects/{object_name}/describe"
        return {str(field.get("name")) for field in self.client.get_json(path).get("fields") or []}

    def rows(self, object_name: str, fields: list[str], cursor: Any, *, where: str = "") -> Iterator[dict[str, Any]]:
        since = cursor or ((start := self.start_time()) and soql_time(start))
        statement = soql.changed_since(object_name, fields, since, where=where)
        return soql.query(self.client, self.config.api_version, statement)

    def _read_key(self) -> str:
        """The app's private key (PEM), masked from now on."""
        path = Path(self.context.base_dir) / str(self.config.private_key_file)
        try:
            key = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"sources.{self.context.name}.private_key_file: cannot read {path} ({exc.strerror})") from None
        redact_key(key)
        return key


def soql_time(value: Any) -> str:
    """A SOQL datetime literal (UTC, whole seconds: the boundary row is read again)."""
    return parse_timestamp(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ModstampCursor:
    """Rows come ordered by SystemModstamp; the cursor is the latest one, as a SOQL literal."""

    is_sorted = True

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        stamp = raw.get("SystemModstamp")
        return soql_time(stamp) if stamp else cursor


class SurveyResponses(ModstampCursor, Stream):
    name = "survey_responses"
    primary_key = ("Id",)

    def __init__(self, source: SalesforceSource):
        super().__init__(source)
        self.source: SalesforceSource = source
        config = source.config
        self.overrides = objects.type_overrides() | config.questions
        self.plans: dict[str, QuestionPlan] = {}  # by SurveyId: see `plan`
        self.scales = {"CSAT": config.csat_scale, "Rating": config.rating_scale}
        self.questions: dict[str, dict[str, Any]] = {}

    def plan(self, survey_id: str) -> QuestionPlan:
        """The survey's plan: which of its questions fills a record's nps/csat/ces column is decided
        within the survey, never between two surveys' questions, and a configured `primary` is its own
        survey's (keyed by the question id, or "<survey id>/<question id>")."""
        if survey_id not in self.plans:
            where = f"sources.{self.source.context.name}"
            self.plans[survey_id] = QuestionPlan(self.overrides, where=where, survey=survey_id)
        return self.plans[survey_id]

    def warnings(self) -> list[str]:
        return [f"survey {survey_id}: {warning}" for survey_id, plan in self.plans.items() for warning in plan.warnings]

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        for response in self.source.rows("SurveyResponse", objects.RESPONSE_FIELDS, cursor):
            batch.append(response)
            if len(batch) == ANSWER_BATCH:
                yield from self._with_answers(batch)
                batch = []
        yield from self._with_answers(batch)

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return objects.survey_record(raw, builder, self.plan(str(raw.get("SurveyId") or "")), scales=self.scales)

    def personal_fields(self) -> PersonalFields:
        return PersonalFields(ignored_items=(("QuestionId", ignored_questions(self.source.config.questions, by_survey=True)),))

    def _with_answers(self, responses: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The responses, each with its SurveyQuestionResponses; question names looked up once."""
        if not responses:
            return
        config, client = self.source.config, self.source.client
        where = f"ResponseId IN {soql.in_list([r['Id'] for r in responses])}"
        statement = f"SELECT Id, {', '.join(objects.ANSWER_FIELDS)} FROM SurveyQuestionResponse WHERE {where}"
        answers: dict[str, list[dict[str, Any]]] = {}
        for answer in soql.query(client, config.api_version, statement):
            answers.setdefault(answer["ResponseId"], []).append(answer)
        unknown = sorted({a["QuestionId"] for found in answers.values() for a in found} - set(self.questions))
        if unknown:
            self._learn_questions(unknown)
        invitations = self._invitations([r["InvitationId"] for r in responses if r.get("InvitationId")])
        found = []
        for response in responses:
            invitation = invitations.get(response.get("InvitationId") or "")
            answered = [a | {"question": self.questions[a["QuestionId"]]} if a["QuestionId"] in self.questions else a
                        for a in answers.get(response["Id"], [])]  # fmt: skip
            found.append(response | {"answers": answered} | ({"invitation": invitation} if invitation else {}))
        contacts = self._contacts([c for r in found if (c := objects.respondent_contact(r))])
        for response in found:
            contact = contacts.get(objects.respondent_contact(response) or "")
            yield response | ({"contact": contact} if contact else {})

    def _learn_questions(self, ids: list[str]) -> None:
        """Name, type and place in the survey (`objects.in_survey_order`) of these SurveyQuestions,
        with the labels of their choices (kept in
        DisplayOrder-free query order: a label's value comes from the label, not its position)."""
        client, version, wanted = self.source.client, self.source.config.api_version, soql.in_list(ids)
        fields = ", ".join(objects.question_fields(version))
        statement = f"SELECT Id, {fields} FROM SurveyQuestion WHERE Id IN {wanted}"
        found = {q["Id"]: q | {"choices": []} for q in soql.query(client, version, statement)}
        statement = f"SELECT Id, {', '.join(objects.CHOICE_FIELDS)} FROM SurveyQuestionChoice WHERE QuestionId IN {wanted}"
        for choice in soql.query(client, version, statement):
            if choice.get("QuestionId") in found and choice.get("Name"):
                found[choice["QuestionId"]]["choices"].append(choice["Name"])
        self.questions |= found

    def _invitations(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The SurveyInvitations of these responses: who was invited (a Contact) and its status."""
        if not ids:
            return {}
        fields = ", ".join(objects.INVITATION_FIELDS)
        statement = f"SELECT Id, {fields} FROM SurveyInvitation WHERE Id IN {soql.in_list(sorted(set(ids)))}"
        return {row["Id"]: row for row in soql.query(self.source.client, self.source.config.api_version, statement)}


    def _contacts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The Contacts who answered, for their Account: one query a batch, none per response."""
        if not ids:
            return {}
        statement = f"SELECT Id, AccountId FROM Contact WHERE Id IN {soql.in_list(sorted(set(ids)))}"
        return {row["Id"]: row for row in soql.query(self.source.client, self.source.config.api_version, statement)}


class CustomObjectRows(ModstampCursor, Stream):
    """Feedback kept in a custom object, read through the config's field mapping."""

    primary_key = ("Id",)

    def __init__(self, source: SalesforceSource, custom: CustomObject):
        super().__init__(source)
        self.source: SalesforceSource = source
        self.custom = self.row_mapping = custom
        self.name = custom.object  # type: ignore[misc]
        self.normalizer = RowNormalizer(custom, source.context)

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        mapping = self.custom
        fields = [*mapping.columns.mapped().values(), *(m.column for m in mapping.metrics), *mapping.comments,
                  *mapping.questions, *(mapping.attributes or [])]  # fmt: skip
        return self.source.rows(self.custom.object, [f for f in fields if f not in ("Id", "SystemModstamp")], cursor)

    def personal_fields(self) -> PersonalFields:
        return self.custom.personal_fields()

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        values = {header_key(key): value for key, value in flatten_record(raw).items()}
        return self.normalizer.normalize({"id": str(raw["Id"]), "values": values}, builder)


class Accounts(ModstampCursor, ContextStream):
    name = "accounts"
    primary_key = ("Id",)
    source: SalesforceSource

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config = self.source.config
        fields = [*objects.ACCOUNT_FIELDS, config.segment_field, *filter(None, [config.lifecycle_field, config.currency_field])]
        if objects.PERSON_ACCOUNT in self.source.field_names("Account"):
            fields.append(objects.PERSON_ACCOUNT)
        return self.source.rows("Account", fields, cursor)

    def context(self, raw: dict[str, Any], builder: Any) -> Any:
        return objects.account(raw, self.source.config)

    def scrubbing(self, scrub: Scrubber) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """A person account's Name is a person's name: removed, as a Contact's is (kept with
        keep_personal_data); a business account's is kept."""
        person = scrub.adding(PersonalFields(personal=frozenset({"Name"})))
        return lambda raw: person(raw) if raw.get(objects.PERSON_ACCOUNT) else scrub(raw)


class Contacts(ModstampCursor, ContextStream):
    name = "contacts"
    primary_key = ("Id",)
    source: SalesforceSource

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        return self.source.rows("Contact", objects.CONTACT_FIELDS, cursor)

    def context(self, raw: dict[str, Any], builder: Any) -> Any:
        return objects.contact(raw, builder)

    def personal_fields(self) -> PersonalFields:
        return PersonalFields(contacts=frozenset({"Email"}), personal=objects.CONTACT_PERSONAL)
