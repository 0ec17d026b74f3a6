"""Export layouts: how Google Forms, Qualtrics, SurveyMonkey and plain sheets lay out their
rows, recognised from the file itself, and turned into tables keyed the same way every time.

A layout module offers `recognize(...)` (a Recognition with evidence, or None), `to_table(...)`
and `knowledge(table)` (the fields and metadata the format names outright).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxbridge.errors import ConfigError, SourceError
from cxbridge.exports import (
    google_forms, plain, plain_json, qualtrics_csv, qualtrics_fields, qualtrics_json, surveymonkey_csv,
    surveymonkey_json,
)  # fmt: skip
from cxbridge.exports.layout import FormatKnowledge, LayoutOptions, Recognition
from cxbridge.exports.qualtrics_definition import parse_definition
from cxbridge.tabular.grid import Grid
from cxbridge.tabular.json_records import RecordSet, load_document, open_json
from cxbridge.tabular.table import Table

GRID_FORMATS = ("qualtrics", "qualtrics_legacy", "surveymonkey", "google_forms", "plain")
RECORD_FORMATS = ("qualtrics_json", "surveymonkey_json", "plain_json")
FORMATS = (*GRID_FORMATS, *RECORD_FORMATS)
PERSONAL_METADATA = (
    qualtrics_fields.PERSONAL | surveymonkey_csv.PERSONAL_COLUMNS | surveymonkey_json.PERSONAL
    | {"locationLatitude", "locationLongitude", "LocationLatitude", "LocationLongitude"}
)  # fmt: skip
"""Columns of personal data the exports carry (names, e-mails, IP addresses, locations)."""
CONTACT_METADATA = surveymonkey_json.CONTACTS
"""Columns of the exports that hold a respondent's e-mail or phone whatever the mapping says: hashed."""
_KNOWLEDGE = {
    "qualtrics": qualtrics_csv.knowledge,
    "qualtrics_legacy": qualtrics_csv.knowledge,
    "surveymonkey": surveymonkey_csv.knowledge,
    "google_forms": google_forms.knowledge,
    "plain": plain.knowledge,
    "qualtrics_json": qualtrics_json.knowledge,
    "surveymonkey_json": surveymonkey_json.knowledge,
    "plain_json": plain_json.knowledge,
}


def recognize(source: Grid | RecordSet) -> list[Recognition]:
    """Every layout that claims the file, most confident first (plain is the fallback)."""
    if isinstance(source, RecordSet):
        found = [qualtrics_json.recognize(source), surveymonkey_json.recognize(source), plain_json.recognize(source)]
    else:
        preview = source.preview()
        found = [m.recognize(preview) for m in (qualtrics_csv, surveymonkey_csv, google_forms, plain)]
    return sorted((r for r in found if r is not None), key=lambda r: -r.confidence)


def to_table(source: Grid | RecordSet, format: str, options: LayoutOptions) -> Table:
    """The table of a grid or record set read in the given layout."""
    if isinstance(source, RecordSet):
        if format == "qualtrics_json":
            return qualtrics_json.to_table(source, options)
        if format == "surveymonkey_json":
            return surveymonkey_json.to_table(source, options)
        if format == "plain_json":
            return plain_json.to_table(source, options)
        raise SourceError(
            f"{source.file}: a JSON export cannot be read as {format!r}; use {' or '.join(RECORD_FORMATS)}"
        )
    if format in ("qualtrics", "qualtrics_legacy"):
        return qualtrics_csv.to_table(source, options, legacy=format == "qualtrics_legacy")
    if format == "surveymonkey":
        return surveymonkey_csv.to_table(source, options)
    if format == "google_forms":
        return google_forms.to_table(source, options)
    if format == "plain":
        return plain.to_table(source, options)
    raise SourceError(f"{source.where}: a sheet cannot be read as {format!r}; use one of {', '.join(GRID_FORMATS)}")


def knowledge(table: Table) -> FormatKnowledge:
    return _KNOWLEDGE[table.format](table)


def load_definition(path: Path) -> Any:
    """A survey definition: a Qualtrics .qsf or API survey JSON, or SurveyMonkey survey details."""
    if not path.is_file():
        raise ConfigError(f"no survey definition at {path}")
    document = load_document(path, path.name)
    definition = parse_definition(document) or surveymonkey_json.parse_details(document)
    if definition is None:
        raise ConfigError(
            f"{path.name} is not a survey definition: give a Qualtrics .qsf, the Qualtrics API's survey JSON, "
            "or SurveyMonkey's survey details JSON"
        )
    return definition


def is_definition(path: Path) -> bool:
    """Whether a file given for import is a survey definition rather than responses."""
    if path.suffix.lower() == ".qsf":
        return True
    if path.suffix.lower() != ".json" or path.stat().st_size > 16 * 1024 * 1024:
        return False
    try:
        document = load_document(path, path.name)
    except SourceError:
        return False
    return parse_definition(document) is not None or surveymonkey_json.parse_details(document) is not None


def survey_id_in(path: Path) -> str | None:
    """The survey id a JSON export's first record names (SurveyMonkey's responses/bulk: `survey_id`);
    None for other files, or one that names none."""
    if path.suffix.lower() != ".json":
        return None
    try:
        preview = open_json(path, path.name).preview(1)
    except SourceError:
        return None
    survey = preview[0][1].get("survey_id") if preview else None
    return str(survey) if isinstance(survey, str | int) and str(survey) else None


__all__ = ["FORMATS", "FormatKnowledge", "LayoutOptions", "Recognition", "knowledge", "recognize", "to_table"]
