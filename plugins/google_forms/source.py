"""The google_forms source: the forms listed in the config, each read with forms.get (the
question map) and forms.responses.list (page tokens; `timestamp >` the last submission seen,
so a second sync asks only for what is new)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from cxbridge.detection.fields import asks_for_personal_data
from cxbridge.errors import ConfigError
from cxbridge.masking import redact_key
from cxbridge.plain_secrets import is_credential_name
from cxbridge.http import ApiErrors, ApiSource, GoogleCredentials, PageRequest, PageToken, json_body
from cxbridge.plugins.google_forms.config import SCOPES, GoogleFormsConfig
from cxbridge.plugins.google_forms.form import parse_form
from cxbridge.plugins.google_forms.responses import FormReader
from cxbridge.privacy import PersonalFields, ignored_questions
from cxbridge.questions import QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Stream
from cxbridge.timestamps import parse_timestamp

CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, so cursors compare as text


class GoogleErrors(ApiErrors):
    service = "Google Forms"
    credentials = "the Google credentials (credentials_file, or the service account's access to the form)"
    ids = "the form ids"

    def message(self, response: httpx.Response) -> str | None:
        """`error.message [error.status]` of Google's JSON error."""
        body = json_body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return f"{error['message']} [{error['status']}]" if error.get("status") else str(error["message"])
        return super().message(response)


class GoogleFormsSource(ApiSource):
    """Responses of Google Forms."""

    name = "google_forms"
    config_model = GoogleFormsConfig
    config: GoogleFormsConfig
    errors = GoogleErrors()
    default_requests_per_minute = 150  # Google's per-user limit on responses.list is 180/minute

    def __init__(self, config: GoogleFormsConfig, context: Any):
        super().__init__(config, context)
        self.google_credentials = self.credentials()  # a bad key file fails with the config, before any data moves

    def base_url(self) -> str:
        return "https://forms.googleapis.com/v1"

    def access_request(self) -> PageRequest:
        """forms.get of the first configured form (api_reference §2.1), which the service account
        must be able to see (§2.4)."""
        return PageRequest(f"/forms/{self.config.forms[0]}")

    def auth(self) -> httpx.Auth:
        return GoogleCredentials(self.google_credentials, named="the credentials in credentials_file")

    def credentials(self) -> Any:
        """google-auth credentials from the key file named, or Application Default Credentials."""
        try:
            import google.auth
            from google.auth import exceptions
            from google.oauth2 import credentials as user, service_account
        except ImportError:
            raise ConfigError(
                f"sources.{self.context.name}: the google_forms source needs google-auth: pip install 'cxbridge[google]'"
            ) from None

        path = self.config.credentials_file
        try:
            if path is None:
                found, _ = google.auth.default(scopes=SCOPES)
                return found
            file = Path(self.context.base_dir) / path
            kind = _key_type(file)
            if kind == "service_account":
                found = service_account.Credentials.from_service_account_file(str(file), scopes=SCOPES)
                return found.with_subject(self.config.subject) if self.config.subject else found
            return user.Credentials.from_authorized_user_file(str(file), scopes=SCOPES)
        except (exceptions.DefaultCredentialsError, ValueError) as exc:
            raise ConfigError(f"sources.{self.context.name}.credentials_file: {exc}") from None

    def streams(self) -> list[Stream]:
        return [FormResponses(self)]


