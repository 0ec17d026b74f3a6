"""Qualtrics' embedded metadata columns under one spelling (the JSON export's), whatever
generation of export they come from, and the feedback fields they fill."""

from __future__ import annotations

import re
from typing import Any

from cxbridge.exports.layout import FormatKnowledge, KnownField, named_fields
from cxbridge.exports.qualtrics_definition import ColumnMeaning
from cxbridge.tabular.table import Column, Table

_ALIASES = {
    "responseid": "_recordId", "_recordid": "_recordId", "responseset": "responseSet",
    "responsesetid": "responseSet", "name": "recipientName", "externaldatareference": "externalDataReference",
    "externalreference": "externalDataReference", "emailaddress": "recipientEmail",
    "recipientemail": "recipientEmail", "recipientfirstname": "recipientFirstName",
    "recipientlastname": "recipientLastName", "ipaddress": "ipAddress", "status": "status",
    "startdate": "startDate", "enddate": "endDate", "recordeddate": "recordedDate", "finished": "finished",
    "progress": "progress", "duration": "duration", "duration (in seconds)": "duration",
    "locationlatitude": "locationLatitude", "locationlongitude": "locationLongitude",
    "locationaccuracy": "locationAccuracy", "distributionchannel": "distributionChannel",
    "userlanguage": "userLanguage",
}  # fmt: skip
METADATA = frozenset(_ALIASES.values())
NUMERIC = frozenset({"status", "finished", "progress", "duration", "locationAccuracy"})
NPS_GROUP = "_NPS_GROUP"
"""The suffix of an NPS question's group column (`QID1_NPS_GROUP`: 1–3, derived from its answer): metadata."""
PERSONAL = frozenset({"recipientName", "recipientFirstName", "recipientLastName", "recipientEmail", "ipAddress"})
LEGACY_NAMES = frozenset({"LocationLatitude", "LocationLongitude", "LocationAccuracy"})
FORMATS = ("qualtrics", "qualtrics_legacy", "qualtrics_json")
NOT_FEEDBACK = {1: "Survey Preview", 2: "Survey Test", 8: "Spam"}
"""Response types (`Status`) that are no customer's feedback, by code and by the text a
choice-text export writes. A preview as rOpenSci's excluder tells it (R/check_preview.R: `Status ==
"Survey Preview"` as text, `== 1` as numbers); 0 "IP Address", a respondent, is verified in API
payloads, the other codes are not. Any code not listed here is kept: never drop data on a guess."""
STATUS = "status"
"""The key of the `Status` column in every Qualtrics layout's rows (the JSON export's name)."""
LEFT_OUT = "Qualtrics previews/tests"
"""Why a sync leaves such responses out, in its summary (`15 Qualtrics previews/tests left out`)."""
TERMINATE_FLAG = "Q_TerminateFlag"
"""The embedded data Qualtrics sets when the survey ends a response early: `Screened` (screened
out), `QuotaMet` (over quota) — such a respondent's answers are no feedback."""
_NOT_FEEDBACK_TEXT = {text.casefold() for text in NOT_FEEDBACK.values()} | {str(code) for code in NOT_FEEDBACK}
_PREFIXES = ("panel-", "Location-")
_QID_PART = re.compile(r"^(QID\d+)[-_](.+)$")

_FIELDS = (
    ("id", "_recordId", "Qualtrics' response id"),
    ("submitted_at", "recordedDate", "when Qualtrics recorded the response"),
    ("email", "recipientEmail", "the recipient's e-mail from the distribution"),
    ("status", "finished", "Finished = 1 for complete responses, 0 for partial ones"),
    ("language", "userLanguage", "the language the respondent took the survey in"),
    ("channel", "distributionChannel", "how the survey reached the respondent (anonymous link = web)"),
)


def not_feedback(status: Any) -> bool:
    """Whether a response's `Status` (a code, or its text) says a preview, a test or spam."""
    if isinstance(status, bool) or not isinstance(status, int | float | str):
        return False
    if isinstance(status, str):
        return status.strip().casefold() in _NOT_FEEDBACK_TEXT
    return status in NOT_FEEDBACK


def test_responses_column(table: Table) -> str | None:
    """The key of a Qualtrics export's `Status` column, whose codes tell previews and tests; None
    for any other table."""
    column = table.column(STATUS) if table.format in FORMATS else None
    return column.key if column is not None else None


def display_order(key: str) -> bool:
    """Whether `key` is a display order (`QID2_DO`, a block's `FL_6_DO`): the order the choices
    were shown in, which an export asked with `includeDisplayOrder` writes — no answer."""
    return key.endswith("_DO") and key.startswith(("QID", "FL_"))


def chosen(value: Any, label: Any) -> tuple[Any, Any]:
    """A multi-select answer as the JSON export writes it, recodes beside labels (`["2", "4"]`,
    `["Tuesday", "Thursday"]`), as the labels chosen — what every other source stores for one;
    any other value and label as they are."""
    if isinstance(value, list) and isinstance(label, list) and len(label) == len(value) \
            and all(isinstance(text, str) for text in label):  # fmt: skip
        return list(label), None
    return value, label


def canonical(import_id: str) -> str:
    """`panel-RecipientEmail` → `recipientEmail`, `QID2-4` → `QID2_4`, `ResponseID` → `_recordId`."""
    name = import_id.strip()
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    if alias := _ALIASES.get(name.casefold()):
        return alias
    if match := _QID_PART.match(name):
        return f"{match.group(1)}_{match.group(2).replace('-', '_')}"
    return name


def defined_column(key: str, meaning: ColumnMeaning, index: int | None = None) -> Column:
    """A CSV, xlsx or JSON export's column as the survey's definition says: its question's text,
    kind and choices (and whether it flags its no-answer options), and a row of stars' number of
    stars, which detection scores it on as the API connector does (`detection.scores`)."""
    return Column(key=key, text=meaning.text, index=index, choices=meaning.choices, kind=meaning.kind,
                  marks_no_answer=meaning.marks_no_answer, stars=meaning.stars)  # fmt: skip


def knowledge(table: Table) -> FormatKnowledge:
    """Fields Qualtrics names outright; metadata apart from questions and embedded data."""
    known = named_fields(table, _FIELDS)
    if "submitted_at" not in known.fields and table.column("endDate") is not None:
        known.fields["submitted_at"] = KnownField("endDate", "when the respondent finished (no RecordedDate column)")
    for column in table.columns:
        if column.key in METADATA or column.kind == "metadata":
            known.metadata.add(column.key)
        elif column.key.startswith("QID") or re.match(r"^Q\d", column.key):
            known.questions.append(column.key)
    return known
