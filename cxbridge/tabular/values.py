"""Cell values as the feedback fields want them: channels and statuses in the schema's words
(whatever language or tool wrote them), language tags in BCP-47 case, everything else as text."""

from __future__ import annotations

import re
from typing import Any

from cxbridge.errors import DataError
from cxbridge.metrics import FORMULA_ERRORS
from cxbridge.quoted_values import quoted
from cxbridge.records import Channel, Status

CHANNELS = {
    Channel.EMAIL: ("email", "e-mail", "mail", "email invitation", "e-mail invitation", "newsletter", "почта",
                    "электронная почта", "poczta", "correo", "correo electrónico", "courriel"),
    Channel.WEB: ("web", "website", "online", "internet", "link", "web link", "weblink", "anonymous", "gl",
                  "www", "сайт", "strona", "strona www", "sitio web", "site web", "site"),
    Channel.SMS: ("sms", "text", "text message", "смс"),
    Channel.PHONE: ("phone", "telephone", "call", "call center", "call centre", "ivr", "телефон", "telefon",
                    "teléfono", "téléphone", "telefone"),
    Channel.CHAT: ("chat", "live chat", "messenger", "whatsapp", "чат", "czat"),
    Channel.IN_STORE: ("in_store", "in store", "in-store", "store", "shop", "kiosk", "tablet", "pos", "offline",
                       "магазин", "в магазине", "sklep", "w sklepie", "tienda", "magasin", "en magasin", "loja",
                       "filiale", "im laden"),
    Channel.APP: ("app", "mobile app", "mobile", "application", "приложение", "aplikacja", "aplicación", "aplicativo"),
    Channel.OTHER: ("other", "другое", "inne", "otro", "autre", "outro", "sonstige"),
}  # fmt: skip
_CHANNEL_OF = {spelling: channel.value for channel, spellings in CHANNELS.items() for spelling in spellings}
_COMPLETE = frozenset({"1", "true", "yes", "y", "complete", "completed", "finished", "done", "submitted"})
_PARTIAL = frozenset({"0", "false", "no", "n", "partial", "incomplete", "in progress", "in_progress", "started"})
_SCREENED_OUT = frozenset({"disqualified", "screened out", "screened", "overquota", "over quota", "quotamet"})
"""Statuses of a respondent the survey turned away before its end — Alchemer's `Disqualified`,
Qualtrics' `Q_TerminateFlag` `Screened` / `QuotaMet`, SurveyMonkey's `disqualified` / `overquota`:
no customer's feedback, neither complete nor partial."""
ID_FIELDS = frozenset({"location_id", "agent_id", "crm_contact_id", "crm_account_id", "ticket_id"})
"""Fields holding an id another export or system writes as a number: a store, an agent, a CRM
contact or account, a ticket."""
_WRITTEN_AS_FLOAT = re.compile(r"(-?\d+)\.0+")
"""An id written as a float ('12.0': pandas writes a numeric column with a blank cell so): the
'.0' is no part of it."""
SCREENED_OUT = "disqualified/screened-out responses"
"""Why a sync leaves such responses out, in its summary (`1 disqualified/screened-out responses left out`)."""


def field_value(name: str, value: Any, *, column: str) -> Any:
    """The value of field `name` from a cell; DataError (naming the column) when it cannot be."""
    if isinstance(value, str) and value.lstrip().startswith("#") and value.strip().casefold() in FORMULA_ERRORS:
        raise DataError(
            f"column {column!r} shows {value.strip()!r}, a spreadsheet formula's error, not a {name}; fix the "
            "formula in the workbook (a lookup that found nothing, a deleted cell), then sync again",
            field=column,
            kind="formula-error",
        )
    if name == "channel":
        return channel(value)
    if name == "status":
        return status(value, column=column)
    text = text_of(value)
    if name in ID_FIELDS and (whole := _WRITTEN_AS_FLOAT.fullmatch(text)):
        return whole.group(1)
    if name == "language":
        return language_tag(text)
    if name == "country" and len(text) == 2:
        return text.upper()
    return text


def channel(value: Any) -> str:
    """`E-mail`, `In-store`, `Telefon`, Qualtrics' `anonymous` link → the schema's channel;
    anything else is `other`."""
    return _CHANNEL_OF.get(text_of(value).casefold(), Channel.OTHER.value)


def screened_out(value: Any) -> bool:
    """Whether a status cell says the survey turned the respondent away (disqualified, screened out, over quota)."""
    return isinstance(value, str) and " ".join(value.split()).casefold() in _SCREENED_OUT


def status(value: Any, *, column: str) -> str:
    key = text_of(value).casefold()
    if screened_out(value):
        raise DataError(
            f"column {column!r}: status {quoted(value)} is a respondent the survey turned away (disqualified, screened "
            "out): no feedback, neither complete nor partial; leave the row out of the file",
            field=column,
            kind="screened-out-status",
        )
    if key in _COMPLETE:
        return Status.COMPLETE.value
    if key in _PARTIAL:
        return Status.PARTIAL.value
    raise DataError(
        f"column {column!r}: status {quoted(value)} is neither complete (1, true, finished) nor partial (0, false)",
        field=column,
        kind="unknown-status",
    )


_LANGUAGE_NAMES = {
    "english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr", "spanish": "es",
    "español": "es", "portuguese": "pt", "português": "pt", "polish": "pl", "polski": "pl", "russian": "ru",
    "русский": "ru", "italian": "it", "italiano": "it", "dutch": "nl", "nederlands": "nl", "czech": "cs",
    "ukrainian": "uk", "turkish": "tr", "swedish": "sv", "arabic": "ar", "japanese": "ja", "chinese": "zh",
    "korean": "ko", "hindi": "hi",
}  # fmt: skip


def language_tag(text: str) -> str:
    """`EN` → `en`, `pt-br` / `PT_BR` → `pt-BR`, `English` / `Polski` → `en` / `pl`."""
    if named := _LANGUAGE_NAMES.get(text.strip().casefold()):
        return named
    language, _, region = text.replace("_", "-").partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


def text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