class FormResponses(Stream):
    """Every response of the configured forms; the cursor holds each form's latest submission."""

    name = "responses"
    primary_key = ("responseId",)

    def __init__(self, source: GoogleFormsSource):
        super().__init__(source)
        self.source: GoogleFormsSource = source
        self.readers: dict[str, FormReader] = {}

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config, client = self.source.config, self.source.client
        for form_id in config.forms:
            self.form_reader(form_id)
            since = (cursor or {}).get(form_id) or _cursor_time(self.source.start_time(), before=True)
            params: dict[str, Any] = {"pageSize": config.page_size}
            if since:
                params["filter"] = f"timestamp > {since}"  # the cursor is never later than the last time seen
            first = PageRequest(f"/forms/{form_id}/responses", params)
            paging = PageToken(lambda body: body.get("nextPageToken"), items=lambda body: body.get("responses") or [])
            for page in client.pages(first, paging):
                for response in page.get("responses") or []:
                    yield {"formId": form_id, **response}

    def warnings(self) -> list[str]:
        return [f"form {form_id}: {warning}" for form_id, reader in self.readers.items()
                for warning in reader.plan.warnings]  # fmt: skip

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        moment = _cursor_time(raw.get("lastSubmittedTime"))
        form_id = raw["formId"]
        if moment is None or moment <= (cursor or {}).get(form_id, ""):
            return cursor
        return {**(cursor or {}), form_id: moment}

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The forms the cursor keeps a submission time of: each one a response was read of."""
        return sorted(cursor) if isinstance(cursor, dict) else None

    part = "form"

    def part_of(self, raw: dict[str, Any]) -> str | None:
        return raw.get("formId")

    def personal_fields(self) -> PersonalFields:
        """The e-mail Google collected and the answers mapped as email/phone, hashed; answers to a
        text question asking for a name ("Your name": `asks_for_personal_data`), removed; answers
        to ignored questions, removed. (Reads the forms' definitions, to know those questions.)"""
        config = self.source.config
        mapped = [config.columns.email, config.columns.phone]
        names = frozenset(qid for form_id in config.forms for qid, question in self.form_reader(form_id).form.questions.items()
                          if question.kind == "text" and asks_for_personal_data(question.text))  # fmt: skip
        return PersonalFields(contacts=frozenset(["respondentEmail", *filter(None, mapped)]), personal=names,
                              ignored=ignored_questions(config.questions))  # fmt: skip

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        form_id = raw["formId"]
        return self.form_reader(form_id).normalize(raw, builder)  # read first, if a quarantined response is replayed

    def form_reader(self, form_id: str) -> FormReader:
        """The form's reader, its definition read once a sync."""
        if form_id not in self.readers:
            self.readers[form_id] = self.reader(form_id)
        return self.readers[form_id]

    def reader(self, form_id: str) -> FormReader:
        """The form's question map (forms.get), with the config's overrides."""
        config = self.source.config
        form = parse_form(self.source.client.get_json(f"/forms/{form_id}"))
        plan = QuestionPlan(form.with_rating_defaults(config.questions), where=f"sources.{self.source.context.name}")
        return FormReader(form, plan, config.columns.mapped())


def _cursor_time(value: Any, *, before: bool = False) -> str | None:
    """The time as fixed-width microseconds, truncated (never rounded up) from Google's up to nine
    digits: a cursor no later than the submission it came from, so `timestamp >` skips nothing.
    `before`: a microsecond earlier, so that `>` keeps the time itself (a start_date)."""
    moment = parse_timestamp(value) if value else None
    if not isinstance(moment, datetime):
        return None
    return (moment - timedelta(microseconds=1 if before else 0)).astimezone(timezone.utc).strftime(CURSOR_FORMAT)


_KEY_ADVICE = (
    "give the path, relative to the config's folder, of the JSON key downloaded for the service account (or an "
    "authorized user's key file), or leave credentials_file out to use Application Default Credentials "
    "(docs/connectors/google_forms.md#signing-in)"
)


def _key_type(file: Path) -> str:
    """The key file's type; the credentials in it (private key, client secret, refresh token)
    are masked from now on, the private key line by line too."""
    import json

    try:
        key = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {file.absolute()} ({exc.strerror}); {_KEY_ADVICE}") from None
    except json.JSONDecodeError:
        raise ValueError(f"{file} is not a JSON key file; {_KEY_ADVICE}") from None
    if not isinstance(key, dict):
        raise ValueError(f"{file} is not a JSON key file; {_KEY_ADVICE}")
    for name, value in key.items():
        if isinstance(value, str) and is_credential_name(name):
            redact_key(value)
    return str(key.get("type", ""))
