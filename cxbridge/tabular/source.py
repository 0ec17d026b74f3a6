"""The file source behind the csv, excel and json connectors: every file of the configured
path, read table by table, each row given a stable native id.

Row ids (`row_keys`). A row's native id is its id column when the mapping names one. Otherwise
it is a hash of the file's identity, the sheet, and the row's key — the key columns (by default
the submitted time plus e-mail and phone, when mapped; else every cell) — and, for a key seen
before in the same sheet, how many times it was seen. So re-reading a file writes nothing,
appended rows are new records, and a row whose answers were edited keeps its record (unless its
key changed).

Incremental reads. The cursor holds the state of each file read (`file_state`), by the file's
name as shown (`SourceFile.in_cursor`, `file_names`: an address in it as its key, docs/security.md): an unchanged
file is not read again; a CSV file that grew by appending is read on from where the last read
ended (rows keyed by their content count the keys of the rows read before: `_file_rows`);
any other change reads the file again, and the engine's content hash writes only the rows that
are new or changed. Which state is a file's, under which of its names: `file_cursor`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from cxbridge import exports
from cxbridge.destinations import REPLAY
from cxbridge.errors import ConfigError, DataError, SourceError, clauses
from cxbridge.events import ReadProgress
from cxbridge.exports.qualtrics_fields import LEFT_OUT, TERMINATE_FLAG, not_feedback, test_responses_column
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.records import FeedbackRecord
from cxbridge.respondents import RespondentKeys
from cxbridge.sources import Source, Stream
from cxbridge.tables import RecordRows, to_rows
from cxbridge.tabular.answer_values import require_values, unsettled_labels
from cxbridge.tabular.column_answers import KeptAnswers
from cxbridge.tabular.column_scales import read_again
from cxbridge.tabular.compiled_rows import CompiledRows
from cxbridge.tabular.config import FileSourceConfig
from cxbridge.tabular.delimited import RowNeverEnds
from cxbridge.tabular.cells import DateOrder
from cxbridge.tabular.file_names import FileNames
from cxbridge.tabular.file_cursor import FileCursor
from cxbridge.tabular.file_state import FileState, Plan, state_after_read
from cxbridge.tabular.files import NoFileMatches, SourceFile, below, find_files, nothing_in
from cxbridge.tabular.reading import MappingError, SourceHeaders, open_tables
from cxbridge.tabular.named_columns import NOTHING, NamedColumns
from cxbridge.tabular.source_dates import Evidence, SourceDates
from cxbridge.tabular.row_keys import NO_KEYS, KeyTable, RepeatedIds, RowKeys
from cxbridge.tabular.rows import RowNormalizer
from cxbridge.tabular.populations import OtherPopulations
from cxbridge.tabular.read_progress import FilesRead
from cxbridge.tabular.replayed_rows import ReplayScrubs, replayed_status
from cxbridge.tabular.scale_change import ScaleChange
from cxbridge.tabular.table import Table, header_key
from cxbridge.tabular.table_warnings import absent_comment, absent_scores, repeated_ids, status_ignored, unmapped_scores
from cxbridge.tabular.unanswered import Unanswered
from cxbridge.tabular.response_rows import REPEATED
from cxbridge.tabular.summary_rows import SUMMARY, summary_cell
from cxbridge.tabular.values import SCREENED_OUT, screened_out

log = logging.getLogger("cxbridge.files")
NOT_READING = {"path", "same_as", "match_on"}
"""Config keys that do not change how a file reads: a file read before is not read again for them."""
OWN_ROW = "own_row"
"""The key of a sheet's own row among its responses (totals, a repeated header), read only to be
counted as left out, by the reason it holds."""


class FileStream(Stream):
    name = "rows"
    primary_key = ("id",)
    compiled = True
    """Rows made by the mapping compiled into column converters (`compiled_rows`, issue 19);
    False normalizes every row the reference way (tests compare both)."""

    def __init__(self, source: FileSource):
        super().__init__(source)
        self.config: FileSourceConfig = source.config  # type: ignore[assignment]
        self._config_hash = hashlib.sha256(self.config.model_dump_json(exclude=NOT_READING).encode()).hexdigest()[:16]
        self._read: dict[str, Any] = {}
        self._saved: dict[str, Any] = {}
        self._twice: dict[str, str] = {}  # each file's name → its other name, where the cursor may keep it twice
        self._progress: FilesRead | None = None
        self.failures: list[str] = []
        self.empty: list[str] = []  # why each file read this run gave no row
        self.rows = 0  # rows read this run
        self.absent: dict[str, None] = {}  # warnings about tables without a mapped scored column
        self.unanswered: list[str] = []  # warnings about mapped scored columns no row read in this run answers
        self.rescaled: list[str] = []  # warnings about mapped scored columns answered on another scale
        self.read_again: list[str] = []  # files appended to read whole again: their columns' scales, dates' order
        self._read_whole: dict[str, set[str | None]] = {}  # the files read whole this run (their rows' raw `file`): sheets
        self.unmapped: dict[str, None] = {}  # warnings about columns that look scored but are not mapped
        self.repeated: list[str] = []  # warnings about tables whose id column repeats an id
        self.populations: list[str] = []  # warnings about rows a column says are of another population
        self.status_ignored: dict[str, None] = {}  # the warning that a Qualtrics Status column is ignored
        self._whole: tuple[int, int, int] | None = None  # where the file being read ends its last whole record
        self._keys: RowKeys | None = None  # the native ids of the table being read
        self._compiled_for: Any = None  # the record builder `_compiled_rows` were compiled for
        self._compiled_rows: CompiledRows | None = None  # the mapping compiled for it, if it compiles
        self._text = False  # the table being read holds only text (`Table.text`)
        self._text_scrub: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # its rows' scrub, once made
        self.names = FileNames(source)  # how files and what they hold are named (`file_names`)
        self.cursor = FileCursor(self.names, self._config_hash, base_dir=source.context.base_dir,
                                 root=self.config.cursor_root)  # which state the cursor keeps is each file's
        self._scrub: Scrubber | None = None  # the sync's scrubber: an id shown in a warning is the id stored
        self._table_scrub: Scrubber | None = None  # it, with the columns named by header in the table being read
        self._entries: NamedColumns | None = None  # what `personal` and `ignore` named in the tables read
        self._status: str | None = None  # the Status column of the Qualtrics export being read, to leave out tests
        self._reading = False  # rows come from `read`, not from quarantine (a replay)
        self._replay_scrubs = ReplayScrubs()  # the scrubbers of quarantined rows replayed

    @cached_property
    def normalizer(self) -> RowNormalizer:
        rename = self._scrub.key_name if self._scrub is not None else None  # made once the sync's scrubber is set
        return RowNormalizer(self.config, self.source.context, definition=self.definition, values=self.config.values,
                             rename=rename)  # fmt: skip

    @cached_property
    def definition(self) -> Any:
        if self.config.definition is None:
            return None
        return exports.load_definition(self.source.context.base_dir / self.config.definition)

    def files(self) -> list[SourceFile]:
        what = {"csv": "CSV file", "excel": "workbook", "json": "JSON export"}.get(self.config.connector, "file")
        try:
            found = find_files(self.config.path, self.source.context.base_dir, what=what)
        except NoFileMatches as exc:
            raise NoFileMatches(f"path: {exc}") from None
        if self.config.file_identity is not None:  # an import's one file, named (cursor too) as its configured source names it
            return [replace(file, identity=self.config.file_identity) for file in found]
        if (root := self.config.cursor_root) is None:
            return found
        return [replace(file, cursor_name=below(file.path, root)) for file in found]

    def check(self, cursor: Any) -> list[str]:
        """`path` matches files, and each file has the mapped columns — but a file an earlier
        run read, unchanged and with this mapping, which is passed over. A file that cannot be
        read at all is left to `read`: it fails alone, and the others still import; the check warns
        of it, and of an empty file. Warns of `personal` and `ignore` entries naming no column of the headers read
        (`NamedColumns`)."""
        self._check_id_column()
        try:
            files = self.named(self.files())
        except NoFileMatches:
            raise  # a folder empty today, no configuration mistake: a sync fails this source alone
        except SourceError as exc:
            raise ConfigError(f"path: {exc}") from None
        try:
            definition = self.definition
        except SourceError as exc:
            raise ConfigError(f"definition: {exc}") from None
        self.config = self.names.mapping_as_read(files, lambda: self.definition)
        require_values(self.config, definition)
        saved, problems, failing = self.names.saved_files(cursor, files), [], []
        headers = self.source.headers(files)  # type: ignore[attr-defined]
        headers.read_before = self._read_before(files, saved)
        entries = NamedColumns(self.config, source=self.source.context.name)
        twice = self.cursor.named_twice(files)
        for file in files:
            if self.cursor.plan(file, saved, twice, keys=self._keys_of_dataset).action == "skip":
                continue
            if file.path.stat().st_size == 0:
                failing.append(f"{nothing_in(file)}: a sync imports nothing from it")
                continue
            try:
                for table in open_tables(file, self.config, definition, headers=headers):
                    entries.in_table(table)
            except MappingError as exc:
                problems.append(str(exc))
            except SourceError as exc:
                failing.append(f"{exc} (a sync fails this file{' and imports the others' if len(files) > 1 else ''})")
        if problems:
            raise ConfigError(clauses(problems))
        return [*failing, *entries.warnings()]

    def _read_before(self, files: list[SourceFile], saved: dict[str, Any]) -> set[Path]:
        """The files an earlier sync read, by the states the cursor keeps (`saved`)."""
        return {file.path.resolve() for file in files if self.names.name(file.in_cursor) in saved}

    def _check_id_column(self) -> None:
        """A record's id is stored as read (`source_record_id`, `raw`): the phone column or a
        personal one as `id` would store its values in clear."""
        column, columns = self.config.columns.id, self.config.columns
        if column is None or self.source.context.keep_personal_data:
            return
        if header_key(column) == header_key(columns.phone or ""):
            what = "the phone column"
        elif header_key(column) in {header_key(personal) for personal in self.config.personal}:
            what = "listed under personal"
        else:
            return
        raise ConfigError(
            f"columns.id: {column!r} is {what}, and a record's id is stored as read (source_record_id, raw), so "
            "its values would be stored in clear; map a column that identifies the response as id, or leave id out "
            "to key rows by their content"
        )

    @property
    def _keys_of_dataset(self) -> RespondentKeys | None:
        """The dataset's respondent keys, which key an import's folder when their salt is kept out of
        the destination: the sync's (its scrubber's), else those the check pass knows."""
        return self._scrub.keys if self._scrub is not None else self.source.respondent_keys

    def named(self, files: list[SourceFile]) -> list[SourceFile]:
        """`files` named as the sync shows them from now on (`FileNames.named`)."""
        return self.names.named(files, list(self.config.chosen_columns()))

    def read(self, cursor: Any) -> Iterator[dict[str, Any]]:
        self._reading = True
        files = self.named(self.files())
        self.config = self.names.mapping_as_read(files, lambda: self.definition)
        self._entries = NamedColumns(self.config, source=self.source.context.name)
        self._saved = self.names.saved_files(cursor, files)
        headers = self.source.headers(files)  # type: ignore[attr-defined]
        headers.read_before = self._read_before(files, self._saved)
        headers.read_before = {file.path.resolve() for file in files if self.names.name(file.in_cursor) in self._saved}
        self._twice = self.cursor.named_twice(files)
        keys = self._keys_of_dataset
        plans = {file.identity: self.cursor.plan(file, self._saved, self._twice, keys=keys) for file in files}
        for file in files:
            if (done := plans[file.identity]).action == "skip" and done.state is not None:
                kept = replace(done.state, identity=self.names.name(file.identity),  # its time, when only that changed
                               folder=self.cursor.folder(file, self._saved, keys=keys))  # fmt: skip
                self._read[self.names.name(file.in_cursor)] = kept.to_cursor()
        todo = [file for file in files if plans[file.identity].action != "skip"]
        pinned = self.config.date_order if self.config.date_order in (DateOrder.DMY, DateOrder.MDY) else None
        if pinned and not self.config.date_order_given:
            dates = self.normalizer.dates = SourceDates.set_for_source(pinned, cursor)
        else:
            dates = self.normalizer.dates = SourceDates.from_cursor(cursor, known=self.config.date_evidence)
        ahead = list(todo)  # the files not read yet: a file without day/month evidence looks in them
        dates.look_ahead = lambda: self._learn_date_order(ahead, headers, plans)
        self._progress = FilesRead(todo)
        for file in todo:
            read_before, resumed = self.rows, plans[file.identity].resume is not None
            self._whole, self._keys = None, None
            try:
                if dates.set or self.config.date_order is None and plans[file.identity].resume is not None:
                    # refused before any row is read; the rows appended to a file read on, by theirs
                    self.date_evidence(dates, file, headers, resume=plans[file.identity].resume)
                yield from self._file_rows(file, headers, plans[file.identity])  # each row counted in `rows`
            except SourceError as exc:
                failure = _failure(exc, rows_kept=self.rows > read_before or resumed)
                log.info("%s", failure)
                self.failures.append(failure)
                continue
            finally:
                self._progress.finished(file)
                ahead.remove(file)
            if self.rows == read_before and not resumed:
                self.empty.append(nothing_in(file))
            normalizer = self.__dict__.get("normalizer")
            order, scales = getattr(normalizer, "date_order", None), getattr(normalizer, "scales", None)
            self._read[self.names.name(file.in_cursor)] = state_after_read(
                file, self._config_hash, whole=self._whole, date_order=order.value if order else None,
                labels=scales.answers.to_cursor() if scales is not None and scales.answers is not None else None,
                keys=self.cursor.keep_keys(file, plans[file.identity], self._keys, whole=self._whole),
                identity=self.names.name(file.identity),
                folder=self.cursor.folder(file, self._saved, keys=self._keys_of_dataset),
            ).to_cursor()  # fmt: skip
        if len(self.failures) == 1 and len(files) == 1:
            raise SourceError(self.failures[0])
        if self.failures:
            raise SourceError(
                f"{len(self.failures)} of {len(files)} files could not be read (the others were imported): "
                + clauses(self.failures)
            )
        if self.empty and not self.rows:
            raise SourceError(clauses([*self.empty, "nothing to import"]))

    def _learn_date_order(self, files: list[SourceFile], headers: SourceHeaders, plans: dict[str, Plan]) -> None:
        """The day/month evidence of the files not read yet, for a file without any (`SourceDates`).
        A file read on keeps the order its rows were read in; one that cannot be read fails when read."""
        if self.config.date_order is None:
            for file in files:
                if plans[file.identity].resume is None:
                    self.date_evidence(self.normalizer.dates, file, headers)

    def date_evidence(self, dates: SourceDates, file: SourceFile, headers: SourceHeaders, *,
                      resume: tuple[int, int, int] | None = None) -> Evidence:  # fmt: skip
        """What the submitted times of each of the file's tables show of the day/month order — of
        the rows appended since `resume` for a file read on — learnt by `dates` (an error when
        against the order it knows); none for a file that cannot be read, which fails when read.
        `cxbridge import` asks it of every file it imports: of a file its inspection looked at, it
        is what that showed (`date_evidence`), not read again."""
        submitted = self.normalizer.columns.get("submitted_at")
        if submitted is None:
            return {}
        found = self.config.date_evidence if resume is None else None
        if found is None:
            try:
                tables = open_tables(file, self.config, self.definition, headers=headers, resume=resume)
                found = {(table.where, submitted): dates.evidence(table, submitted) for table in tables}
            except SourceError:
                return {}
        for (where, column), guess in found.items():
            dates.learn(where, guess, column, appended=resume is not None)
        return found

    def warnings(self) -> list[str]:
        """Tables without a mapped scored column, or whose rows read leave one unanswered
        (`Unanswered`) or answer it on another scale (`ScaleChange`); columns that look scored but are not mapped;
        files read without a row, when other files of the source had some (without any, the
        source fails instead); rows a column says are of another population than the source's;
        dates read in an order the data does not show (dotted ones, by their custom, beside
        month-first files: `SourceDates.notes`); question columns labelled without `values`
        saying how their cells read (`unsettled_labels`); a Qualtrics Status column ignored;
        `personal` and `ignore` entries naming no column of the tables read (`NamedColumns`)."""
        empty = [f"{empty}; nothing imported from it" for empty in self.empty] if self.rows else []
        normalizer = self.__dict__.get("normalizer")  # made when a file was read
        read = [*normalizer.warnings, *normalizer.dates.notes()] if normalizer is not None else []
        labels = unsettled_labels(self.config, self.definition) if "definition" in self.__dict__ else []
        found = [*self.absent, *self.unanswered, *self.rescaled, *self.read_again, *self.unmapped, *empty,
                 *self.repeated]
        found += [*self.populations, *self.status_ignored]
        found += self._entries.warnings() if self._entries is not None else []
        return [*found, *read, *labels]

    def final_cursor(self, cursor: Any) -> Any:
        files = {"files": self.cursor.kept_once(self._saved, self._read, self._twice)}
        dates = self.normalizer.dates.to_cursor() if "normalizer" in self.__dict__ else None
        return {**files, "date_order": dates} if dates else files

    def parts_read(self, cursor: Any) -> list[str] | None:
        """The files the cursor keeps, by name as `status` shows them."""
        files = cursor.get("files") if isinstance(cursor, dict) else None
        return sorted(files) if isinstance(files, dict) else None

    def read_whole(self) -> dict[str, set[str | None]]:
        return self._read_whole

    def keyed_by_file(self) -> bool:
        return self.config.columns.id is None

    def progress(self) -> ReadProgress | None:
        """The bytes of the files to read (those not passed over) read so far."""
        return self._progress.now() if self._progress is not None else None

    def _file_rows(self, file: SourceFile, headers: SourceHeaders, todo: Plan) -> Iterator[dict[str, Any]]:
        """The rows of the file, or those after the part read before when it is read on. Rows
        keyed by their content count the keys of the rows before them: from the key table the
        last read kept (`key_tables`), else by reading the part read before again for its keys
        alone (nothing of it normalized). A file read on whose appended rows decide a scored column's
        scale, or its dates' order, otherwise than its rows read before did is read whole instead
        (`_read_again`)."""
        before = self.cursor.keys_read_before(file, todo, by_id=bool(self.config.columns.id))
        recount = todo.resume is not None and not self.config.columns.id and before is None
        resume = None if recount else todo.resume
        after = todo.resume[1] if recount and todo.resume is not None else 0
        read_on = todo.state if todo.resume is not None else None
        keys = self._keys_of_dataset
        answered = KeptAnswers.from_cursor(read_on.labels, keys=keys) if read_on is not None else None
        with closing(open_tables(file, self.config, self.definition, headers=headers, resume=resume)) as tables:
            for table in tables:
                answers = answered or KeptAnswers.new(keys)
                self.normalizer.learn_table(table, answers=answers, read_on=read_on is not None)
                if read_on is not None and (why := self._read_again(table, read_on, kept=answered is not None)):
                    self.read_again.append(why)
                    log.info("%s", why)
                    yield from self._file_rows(file, headers, Plan("whole"))
                    return
                if todo.resume is not None and self.config.date_order is None and todo.state is not None:
                    saved = todo.state.date_order  # the rows read before decided it: the new ones read alike,
                    if saved != DateOrder.YMD:  # but year-first dates say nothing of new d/m/y ones (decide_date_order)
                        self.normalizer.date_order = DateOrder(saved) if saved else None
                if self._compiled_rows is not None:
                    self._compiled_rows.new_table()
                named = self._entries.in_table(table) if self._entries is not None else NOTHING
                absent = [*absent_scores(table, self.config), *absent_comment(table, self.config)]
                self.absent.update(dict.fromkeys(absent))
                unmapped = unmapped_scores(table, self.config, named, source=self.source.context.name,
                                           scrub=self._scrub)  # fmt: skip
                self.unmapped.update(dict.fromkeys(unmapped))
                if self._progress is not None:
                    self._progress.reading(file, table)
                yield from self._table_rows(table, after=after, before=before or NO_KEYS, named=named,
                                            whole=todo.resume is None)  # fmt: skip
                self._whole = table.position.whole

    def _read_again(self, table: Table, read_on: FileState, *, kept: bool) -> str | None:
        """Why a file read on is read whole instead: its appended answers decide a scored column's
        scale otherwise than its rows read before did (`read_again`; `kept`: its state kept their
        answers), or its appended dates show the other day/month order than they were read in
        (`SourceDates.reordered`)."""
        scales = self.normalizer.scales
        if scales is not None and (apart := scales.apart):
            return read_again(table.where, apart, kept=kept)
        if self.config.date_order is not None:
            return None
        return self.normalizer.dates.reordered(table, self.normalizer.columns.get("submitted_at"), read_on.date_order)

    def _table_rows(
        self, table: Table, *, after: int = 0, before: KeyTable = NO_KEYS, named: PersonalFields = NOTHING,
        whole: bool = True,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """The table's rows with their native ids; rows up to record `after` (read before) only
        have their keys counted, as do the rows of `before`. Its columns `named` by header by
        `personal` and `ignore` are scrubbed as the columns they name by key. `whole`: the table
        is read from its first row, not on from where the last read ended."""
        keys = self._keys = RowKeys(table, self.config, before=before)
        submitted = header_key(self.config.columns.submitted_at or "")
        # a row with a value in this column holds more than its submitted time: most rows are told so by it
        probe = next((column.key for column in table.columns if column.key != submitted), None)
        file, sheet = self.names.name(table.file), table.sheet and self.names.namer().sheet_name(table.sheet)
        if whole:
            self._read_whole.setdefault(file, set()).add(sheet or None)
        ids = RepeatedIds() if not keys.keyed else None
        others = OtherPopulations.of(table, self.config, source=self.source.context.name)
        unanswered, read_before = Unanswered(table, self.normalizer, whole=whole), self.rows
        rescaled = ScaleChange(table, self.normalizer)
        self._text = table.text  # the rows given now hold nothing but text, ints and objects of them
        self._text_scrub = None
        if named is not NOTHING and self._scrub is not None:
            self._table_scrub = self._scrub.adding(named)
        status = test_responses_column(table)
        self._status = status if not self.config.include_test_responses else None
        if status is not None and (status in self.config.personal_fields().ignored or status in named.ignored):
            self.status_ignored[status_ignored(self.source.context.name)] = None
        try:
            for number, values, labels in table.numbered():
                if (probe is None or values.get(probe) is None) and _only_a_timestamp(values, submitted):
                    continue
                native = keys.native_id(number, values)
                if number <= after:
                    continue
                if ids is not None and native is not None:
                    ids.add(number, native)
                self.rows += 1
                if unanswered.watched:
                    unanswered.read(values, labels)
                if rescaled.seen:
                    rescaled.read(values, labels)
                if others is not None:
                    others.count(values)
                if sheet is None and not labels:
                    yield {"file": file, "row": number, "values": values, "id": native}
                    continue
                raw: dict[str, Any] = {"file": file, "row": number, "values": values}
                if sheet is not None:
                    raw["sheet"] = sheet
                if labels:
                    raw["labels"] = labels
                raw["id"] = native
                yield raw
            own = [(number, SUMMARY) for number, _ in table.summary_rows]
            own += [(number, REPEATED) for number, _ in table.repeated_headers]
            for number, why in own:  # read, to be counted as left out (`left_out`)
                if number > after:
                    yield {"file": file, **({"sheet": sheet} if sheet else {}), "row": number, "values": {}, OWN_ROW: why}
            if ids is not None and (warning := repeated_ids(table, ids, self.config.columns.id, scrub=self._scrub)):
                self.repeated.append(warning)
            if others is not None and (warning := others.warning()):
                self.populations.append(warning)
            for warning in unanswered.warnings(self.rows - read_before):
                log.info("%s", warning)
                self.unanswered.append(warning)
            for warning in rescaled.warnings():
                log.info("%s", warning)
                self.rescaled.append(warning)
        finally:
            self._text, self._text_scrub, self._table_scrub, self._status = False, None, None, None

    def left_out(self, raw: dict[str, Any]) -> str | None:
        """A sheet's own rows among its responses (`response_rows`); a Qualtrics
        export's preview, test or spam response, unless `include_test_responses`:
        by the Status column of the table being read, or of a quarantined row replayed; and a
        response the survey turned away, by the mapped status column or Qualtrics' `Q_TerminateFlag`."""
        values = raw["values"]
        if OWN_ROW in raw:
            return raw[OWN_ROW]
        if not self._reading and self._replayed_summary(values):
            return SUMMARY
        status = self._status if self._reading else replayed_status(self.config, raw)
        if status is not None and not_feedback(values.get(status)):
            return LEFT_OUT
        if any(screened_out(values.get(key)) for key in (header_key(self.config.columns.status), TERMINATE_FLAG)):
            return SCREENED_OUT
        return None

    def _replayed_summary(self, values: dict[str, Any]) -> bool:
        """A quarantined row labelled as totals, without a submitted time: totals an earlier
        cxbridge read as a response (and quarantined, undated)."""
        submitted = header_key(self.config.columns.submitted_at or "")
        return values.get(submitted) is None and summary_cell(values.values()) is not None

    def native_id(self, raw: dict[str, Any]) -> str:
        if not raw.get("id"):
            column = self.config.columns.id
            raise DataError(f"the id column {column!r} is empty", field=column, kind="missing-id")
        return raw["id"]

    def quarantine_context(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Where the row was read, and what the read of its table decided of its scored columns'
        scales (`column_scales`) and of how its cells read (`RowNormalizer.replay_context`), which
        a replay of it cannot decide again."""
        where = {key: raw[key] for key in ("file", "sheet", "row") if key in raw}
        kept = self.normalizer.replay_context()
        return {**where, REPLAY: kept} if kept else where

    def replaying(self, context: dict[str, Any]) -> None:
        changed = self.normalizer.replaying(context.get(REPLAY) or {})
        if changed and self._compiled_rows is not None:
            self._compiled_rows.new_table()  # its cells were read under the decision before

    def scrubbing(self, scrub: Scrubber) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """The rows of a table of text (a delimited file's: the same keys, text cells) go the
        scrubber's shorter way for such rows (`Scrubber.text_rows`, made at the table's first
        row); any other raw (a workbook's row, a quarantined record replayed) the walk."""
        self._scrub = self.names.scrub = scrub

        def scrubbed(raw: dict[str, Any]) -> dict[str, Any]:
            if not self._reading:  # a quarantined row replayed
                return self._replay_scrubs.scrub(scrub, raw, self.config, self.definition)(raw)
            rows = self._text_scrub  # set only while a text table is read
            if rows is not None:
                return rows(raw)
            table = self._table_scrub or scrub  # set only while a table naming columns by header is read
            if not self._text:
                return table(raw)
            rows = self._text_scrub = table.text_rows(raw) or table
            return rows(raw)

        return scrubbed

    def personal_fields(self) -> PersonalFields:
        """The mapping's e-mail, phone, personal and ignored columns, and the personal metadata
        survey exports carry (names, IP addresses, locations, contacts) whatever the mapping says."""
        exported = PersonalFields(contacts=exports.CONTACT_METADATA, personal=exports.PERSONAL_METADATA)
        return self.config.personal_fields() | exported

    def normalize(self, raw: dict[str, Any], builder: Any) -> FeedbackRecord:
        return self.normalizer.normalize(raw, builder)

    def record_rows(self, raw: dict[str, Any], builder: Any, *, ingested_at: str, run_id: str) -> RecordRows | None:
        if not self.compiled:
            return None
        if self._compiled_for is not builder:
            reference = partial(self._reference_rows, builder)
            self._compiled_for, self._compiled_rows = builder, CompiledRows.compile(self.normalizer, builder, reference)
        compiled = self._compiled_rows
        if compiled is None:
            return None
        # a row of a text table, scrubbed (which puts back only text): its JSON needs no type pass
        return compiled.rows(raw, ingested_at=ingested_at, run_id=run_id, text=self._text)

    def _reference_rows(self, builder: Any, raw: dict[str, Any], ingested_at: str, run_id: str) -> RecordRows:
        return to_rows(self.normalize(raw, builder), ingested_at=ingested_at, run_id=run_id)


def _failure(exc: SourceError, *, rows_kept: bool) -> str:
    """Why a file failed and, when it failed at a row, what of it was imported: the rows before
    that row when some were read (now or by an earlier run), else nothing — a small file's layout
    is read from its first rows, so a quote it never closes fails it before any row."""
    if not isinstance(exc, RowNeverEnds):
        return str(exc)
    return f"{exc} ({f'nothing from row {exc.row} on' if rows_kept else 'nothing of it'} was imported)"


def _only_a_timestamp(values: dict[str, Any], submitted: str) -> bool:
    """A row with nothing but its submitted time (an empty form submission, a stray date)."""
    if not submitted or values.get(submitted) is None:
        return False
    return all(value is None or key == submitted for key, value in values.items())


class FileSource(Source):
    """Base of the file connectors: one stream of rows over every file of `path`."""

    config_model = FileSourceConfig
    reads_exports = True
    _headers: SourceHeaders | None = None

    def headers(self, files: list[SourceFile]) -> SourceHeaders:
        """The headers of the source's files, each read at most once in a run: the check pass
        and the read share them (`cxbridge import` gives those of every file it imports)."""
        if self._headers is None:
            self._headers = self.config.source_headers or SourceHeaders(files)  # type: ignore[attr-defined]
        return self._headers

    def streams(self) -> list[Stream]:
        return [FileStream(self)]

    def check(self, cursors: Mapping[str, Any]) -> list[str]:
        return FileStream(self).check(cursors.get(FileStream.name))
