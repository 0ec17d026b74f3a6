"""From a source file to the tables it holds, read in the configured (or recognised) layout,
and checked against the mapping before any row is read."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cxbridge import exports
from cxbridge.detection.keywords import asks_amount, mentions
from cxbridge.detection.question_matches import ONE_QUESTION, SIMILAR, alike, key_for
from cxbridge.errors import SourceError
from cxbridge.exports.layout import LayoutOptions
from cxbridge.tabular.cells import DateOrder, DateOrderGuess, decisive_order, infer_numbered_date_order
from cxbridge.tabular.config import FileSourceConfig
from cxbridge.tabular.delimited import MAX_ROW_LINES, open_delimited
from cxbridge.tabular.files import SourceFile, require_readable
from cxbridge.tabular.grid import Grid
from cxbridge.tabular.json_records import RecordSet, open_json
from cxbridge.tabular.table import PREVIEW_ROWS, Table, header_key
from cxbridge.tabular.workbook import open_workbook

log = logging.getLogger("cxbridge.files")

CONNECTOR_OF_KIND = {"delimited": "csv", "workbook": "excel", "json": "json"}
DELIMITERS = (";", "\t", ",", "|")
BOM = "\ufeff"
"""A UTF-8 byte-order mark (Excel's "CSV UTF-8"), kept in the first header by `encoding = "utf-8"`."""


class MappingError(SourceError):
    """The mapping does not fit a file's header: a configuration problem, found by `check`."""


def open_sources(
    file: SourceFile, config: FileSourceConfig, *, resume: tuple[int, int, int] | None = None
) -> list[Grid | RecordSet]:
    """The grids (one per sheet) or the record set of a file; a delimited file's rows from
    `resume` on when given (see `open_delimited`)."""
    expected = CONNECTOR_OF_KIND[file.kind]
    if config.connector != expected:
        raise SourceError(f"{file.identity} is a {file.kind} file; read it with connector = {expected!r}")
    require_readable(file)
    if file.kind == "delimited":
        encoding, delimiter = getattr(config, "encoding", "auto"), getattr(config, "delimiter", None)
        limit = getattr(config, "max_row_lines", MAX_ROW_LINES)
        return [open_delimited(file.path, file.identity, encoding=encoding, delimiter=delimiter, max_row_lines=limit,
                               resume=resume)]  # fmt: skip
    if file.kind == "workbook":
        sheets, reader = getattr(config, "sheets", None), getattr(config, "reader", "auto")
        return open_workbook(file.path, file.identity, sheets=sheets, reader=reader, names_read=file.names_read)
    return [open_json(file.path, file.identity)]


def layout_of(source: Grid | RecordSet, configured: str) -> str:
    """The configured format, or the most confident recognition for `auto`."""
    if configured != "auto":
        return configured
    found = exports.recognize(source)
    if not found:
        raise SourceError(f"{source.where}: no header row or known export layout found (empty?)")
    return found[0].format


def open_tables(
    file: SourceFile, config: FileSourceConfig, definition: Any, *, headers: SourceHeaders | None = None,
    resume: tuple[int, int, int] | None = None,
) -> Iterator[Table]:
    """Each table of the file that the mapping fits (see `fit_problem`); a sheet it does not
    fit is passed over, with its reason logged, when no sheets were named, else an error.
    `headers` are the source's other files, looked in when the file lacks a mapped column;
    `resume` reads on an appended delimited file (see `open_delimited`)."""
    named_sheets = bool(getattr(config, "sheets", None))
    tables = read_tables(file, config, definition, resume=resume, headers=headers)
    for table in tables:
        missing = missing_columns(table, config)
        elsewhere = _columns_elsewhere(table, tables, config, file=file, definition=definition, headers=headers)
        problem = fit_problem(table, config, elsewhere)
        misspelt = any(column not in elsewhere for column in missing)  # a typo, not a sheet left out
        if problem and table.sheet is not None and not named_sheets and not misspelt:
            _pass_over(table.where, problem, headers, file)
            continue
        if problem:
            raise MappingError(f"{table.where}: {problem}")
        if missing:
            log.info("%s: no %s column (another sheet or file has it): its rows get no value there",
                     table.where, ", ".join(map(repr, missing)))  # fmt: skip
        yield table


def read_tables(
    file: SourceFile, config: FileSourceConfig, definition: Any, *, resume: tuple[int, int, int] | None = None,
    headers: SourceHeaders | None = None,
) -> list[Table]:
    """The tables of the file in its layout, their headers found and no row read beyond that;
    an empty sheet, or one no layout reads when no sheets were named, is passed over (said once
    a run of the `headers`' source)."""
    options = LayoutOptions(header_row=config.header_row, header_rows=config.header_rows, definition=definition)
    named_sheets = bool(getattr(config, "sheets", None))
    tables = []
    for source in open_sources(file, config, resume=resume):
        if isinstance(source, Grid) and not source.preview(1):
            log.info("%s: empty, passed over", source.where)
            continue
        try:
            table = exports.to_table(source, layout_of(source, config.format), options)
            if file.names_read is not None:
                file.names_read([name for column in table.columns for name in (column.key, column.text) if name])
            table.position = source.position
            tables.append(table)
        except SourceError as exc:
            if source.sheet is None or named_sheets:
                raise
            _pass_over(source.where, exc, headers, file)  # a chart or notes sheet
    return tables


def _pass_over(where: str, reason: object, headers: SourceHeaders | None, file: SourceFile) -> None:
    """Logs that a sheet is passed over, once a run: the check, the look at its dates and the
    read each open the file. A warning at the file's first read, at debug level when a sync
    reads it again (changed, appended): said once, not at every sync of a workbook kept up to date."""
    if headers is None or where not in headers.passed_over:
        again = headers is not None and file.path.resolve() in headers.read_before
        log.log(logging.DEBUG if again else logging.WARNING, "%s: passed over: %s", where, reason)
    if headers is not None:
        headers.passed_over.add(where)


class SourceHeaders:
    """The column keys of each file of a source, read (header only) the first time a file of it
    lacks a mapped column — a column added in a later year's file — and kept for the run; and the
    sheets said to be passed over in the run, not said again."""

    def __init__(self, files: Iterable[SourceFile]):
        self.files = list(files)
        self._keys: dict[Path, set[str]] = {}
        self.passed_over: set[str] = set()
        self.read_before: set[Path] = set()  # the files an earlier sync read (its cursor keeps them)

    def besides(self, file: SourceFile, config: FileSourceConfig, definition: Any) -> set[str]:
        """The column keys of every file of the source but `file`."""
        found: set[str] = set()
        for other in self.files:
            if other.path.resolve() != file.path.resolve():
                found |= self._columns(other, config, definition)
        return found

    def _columns(self, file: SourceFile, config: FileSourceConfig, definition: Any) -> set[str]:
        key = file.path.resolve()
        if key not in self._keys:
            try:
                tables = read_tables(file, config, definition, headers=self)
            except SourceError:
                tables = []  # reported when the file itself is read
            self._keys[key] = {column.key for table in tables for column in table.columns}
        return self._keys[key]


def _columns_elsewhere(
    table: Table, tables: list[Table], config: FileSourceConfig, *, file: SourceFile, definition: Any,
    headers: SourceHeaders | None,
) -> set[str]:
    """The column keys of the file's other tables and, only when a mapped column the table lacks
    is not among them, of the source's other files."""
    found = {column.key for other in tables if other is not table for column in other.columns}
    if headers is not None and any(column not in found for column in missing_columns(table, config)):
        found |= headers.besides(file, config, definition)
    return found


def fit_problem(table: Table, config: FileSourceConfig, elsewhere: set[str]) -> str | None:
    """Why the mapping does not fit the table, or None. The table needs the submitted-time
    column and, when there are scored columns, one of them; a mapped column found `elsewhere`
    (in another table of the file or another file of the source: a column added in a later
    year) is just absent from this one."""
    missing = missing_columns(table, config)
    if not missing:
        return None
    if len(missing) == len(mapped_columns(config)):
        return "none of the mapped columns is in its header" + _delimiter_hint(table, config) + _grouped_hint(table, config)
    submitted = header_key(config.columns.submitted_at) if config.columns.submitted_at else None
    for column in missing:
        if column not in elsewhere or column == submitted:
            return _missing_message(table, column, elsewhere, config)
    scored = [header_key(metric.column) for metric in config.metrics]
    if scored and all(column in missing for column in scored):
        return f"none of the scored columns ({', '.join(map(repr, scored))}) is in its header" + _reworded_hint(
            table, config
        )
    return None


def _grouped_hint(table: Table, config: FileSourceConfig) -> str:
    """For a sheet whose header joins group titles over the mapped columns (`Antwort - ID` for
    `ID`: read so since 2026-12-07): the headers to map instead."""
    keys = [column.key for column in table.columns]
    found: dict[str, str] = {}
    for mapped in mapped_columns(config):
        if (key := next((header for header in keys if header.endswith(f" - {mapped}")), None)) is not None:
            found[mapped] = key
    if not found:
        return ""
    shown = ", ".join(f"{key!r} for {mapped!r}" for mapped, key in list(found.items())[:3])
    return (f"; its header joins the group titles above the columns ({shown}): map those headers, or write the "
            "mapping again with `cxbridge inspect FILE --write-mapping` (docs/files.md, Messy data)")  # fmt: skip


def _delimiter_hint(table: Table, config: FileSourceConfig) -> str:
    """For a CSV whose header was read as one column: the delimiter its header shows."""
    if not table.text or len(table.columns) != 1 or config.delimiter is None:
        return ""
    header = str(table.columns[0].label)
    header = header if len(header) <= 60 else header[:60] + "…"
    shown = [d for d in DELIMITERS if d != config.delimiter and d in header]
    if not shown:
        return ""
    return (f"; its header reads as one column ({header!r}): its delimiter looks like {shown[0]!r}: "
            f"set delimiter = {shown[0]!r}, or leave delimiter out to detect it")  # fmt: skip


def _reworded_hint(table: Table, config: FileSourceConfig) -> str:
    """For a file whose scored columns are all missing: an unmapped header that reads like one of
    them, reworded, and how to keep the two one question."""
    chosen = config.chosen_columns()
    for metric in config.metrics:
        for column in table.columns:
            if column.key not in chosen and _rewords(metric.metric, metric.column, column.label):
                key = metric.question_key or key_for(metric.column, metric.metric)
                return (f"; if {column.label!r} is {metric.column!r} reworded, add a [[metrics]] entry for it "
                        f"(metric = {metric.metric!r}, the same scale) and give both question_key = {key!r} to keep "
                        "one history (docs/files.md, Questions reworded between files)")  # fmt: skip
    return ""


def _rewords(metric: str, mapped: str, header: str) -> bool:
    """Whether `header` reads like the mapped column reworded: its words alike, or both ask the one
    standard question of an NPS ("NPS" in 2022, "Recommend score" in 2023)."""
    if alike(mapped, header) >= SIMILAR:
        return True
    return metric in ONE_QUESTION and mentions(header, "recommend") is not None and not asks_amount(header)


def mapped_columns(config: FileSourceConfig) -> list[str]:
    columns = list(config.columns.mapped().values()) + [metric.column for metric in config.metrics]
    columns += [*config.comments, *config.questions, *config.multi_choice, *(config.key_columns or [])]
    return list(dict.fromkeys(header_key(column) for column in columns))


def missing_columns(table: Table, config: FileSourceConfig) -> list[str]:
    if table.format in exports.RECORD_FORMATS:
        return []  # a JSON record holds only the questions its respondent answered
    keys = {column.key for column in table.columns}
    return [column for column in mapped_columns(config) if column not in keys]


def _missing_message(table: Table, column: str, elsewhere: set[str], config: FileSourceConfig) -> str:
    keys = [c.key for c in table.columns]
    if keys and keys[0].startswith(BOM) and column == keys[0].removeprefix(BOM):
        hint = (f"the file starts with a byte-order mark, which encoding = {config.encoding!r} keeps in its first "
                "header: set encoding = 'utf-8-sig', or leave encoding out to detect it")  # fmt: skip
    elif grouped := [key for key in keys if key.endswith(f" - {column}")]:
        hint = (f"did you mean {grouped[0]!r}? its header joins the group titles above the columns (docs/files.md, "
                "Messy data)")  # fmt: skip
    elif close := difflib.get_close_matches(column, keys, n=1):
        hint = f"did you mean {close[0]!r}?"
    elif close := difflib.get_close_matches(column, sorted(elsewhere), n=1):
        hint = f"did you mean {close[0]!r} (another sheet or file has it)? columns are: {', '.join(keys)}"
    else:
        hint = f"columns are: {', '.join(keys)}"
    return f"the mapped column {column!r} is not in the header; {hint}"


_ORDER_WORDS = {DateOrder.MDY: "month/day", DateOrder.DMY: "day/month"}


def date_order_warning(column: str, guess: DateOrderGuess) -> str | None:
    """What to tell the user when a column's dates were read in an order the data does not show
    (no day above 12 anywhere in the file) and that is written both ways: 03/04/2024 and
    03-04-2024 are 4 March in the US and 3 April elsewhere; 03.04.2024 is day first everywhere."""
    if not guess.assumed or guess.example is None or guess.separator == "." or guess.order not in _ORDER_WORDS:
        return None  # decided, every date reads the same both ways (05/05), or day first by custom
    other = DateOrder.DMY if guess.order is DateOrder.MDY else DateOrder.MDY
    return (
        f"column {column!r}: no date has a day above 12 (as {guess.example!r}), so the file cannot tell "
        f"{_ORDER_WORDS[guess.order]} from {_ORDER_WORDS[other]}; read as {_ORDER_WORDS[guess.order]} — if "
        f"they are {_ORDER_WORDS[other]}, use --date-order {other.value} (date_order = '{other.value}' in a "
        "mapping or config)"
    )


def decide_date_order(table: Table, column: str) -> DateOrderGuess:
    """Whether the column's text dates are d/m or m/d: the first rows decide, and when all their
    days are 12 or less the rest of the file is searched for one that is not. First rows all
    year first, or naming their months, decide nothing of the d/m/y dates below them (rows typed
    under an export): the whole column is read for those, as the first rows would have been."""
    preview = table.preview()
    guess = infer_numbered_date_order((row.number, row.values.get(column)) for row in preview)
    says_nothing = guess.order is DateOrder.YMD or guess.decided and guess.order is None  # year first, or by name
    if says_nothing and len(preview) == PREVIEW_ROWS:
        whole = infer_numbered_date_order(_readable_cells(table, column))
        return guess if whole.order is guess.order and whole.decided else whole
    if guess.decided or guess.order is None:
        return guess
    for number, value in _readable_cells(table, column):
        if (order := decisive_order(value)) is not None:
            return DateOrderGuess(order, f"row {number} has {value!r}, which reads only as {order.value}", True)
    return guess


def _readable_cells(table: Table, column: str) -> Iterator[tuple[int, Any]]:
    """(row number, cell) of the column down to a row the file cannot read: the rows after it are
    not imported, so their dates decide nothing (reading the rows fails there, naming it)."""
    try:
        for number, values, _ in table.numbered():
            yield number, values.get(column)
    except SourceError:
        return
