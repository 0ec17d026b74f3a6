"""The typeform source: the forms listed in the config (or every form the token can read), each
read with its definition (the question map) and its responses, newest first, since the latest
response the cursor holds less `lookback_minutes`.

Typeform hands responses out newest first, so the latest time is seen at the start of a read and
the oldest at the end: the cursor — per form and response type, the latest `submitted_at`
(`staged_at` for partial responses) — is an unsorted stream's, saved only once every form has
been read to its last page. A run that stops half-way keeps what it wrote and leaves the cursor
where it was; the next run reads those responses again and finds them unchanged."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from cxbridge.errors import ConfigError, DataError, FatalSourceError
from cxbridge.http import ApiSource, HeaderToken
from cxbridge.plugins.typeform import api
from cxbridge.plugins.typeform.config import TypeformConfig
from cxbridge.plugins.typeform.form import parse_form
from cxbridge.plugins.typeform.responses import CONTACT_ANSWERS, FormReader, moment, native_id
from cxbridge.privacy import PersonalFields, ignored_questions
from cxbridge.questions import QuestionPlan
from cxbridge.records import FeedbackRecord
from cxbridge.sources import Stream
from cxbridge.timestamps import format_timestamp, parse_timestamp

log = logging.getLogger("cxbridge.typeform")
PERSONAL_METADATA = frozenset({"network_id", "user_agent", "referer"})  # the referer carries hidden fields' values


class TypeformSource(ApiSource):
    """Responses of Typeform forms."""

    name = "typeform"
    config_model = TypeformConfig
    config: TypeformConfig
    errors = api.TypeformErrors()
    default_requests_per_second = 2  # Typeform's documented limit: 2 requests a second per account

    def base_url(self) -> str:
        return api.API_HOSTS["us"]

    def auth(self) -> httpx.Auth:
        return HeaderToken(self.config.token)

    def streams(self) -> list[Stream]:
        return [Responses(self)]

    def __init__(self, config: TypeformConfig, context: Any):
        super().__init__(config, context)
        self._form_ids: list[str] | None = None
        self._definitions: dict[str, dict[str, Any]] = {}

    def check(self, cursors: Mapping[str, Any]) -> None:
        """A listed form Typeform does not know or does not let the token read is a configuration
        error: found here, before any source of the run reads or writes (the definitions read
        stay for the run). A token it refuses fails this source alone (`cxbridge.checks`)."""
        try:
            for form_id in self.form_ids():
                self.definition(form_id)
        except FatalSourceError as exc:
            if exc.status_code not in (403, 404):
                raise
            raise ConfigError(f"forms: {exc}") from None

    def form_ids(self) -> list[str]:
        """The forms of this run, asked for once: the config's, or the account's (GET /forms)."""
        if self._form_ids is None:
            self._form_ids = list(self.config.forms) or self._listed_forms()
        return self._form_ids

    def _listed_forms(self) -> list[str]:
        config = self.config
        pattern = re.compile(config.name_pattern) if config.name_pattern else None
        found = [str(form["id"]) for form in api.account_forms(self.client, workspace_id=config.workspace_id)
                 if pattern is None or pattern.search(str(form.get("title") or ""))]  # fmt: skip
        rule = [f"workspace_id = {config.workspace_id!r}" if config.workspace_id else "",
                f"name_pattern = {config.name_pattern!r}" if pattern else ""]  # fmt: skip
        return self.chosen(found, what="forms", rule=" with ".join(filter(None, rule)) or "listing every form")

    def definition(self, form_id: str) -> dict[str, Any]:
        """The form's definition (GET /forms/{id}), read once per run."""
        if form_id not in self._definitions:
            self._definitions[form_id] = api.form_definition(self.client, form_id)
        return self._definitions[form_id]


