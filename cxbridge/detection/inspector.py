"""Inspecting one file: how it is read, which export layout it is, and the proposed mapping —
every decision with a confidence and its evidence — as the `[sources.NAME]` entry that reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxbridge import exports
from cxbridge.addresses import in_file_name
from cxbridge.detection.evidence import Proposal
from cxbridge.detection.fields import undated_warning
from cxbridge.detection.mapping_file import source_entry
from cxbridge.detection.profile import ColumnProfile, profile_table
from cxbridge.detection.proposals import METRICS, RECODED_FORMATS, choose, code_warnings, propose, unscored_warnings
from cxbridge.detection.program import detect_employees
from cxbridge.detection.recodes import ValuesGuess, guess_values, read_as_shown, shared_recode_warnings
from cxbridge.detection.school_grades import graded_labels_warning
from cxbridge.detection.weights import weight_warning
from cxbridge.detection.years import latest_year_first
from cxbridge.errors import SourceError
from cxbridge.exports.layout import LayoutOptions, Recognition
from cxbridge.exports.qualtrics_fields import TERMINATE_FLAG, not_feedback, test_responses_column
from cxbridge.exports.surveymonkey_csv import undefined_warning
from cxbridge.exports.surveymonkey_json import no_details_warning
from cxbridge.shared_phones import read_phones
from cxbridge.tabular.answer_values import CHOOSE, CellValues, renumbered
from cxbridge.tabular.delimited import open_delimited
from cxbridge.tabular.encoding import guess_note
from cxbridge.tabular.files import SourceFile, nothing_in
from cxbridge.tabular.cells import ZONE
from cxbridge.tabular.grid import Grid
from cxbridge.tabular.json_records import open_json
from cxbridge.tabular.reading import CONNECTOR_OF_KIND, date_order_warning, decide_date_order
from cxbridge.tabular.source_dates import Evidence
from cxbridge.tabular.response_rows import repeated_note
from cxbridge.tabular.summary_rows import summary_note
from cxbridge.tabular.table import Table
from cxbridge.tabular.values import screened_out
from cxbridge.tabular.workbook import open_workbook
from cxbridge.timestamps import zone, zone_named_by

_ZONED = re.compile(rf"(?:{ZONE})$")


@dataclass(frozen=True)
class Hints:
    """What the user tells `inspect`/`import` that a file cannot say."""

    definition: Path | None = None
    timezone: str | None = None
    date_order: str | None = None
    sheets: tuple[str, ...] = ()
    program: str | None = None
    values: CellValues | None = None  # what cells hold of a definition's choices
    include_test_responses: bool = False  # keep Qualtrics previews, tests and spam

    def __post_init__(self) -> None:
        if self.timezone is not None:
            zone(self.timezone)  # an unknown zone is a usage error, before any file is read


@dataclass
class Inspection:
    path: Path
    connector: str
    recognition: Recognition
    table: Table
    reading: dict[str, str]
    sheets: list[str]  # the sheets the mapping reads
    proposals: list[Proposal]  # every proposal, the ones left out of the mapping too
    chosen: list[Proposal]  # those in the mapping
    settings: dict[str, Any] = field(default_factory=dict)  # date_order, timezone, … for the mapping
    assumed: dict[str, str] = field(default_factory=dict)  # settings the file does not show, and why: not saved
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # sheet → why the mapping does not read it
    reading_warnings: list[str] = field(default_factory=list)  # what the file cannot settle: how cells read, which year is the primary
    date_warning: str | None = None  # the date order assumed, when the file cannot show it
    date_evidence: Evidence | None = None  # what the tables the mapping reads showed of it (`Evidence`)
    question_matches: list[Any] = field(default_factory=list)  # QuestionMatch: a column reworded in another file
    shared_source: Any = None  # SharedSource: the one source proposed for it and other files of its layout

    @property
    def source_name(self) -> str:
        return proposed_source_name(self.path)

    @property
    def warnings(self) -> list[str]:
        """The columns that look scored (by header or values) but are not mapped as scored, each
        with the reason and what to do, and dates read in an order the file does not show —
        shown by `inspect` and in the import summary."""
        dates = [self.date_warning] if self.date_warning else []
        return unscored_warnings(self.proposals, self.chosen) + code_warnings(self.chosen) + self.reading_warnings + dates

    def source_config(self, *, path: str | None = None) -> dict[str, Any]:
        """The `[sources.NAME]` entry that imports this file (and files like it)."""
        return source_entry(self, path=path or str(self.path))


def source_name_for(path: Path) -> str:
    """`Store NPS 2019.xlsx` → `store_nps_2019`."""
    return _name_of(path.stem) or "file"


def proposed_source_name(path: Path) -> str:
    """`source_name_for` a file, each e-mail address in its name dropped (`Survey (jane@x.com).csv`
    → `survey`; nothing left → `export`, as of `survey_jane@x.com.csv`, one address): what `inspect`
    proposes, without the dataset's salt to key the address with (`cxbridge import` names such a
    file's source `hashed_<key>`)."""
    named = in_file_name(path.name, lambda address: "_")
    return source_name_for(path) if named is path.name else _name_of(Path(named).stem) or "export"


def _name_of(stem: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", stem.casefold()).strip("_")
    return name if not name or name[:1].isalpha() else f"file_{name}"


def inspect_file(
    path: Path, hints: Hints | None = None, *, names_read: Callable[[list[str]], None] | None = None
) -> Inspection:
    """Read a file's first rows and propose how to import it: the mapping of its best table,
    which every other sheet with the same layout, scored columns and time column shares.
    `names_read` is told its sheets' and columns' names as soon as they are read (`SourceFile`)."""
    hints = hints or Hints()
    file = SourceFile(path, path.name, names_read)
    definition = exports.load_definition(hints.definition) if hints.definition else None
    candidates: list[Inspection] = []
    left_out: dict[str, str] = {}
    for source in _open(file, hints):
        if isinstance(source, Grid) and not source.preview(1):
            left_out[source.sheet or path.name] = "it is empty"
            continue
        found = exports.recognize(source)
        if not found:
            left_out[source.sheet or path.name] = "no header row found"
            continue
        best = found[0]
        options = LayoutOptions(header_row=best.header_row, header_rows=best.header_rows, definition=definition)
        table = exports.to_table(source, best.format, options)
        if names_read is not None:
            names_read([name for column in table.columns for name in (column.key, column.text) if name])
        candidates.append(_inspection(file, best, table, hints))
    if not candidates:
        raise SourceError(_why_nothing(file, left_out))
    main = max(candidates, key=_weight)
    for other in candidates:
        if other is not main and (reason := _left_out_because(other, main)):
            left_out[other.table.sheet or path.name] = reason
    main.sheets = [c.table.sheet for c in candidates if c.table.sheet and c.table.sheet not in left_out]
    if hints.sheets and main.sheets:  # a workbook's sheets asked for, not every sheet (`source_entry`)
        main.settings["sheets"] = main.sheets
    main.left_out = left_out
    main.date_evidence = _date_evidence([c for c in candidates if c is main or c.table.sheet in main.sheets])
    if left_out and main.table.sheet:
        main.notes += [f"sheet {sheet!r} left out: {reason}" for sheet, reason in left_out.items()]
    read = [c.table for c in candidates if c is main or c.table.sheet in main.sheets]
    main.notes += [summary_note(table.where, table.summary_rows) for table in read if table.summary_rows]
    main.notes += [repeated_note(table.where, table.repeated_headers) for table in read if table.repeated_headers]
    if not any(c.table.preview(1) for c in candidates):
        main.notes.append(f"{nothing_in(file)}; importing it imports nothing (and fails)")
    return main


def _date_evidence(read: list[Inspection]) -> Evidence | None:
    """What inspecting the tables the mapping reads showed of their day/month order, for the
    import not to read them again for it; None unless each was looked at, in one column."""
    found: Evidence = {}
    for inspection in read:
        if inspection.date_evidence is None:
            return None
        found |= inspection.date_evidence
    return found if len({column for _, column in found}) == 1 else None


def _why_nothing(file: SourceFile, left_out: dict[str, str]) -> str:
    """Why no sheet of a file can be read: empty, or each sheet's reason."""
    if all(reason == "it is empty" for reason in left_out.values()):
        return f"{nothing_in(file)}; nothing to import"
    reasons = [why if sheet == file.identity else f"sheet {sheet!r}: {why}" for sheet, why in left_out.items()]
    return f"{file.identity}: nothing to import ({'; '.join(reasons)})"


def _weight(inspection: Inspection) -> tuple:
    """The table the mapping is made from: the surest layout, then the most scored and mapped
    columns (a later year's sheet with a column added), then the most rows."""
    scored = sum(p.target in METRICS for p in inspection.chosen)
    return inspection.recognition.confidence, scored, len(inspection.chosen), len(inspection.table.preview())


def _left_out_because(other: Inspection, main: Inspection) -> str | None:
    """Why a sheet cannot be read with the main sheet's mapping, or None when it can: it needs
    the time column and one scored column; the other columns may be absent (added in a later year)."""
    if other.table.format != main.table.format:
        return f"it is laid out as {other.table.format}, not {main.table.format} like sheet {main.table.sheet!r}"
    keys = {column.key for column in other.table.columns}
    mapped = [p.column for p in main.chosen]
    if not any(column in keys for column in mapped):
        return f"none of its columns is one the mapping of sheet {main.table.sheet!r} reads"
    scored = [p.column for p in main.chosen if p.target in METRICS]
    submitted = [p.column for p in main.chosen if p.target == "submitted_at"]
    missing = [column for column in submitted if column not in keys]
    if missing or (scored and not any(column in keys for column in scored)):
        what = f"no column {missing[0]!r}" if missing else "none of the scored columns"
        return (f"it has {what} of sheet {main.table.sheet!r}; to import it, give it a mapping of its own: "
                f"cxbridge inspect FILE --sheet {other.table.sheet!r} --write-mapping")  # fmt: skip
    return None


def _phone_warnings(table: Table, chosen: list[Proposal]) -> list[str]:
    """What the rows read show of the phone column: placeholders, a number beside many addresses."""
    columns = {p.target: p.column for p in chosen if p.target in ("email", "phone")}
    if "phone" not in columns:
        return []
    email, phone = columns.get("email", ""), columns["phone"]
    return read_phones([(row.values.get(email), row.values.get(phone)) for row in table.preview()], phone)


def _open(file: SourceFile, hints: Hints) -> list:
    if file.kind == "delimited":
        return [open_delimited(file.path, file.identity, encoding=None, delimiter=None)]
    if file.kind == "workbook":
        return open_workbook(file.path, file.identity, sheets=list(hints.sheets) or None, names_read=file.names_read)
    return [open_json(file.path, file.identity)]


def _inspection(file: SourceFile, recognition: Recognition, table: Table, hints: Hints) -> Inspection:
    profiles = profile_table(table, whole=True)
    values = _read_values(table, profiles, hints)
    names = [file.path.stem, *([table.sheet] if table.sheet else [])]
    proposals, program = propose(table, profiles, program=hints.program, names=names)
    years = latest_year_first(proposals, {key: profile.column.label for key, profile in profiles.items()})
    chosen = choose(proposals)
    if program.program is None and not program.evidence:
        program = detect_employees({p.column: p.target for p in chosen if p.target in ("nps", "enps")})
    inspection = Inspection(
        path=file.path, connector=CONNECTOR_OF_KIND[file.kind], recognition=recognition, table=table,
        reading=dict(table.details), sheets=[], proposals=proposals, chosen=chosen,
    )  # fmt: skip
    inspection.reading_warnings += years + _phone_warnings(table, chosen)
    used = {proposal.column for proposal in chosen}
    inspection.reading_warnings += [warning for key, profile in profiles.items()
                                    if key not in used and (warning := weight_warning(profile))]  # fmt: skip
    inspection.reading_warnings += [warning for key, profile in profiles.items()
                                    if key not in used and (warning := graded_labels_warning(profile))]  # fmt: skip
    if undated := undated_warning(chosen, profiles):
        inspection.reading_warnings.append(undated)
    _settle_dates(inspection, profiles, hints)
    if "encoding_evidence" in table.details and (guessed := guess_note(table.details["encoding"])):
        inspection.notes.append(guessed)
    if hints.timezone:
        inspection.settings["timezone"] = hints.timezone  # of times without a zone: a declared one stands
    submitted = next((table.column(p.column) for p in chosen if p.target == "submitted_at"), None)
    if declared := table.details.get("timezone"):
        inspection.notes.append(f"timestamps are read in {declared}, the time zone the export declares")
    elif submitted is not None and (named := zone_named_by(submitted.label)):
        inspection.notes.append(f"timestamps are read in {named}, the time zone the header {submitted.label!r} names")
    elif not hints.timezone and _naive_times(chosen, profiles):
        inspection.notes.append("timestamps carry no time zone: they are read in [settings] timezone (UTC by "
                                "default); set timezone for this source if the export used another one")  # fmt: skip
    for undefined in (no_details_warning(table), undefined_warning(table)):
        if undefined is not None:
            inspection.notes.append(undefined.removeprefix(f"{table.where}: "))
    if hints.definition:
        inspection.settings["definition"] = str(hints.definition.resolve())
        _settle_values(inspection, values)
        scored = [p.column for p in chosen if p.target in METRICS]
        inspection.reading_warnings += shared_recode_warnings(table, scored, values=inspection.settings.get("values"),
                                                              profiles=profiles)  # fmt: skip
    if program.program:
        inspection.settings["program"] = program.program
    if program.evidence:
        inspection.notes.append(program.evidence)
    if hints.include_test_responses:
        inspection.settings["include_test_responses"] = True
    elif note := _test_responses(table):
        inspection.notes.append(note)
    if note := _screened_out(table, [p.column for p in chosen if p.target == "status"]):
        inspection.notes.append(note)
    return inspection


def _screened_out(table: Table, status: list[str], limit: int = 500) -> str | None:
    """How many of the rows looked at the survey turned away (disqualified, screened out), which a sync leaves out."""
    keys = [*status, *([TERMINATE_FLAG] if table.column(TERMINATE_FLAG) is not None else [])]
    rows = table.preview(limit) if keys else []
    found = sum(1 for row in rows if any(screened_out(row.values.get(key)) for key in keys))
    of = f"{len(rows):,}" if len(rows) < limit else f"the first {limit:,}"
    return (f"{found:,} of {of} responses were disqualified or screened out by the survey: no feedback, a sync leaves "
            "them out (counted as skipped)") if found else None  # fmt: skip


def _test_responses(table: Table, limit: int = 500) -> str | None:
    """How many of the rows looked at are Qualtrics previews, tests or spam, which a sync leaves out."""
    status = test_responses_column(table)
    rows = table.preview(limit) if status is not None else []
    found = sum(1 for row in rows if not_feedback(row.values.get(status)))
    if not found:
        return None
    of = f"{len(rows):,}" if len(rows) < limit else f"the first {limit:,}"
    return (f"{found:,} of {of} responses are Qualtrics previews, tests or spam (Status 1, 2 or 8): a sync leaves "
            "them out (counted as skipped); include_test_responses = true (--include-test-responses) keeps them")  # fmt: skip


def _read_values(table: Table, profiles: dict[str, ColumnProfile], hints: Hints) -> ValuesGuess | None:
    """What the cells hold of the definition's choices: the hint, else what a Qualtrics export
    shows (None without a definition, or when no choice shows a number other than its recode).
    Read as recodes, such columns' numbers are profiled as the numbers shown, as the sync scores them."""
    if not hints.definition or not (hints.values or table.format in RECODED_FORMATS):
        return None
    guess = ValuesGuess(hints.values, "") if hints.values else guess_values(table, profiles)
    if guess is not None and guess.values == "recodes":
        read_as_shown(table, profiles)
    return guess


def _settle_values(inspection: Inspection, guess: ValuesGuess | None) -> None:
    """`values` as read (`_read_values`), with its evidence as a note; when the file does not
    show it and a scored column needs it, a note and a warning, and no key: a sync is refused
    until it is given."""
    if guess is None:
        return
    if guess.values is not None:
        inspection.settings["values"] = guess.values
        if guess.evidence:
            inspection.notes.append(f"values {guess.values!r}: {guess.evidence}")
        return
    choices = {column.key: column.choices for column in inspection.table.columns}
    if not any(renumbered(choices.get(p.column, {})) for p in inspection.chosen if p.target in METRICS):
        return
    inspection.notes.append(f"values not set: {guess.evidence}; set {CHOOSE}")
    inspection.reading_warnings.append(
        f"values: {guess.evidence}, so the file does not show whether its cells are the choices' recodes or the "
        'choices as shown; the import is refused until told: give --values recodes (a CSV exported with "Use '
        'numeric values") or --values choice_text ("Use choice text")'
    )


def _naive_times(chosen: list[Proposal], profiles: dict[str, ColumnProfile]) -> bool:
    """Whether the submitted times are written without a zone (so [settings] timezone applies)."""
    submitted = next((p.column for p in chosen if p.target == "submitted_at"), None)
    if submitted is None:
        return False
    dates = profiles[submitted].text_dates
    return not dates or not all(_ZONED.search(text) for text in dates)


def _settle_dates(inspection: Inspection, profiles: dict[str, ColumnProfile], hints: Hints) -> None:
    """The date order: the hint, else decided from the submitted-time column's text dates."""
    if hints.date_order:
        inspection.settings["date_order"] = hints.date_order
        return
    submitted = next((p for p in inspection.chosen if p.target == "submitted_at"), None)
    if submitted is None or not profiles[submitted.column].text_dates:
        return
    guess = decide_date_order(inspection.table, submitted.column)
    inspection.date_evidence = {(inspection.table.where, submitted.column): guess}
    if guess.order is None:
        if guess.decided:  # months written by name: no order to set
            submitted.evidence.append(guess.evidence)
        else:
            inspection.notes.append(f"date order: {guess.evidence}; set date_order = 'dmy' or 'mdy'")
        return
    inspection.settings["date_order"] = guess.order.value
    submitted.evidence.append(f"date order {guess.order.value}: {guess.evidence}")
    if not guess.decided:
        submitted.confidence = min(submitted.confidence, 0.6)
        inspection.assumed["date_order"] = guess.evidence
    inspection.date_warning = date_order_warning(submitted.column, guess)