class Responses(Stream):
    """Every response of the forms; the cursor holds, per form and response type, the latest time seen."""

    name = "responses"
    primary_key = ("form_id", "response_id")
    is_sorted = False  # newest first: the cursor is safe to save only once the whole read is done

    def __init__(self, source: TypeformSource):
        super().__init__(source)
        self.source: TypeformSource = source
        self.readers: dict[str, FormReader] = {}

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        config, client = self.source.config, self.source.client
        for form_id in self.source.form_ids():
            url = api.responses_url(self.reader(form_id).form.links, form_id, base_url=str(client.http.base_url))
            if url.startswith("http") and (found := httpx.URL(url)).netloc != client.http.base_url.netloc:
                log.info("form %s: responses read from %s, the account's data center", form_id, found.netloc.decode())
            for kind in config.response_types:
                since = self._since((cursor or {}).get(form_id, {}).get(kind))
                for response in api.responses(client, url, response_type=kind, since=since, page_size=config.page_size):
                    if response.get("answers") or moment(response, "submitted_at") is not None:
                        yield {"form_id": form_id, **response}  # not a visit that only landed, nothing answered

    def _since(self, saved: str | None) -> datetime | None:
        """The cursor less the lookback; on a first sync, start_date (None: everything)."""
        config = self.source.config
        if saved:
            return parse_timestamp(saved) - timedelta(minutes=config.lookback_minutes)  # type: ignore[operator]
        return self.source.start_time()

    def native_id(self, raw: dict[str, Any]) -> str:
        found = native_id(raw)
        if not found:
            raise DataError("the response has no response_id, landing_id or token", field="response_id",
                            kind="missing-id")  # fmt: skip
        return found

    def advance_cursor(self, cursor: Any, raw: dict[str, Any]) -> Any:
        try:
            submitted = moment(raw, "submitted_at")
            kind, when = ("completed", submitted) if submitted else ("partial", moment(raw, "staged_at"))
        except DataError:  # a bad time is the record's problem (quarantine), not the cursor's
            return cursor
        form = str(raw.get("form_id"))
        seen = (cursor or {}).get(form, {})
        text = format_timestamp(when.replace(microsecond=0)) if when else None
        if text is None or text <= seen.get(kind, ""):
            return cursor
        return {**(cursor or {}), form: {**seen, kind: text}}

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The forms the cursor keeps a time of: each one a response was read of."""
        return sorted(cursor) if isinstance(cursor, dict) else None

    part = "form"

    def part_of(self, raw: dict[str, Any]) -> str | None:
        return str(raw.get("form_id"))

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        form_id = str(raw.get("form_id"))
        if form_id not in self.readers:  # a quarantined response replayed without a read
            self.reader(form_id)
        return self.readers[form_id].normalize(raw, builder)

    def reader(self, form_id: str) -> FormReader:
        """The form's question map, with the config's overrides."""
        if form_id not in self.readers:
            config = self.source.config
            form = parse_form(self.source.definition(form_id))
            where = f"sources.{self.source.context.name}"
            plan = QuestionPlan(form.overrides(config.questions, where), where=where,
                                written=form.written_keys(config.questions))
            self.readers[form_id] = FormReader(form, plan, config.columns.mapped())
        return self.readers[form_id]

    def warnings(self) -> list[str]:
        return [f"form {form_id}: {warning}" for form_id, reader in self.readers.items()
                for warning in reader.plan.warnings]  # fmt: skip

    def personal_fields(self) -> PersonalFields:
        """E-mail and phone answers and the hidden fields mapped as email/phone, hashed; the
        respondent's network id, browser and referring URL, the hidden fields the config calls
        `personal`, the name and company parts of contact-info blocks and the answers to a text
        question asking for a name ("What is your name?": `asks_for_personal_data`), removed; answers to
        ignored fields always removed. (Reads the forms' definitions, to know those parts.)"""
        config = self.source.config
        mapped = [config.columns.email, config.columns.phone]
        ignored = ignored_questions(config.questions)
        contact_parts = frozenset(fid for form_id in self.source.form_ids() for fid in self.reader(form_id).form.personal)
        if not self.source.context.keep_personal_data:
            ignored |= contact_parts
        return PersonalFields(
            contacts=frozenset([*CONTACT_ANSWERS, *filter(None, mapped)]),
            personal=PERSONAL_METADATA | frozenset(config.personal),
            ignored_items=(("field.id", ignored), ("field.ref", ignored)),
        )

