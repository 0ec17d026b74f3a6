"""`cxbridge inspect` and `cxbridge import`: files, folders and globs of exports turned into
sources — by a detected mapping, or by a saved one — and imported one file at a time, so that
each file gets its own summary and a file that cannot be read does not stop the others."""

from __future__ import annotations

import glob
import logging
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Any

from cxbridge import exports
from cxbridge.addresses import may_hold_address
from cxbridge.config import CONFIG_FILENAME, Config, config_from_dict, optional_config
from cxbridge.dataset_salt import known_keys
from cxbridge.detection.inspector import Hints, Inspection, inspect_file, proposed_source_name, source_name_for
from cxbridge.detection.mapping_file import read_mapping, write_mapping
from cxbridge.detection.profile import PROFILED_ROWS
from cxbridge.detection.question_matches import propose_question_matches
from cxbridge.detection.shared_sources import apart, one_layout_notes, propose_shared_sources
from cxbridge.errors import ConfigError, CxbridgeError
from cxbridge.events import SyncEvent
from cxbridge.local_files import refuse_a_missing_folder, written_by_name
from cxbridge.logs import log_summary_warning
from cxbridge.source_result import SourceResult
from cxbridge.masking import redact, rename_values
from cxbridge.phones import phones_in
from cxbridge.plugins_host import PluginHost, get_host
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.respondents import PSEUDONYM_PREFIX, unsaved_keys
from cxbridge.tabular.config import CsvConfig, ExcelConfig, FileSourceConfig, ImportedMapping
from cxbridge.tabular.files import SUPPORTED_SUFFIXES, SourceFile, below, identities
from cxbridge.tabular.reading import CONNECTOR_OF_KIND, SourceHeaders
from cxbridge.tabular.source import FileSource, FileStream
from cxbridge.tabular.source_dates import (
    IMPORT_ADVICE,
    IMPORT_FILES,
    DateOrderConflict,
    Evidence,
    SourceDates,
    undecided,
)
from cxbridge.tabular.workbook import WORKBOOK_SUFFIXES, sheets_shown

log = logging.getLogger("cxbridge.import")
inspect_log = logging.getLogger("cxbridge.inspect")
IMPORT_FIX = f"and an import reads its files one way; nothing was imported: {IMPORT_ADVICE}"


@dataclass
class FileImport:
    """What importing one file did: its source, the layout read, and the engine's result."""

    path: Path
    source: str
    format: str | None = None
    shown: str = ""  # the path as messages name it (an address in it as its key); the path when empty
    from_project: str = ""  # `shown` from the project's folder (`exports/2025-01/responses.csv`); `..` outside it
    result: SourceResult | None = None
    error: str | None = None
    left_out: dict[str, str] = field(default_factory=dict)  # sheets the detected mapping does not read, and why
    warnings: list[str] = field(default_factory=list)  # columns that look scored but are not, and why
    date_warning: str | None = None  # of the warnings, the one about dates read in an order the file does not show
    date_evidence: Evidence | None = None  # what inspecting it showed of its day/month order (not read again)

    @property
    def all_warnings(self) -> list[str]:
        """The detection's warnings, then the run's (without repeats)."""
        found = [*self.warnings, *(self.result.warnings if self.result else [])]
        return list(dict.fromkeys(found))

    @property
    def file(self) -> str:
        """The file as the import's summary names it (`shown`)."""
        return self.shown or str(self.path)

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None and self.result.ok


@dataclass
class ImportResult:
    destination: str | None
    files: list[FileImport] = field(default_factory=list)
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 0 if self.files and all(f.ok for f in self.files) else 1

    def name_of(self, item: FileImport) -> str:
        """The file as its summary line names it: by its name, or by its path from the project's
        folder when another file of the import has that name."""
        name = Path(item.file).name
        return item.from_project if sum(Path(f.file).name == name for f in self.files) > 1 else name


def expand(inputs: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """(data files, survey definitions) named by files, folders and globs, sorted, de-duplicated."""
    found: dict[Path, None] = {}
    for item in inputs:
        text = str(item)
        if glob.has_magic(text):
            paths = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
        elif Path(text).is_dir():
            paths = sorted(p for p in Path(text).rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES | {".qsf"})
        elif Path(text).exists():
            paths = [Path(text)]
        else:
            raise ConfigError(f"no file or folder {text!r}")
        found.update(dict.fromkeys(p.resolve() for p in paths if p.is_file() and not p.name.startswith((".", "~$"))))
    files = list(found)
    definitions = [path for path in files if exports.is_definition(path)]
    return [path for path in files if path not in definitions], definitions


def inspect(
    files: Iterable[str | Path],
    *,
    hints: Hints | None = None,
    write_mapping_to: str | Path | None = None,  # noqa: B008
    host: PluginHost | None = None,
) -> list[Inspection | FileImport]:
    """Detect the layout and propose a mapping for each file; optionally save them as TOML.
    A file that cannot be read is returned as a FileImport carrying its error. Files, sheets and
    columns holding an address (and addresses the evidence quotes) are named in messages and in
    the mapping as a sync into the project's destination (./cxbridge.toml's, else ./cxbridge.db)
    names them (`SyncNames`): for a mapping, the dataset's salt is chosen now if it has none. The
    Inspections returned hold them as read, for the caller who holds the files; their warnings
    are logged as `check`'s are, named as the sync names them."""
    files = list(files)  # named again when none is an export
    paths, definitions = expand(files)
    if not paths:
        raise ConfigError(_no_data_files("inspect", files, definitions))
    if write_mapping_to is not None:  # before the files are read
        refuse_a_missing_folder(f"--write-mapping {write_mapping_to}", Path(write_mapping_to).expanduser().parent)
    hints = hints or Hints()
    host = host or get_host()
    project = partial(optional_config, None, host, builds_connectors=False)
    reads_only = write_mapping_to is None  # a mapping needs the dataset's salt: then it is read, or chosen
    names = SyncNames(project, own_salt_if_unread=reads_only, dry_run=reads_only, host=host)
    found: list[Inspection | FileImport] = []
    for path in paths:
        names.show_files([str(path), path.name])
        try:
            hinted = _sheets_as_read(path, definition_for(path, hints, definitions, paths), names)
            inspection = inspect_file(path, hinted, names_read=names.show_keys)
            names.show_quoted(inspection)
            found.append(inspection)
        except CxbridgeError as exc:
            found.append(FileImport(path, proposed_source_name(path), error=str(exc)))
    inspections = [item for item in found if isinstance(item, Inspection)]
    matches = propose_question_matches(inspections)
    for match in matches:
        for item in inspections:
            if item.path.name in (match.first[0], match.second[0]):
                item.question_matches.append(match)
    proposed = propose_shared_sources(inspections, matches)
    for shared in proposed:
        shared.settle_date_order()
        kept = shared.primaries_kept()
        for item in shared.members:
            item.shared_source = shared
            item.notes += [kept[item.path.name]] if item.path.name in kept else []
    told = apart(inspections, proposed, matches)
    for name, note in one_layout_notes(inspections, matches).items():
        told[name] = f"{told[name]}; {note}" if name in told else note
    for item in inspections:
        if item.path.name in told:
            item.notes.append(told[item.path.name])
    if write_mapping_to is not None and inspections:
        with written_by_name(f"--write-mapping {write_mapping_to}"):
            write_mapping(inspections, Path(write_mapping_to))
    for item in inspections:  # logged as a check's are, which moves no data either: a log kept alone has them
        for warning in item.warnings:
            log_summary_warning(inspect_log, redact(warning), source=item.source_name)
    return found


def import_(
    files: Iterable[str | Path],
    *,
    mapping: str | Path | None = None,
    source: str | None = None,
    hints: Hints | None = None,
    destination: str | None = None,
    dry_run: bool = False,
    config: str | Path | None = None,
    wait: float | None = None,
    rehash: bool = False,
    host: PluginHost | None = None,
    on_progress: Callable[[SyncEvent], None] | None = None,
) -> ImportResult:
    """Import each file with the saved mapping, or with the one detected for it, into the
    destination and with the settings of `config` (else ./cxbridge.toml if there is one)."""
    from cxbridge.api import sync  # the API re-exports this module's functions: import it late

    host = host or get_host()
    project = optional_config(config, host)
    files = list(files)  # named again when none is an export
    paths, definitions = expand(files)
    hints = hints or Hints()
    if not paths:
        raise ConfigError(_no_data_files("import", files, definitions))
    saved = read_mapping(Path(mapping)) if mapping else None
    headers = SourceHeaders(SourceFile(path, path.name) for path in paths)  # the files of one mapping are one source's
    result = ImportResult(destination=destination, dry_run=dry_run)
    names = SyncNames(lambda: project, destination=destination, rehash=rehash, dry_run=dry_run, wait=wait, host=host)
    ready: list[tuple[FileImport, Config]] = []
    root = project.destination_dir if project is not None else Path.cwd()  # the folder the cursor names files from
    in_project_source = cache(partial(_identities_in_project, project))  # each source's files looked for once
    project_headers = cache(lambda name: _with_files_of(headers, in_project_source(name)))
    ordered: set[int] = set()  # the items whose mapping (saved or the project's) says the day/month order
    for path in paths:
        names.show_files([str(path), path.name])  # in the detection's errors too, before the sync names it
        shown = Path(names.file_name(str(path)))
        named = source or (saved[0] if saved else _source_naming(project, path, in_project_source) or source_name_for(shown))
        item = FileImport(path, named, shown=str(shown), from_project=below(shown, root))
        result.files.append(item)
        mapped = saved or _mapping_in_project(project, item.source)
        if hints.date_order or (mapped and mapped[1].get("date_order")):
            ordered.add(id(item))
        try:
            hinted = _sheets_as_read(path, definition_for(path, hints, definitions, paths), names)
            name, entry, file = _entry_for(path, item, mapped, hinted, names)
            item.format = entry.get("format")
            imported = config_from_dict({"sources": {name: entry}}, host, path=file)
            ready.append((item, in_project(imported, project)))
            if isinstance(file_config := imported.sources[name].config, FileSourceConfig):
                file_config.cursor_root = root
                file_config.source_headers = headers if saved else project_headers(item.source) if mapped else None
                file_config.date_evidence = item.date_evidence
                file_config.date_order_given = bool(hints.date_order) or not mapped  # not a source's setting
                file_config.file_identity = in_project_source(item.source).get(path)
                if saved or not mapped:  # else the project's source's: its config is changed, then synced
                    typed = shlex.quote(below(shown, Path.cwd()))  # a command's file, as the user's shell reaches it
                    file_config.imported = ImportedMapping(typed, mapping and shlex.quote(str(mapping)), bool(source))
        except CxbridgeError as exc:
            item.error = redact(str(exc))  # a file named as the sync names it (`SyncNames.show_files`)
    refuse_shared_ids(ready)
    if unordered := [(item, imported) for item, imported in ready if id(item) not in ordered]:
        share_date_order(unordered, headers, before=_order_read_before(unordered, destination, host))
    for item, imported in ready:
        try:
            synced = sync(imported, dry_run=dry_run, destination=destination, wait=wait, rehash=rehash, host=host,
                          on_progress=on_progress, command="import")  # fmt: skip
            result.destination = synced.destination
            item.result = synced.results[0]
        except CxbridgeError as exc:
            item.error = str(exc)
        if item.result is not None:
            item.result.quarantine_reasons = {redact(why): n for why, n in item.result.quarantine_reasons.items()}
            item.result.quarantine_rules = {redact(rule): n for rule, n in item.result.quarantine_rules.items()}
            examples = item.result.quarantine_examples
            item.result.quarantine_examples = {redact(rule): redact(why) for rule, why in examples.items()}
    for item in result.files:
        _detection_as_synced(item)
    return result


def _detection_as_synced(item: FileImport) -> None:
    """The sheets the detection left out and its warnings named as the sync names them (sheets and
    columns: docs/security.md), each warning logged as its sync's are (`log_summary_warning`) — a
    log kept alone has them — unless the sync gave and logged it too."""
    item.left_out = {redact(sheet): redact(why) for sheet, why in item.left_out.items()}
    item.warnings = [redact(warning) for warning in item.warnings]
    for warning in item.warnings:
        if item.result is None or warning not in item.result.warnings:
            log_summary_warning(log, warning, source=item.source)


def share_date_order(ready: list[tuple[FileImport, Config]], headers: SourceHeaders, *,
                     before: SourceDates | None = None) -> None:  # fmt: skip
    """One day/month order for all the files of an import, as for the files of one source
    (`SourceDates`): a file whose days are all 12 or less reads as another file shows, or as the
    files its source read `before`; files showing both orders are refused before any is imported.
    What the files showed is given to each file's sync (`FileSourceConfig.date_evidence`, not read
    again), which settles such a file's order under the destination's lock, with the order its
    source's state holds then: `before` was read without it, and another sync may have saved one
    since — against this import's files, that file fails as a sync of them all would."""
    order, shown_by = (before.order, before.shown_by) if before is not None else (None, "")
    whose = IMPORT_FILES + (" and those its source read before" if order else "")
    dates = SourceDates(order, shown_by, whose=whose, fix=IMPORT_FIX)
    shown: list[tuple[FileImport, FileSourceConfig, Evidence]] = []
    everything: Evidence = {}  # by each file's path, as two files of the import may share a name
    for item, imported in ready:
        try:
            source = imported.build_source(item.source)
            if isinstance(source, FileSource):  # the file, its sheets and columns named as the sync names them
                region = imported.settings.phone_region
                source.respondent_keys = known_keys(None, imported.respondent_salt, phone_region=region)
                stream = FileStream(source)
                [file] = stream.named([SourceFile(item.path, Path(item.file).name)])
                read_with = source.config.source_headers or headers  # the files a missing column is looked for in
                own = stream.date_evidence(SourceDates(whose=whose, fix=IMPORT_FIX), file, read_with)
                for (where, column), guess in own.items():
                    everything[_in_folder(where, file, item), column] = guess
                    dates.learn(_in_folder(where, file, item), guess, column)
                shown.append((item, source.config, own))
        except DateOrderConflict as exc:
            raise ConfigError(str(exc)) from None
        except CxbridgeError:
            continue  # the file fails alone when it is imported, saying why
    for item, config, found in shown:
        config.date_evidence = everything | found  # its own also as its sync names it, not read again
        if any(undecided(guess) for guess in found.values()):
            config.date_order = None  # its sync settles it; and warns, if nothing decides it
            item.warnings = [warning for warning in item.warnings if warning != item.date_warning]


def refuse_shared_ids(ready: list[tuple[FileImport, Config]]) -> None:
    """Refuse, before any is imported, two files of the import whose rows have no id column (nor
    `key_columns` of the mapping's choosing) and would be keyed in one id space (one source, one identity: `a/responses.csv` and
    `b/responses.csv` imported by their name): a row of one would replace the other's row of
    the same key (docs/files.md, Record ids)."""
    first: dict[tuple[str, str], FileImport] = {}
    for item, imported in ready:
        config = imported.sources[item.source].config
        if not isinstance(config, FileSourceConfig) or config.columns.id or config.key_columns:
            continue  # keyed as the mapping says
        identity = config.file_identity or item.path.name
        other = first.setdefault((item.source, identity), item)
        if other is not item:
            raise ConfigError(
                f"{other.from_project} and {item.from_project}: both would be the file "
                f"{identity!r} of source {item.source!r}, and their rows have no id column, so a row of one would "
                "replace the other's row of the same key (the submitted time by default); nothing was "
                "imported: import them into different sources (--source), or one at a time if they are one export "
                "saved twice, or map an id column or key_columns that tell their rows apart (cxbridge inspect "
                "--write-mapping, then import with --mapping)"
            )


def _in_folder(where: str, file: SourceFile, item: FileImport) -> str:
    """A table of the import's `file` (`responses.csv`, `responses.xlsx [2024]`, as the sync names
    it) named by the file's path from the project's folder (`exports/2025-01/responses.csv`)."""
    return item.from_project + where[len(file.identity) :]


class SyncNames:
    """Names as the sync names them in `raw`, state and messages — a file's by `Scrubber.file_name`,
    a column's by `Scrubber.key_name`, a sheet's by `Scrubber.sheet_name`: an address in it as its
    key under the dataset's salt, read (or chosen, on a first import, unless `dry_run`) only for a
    name holding an address — so that what `import` and `inspect` print and write holds no address
    either."""

    def __init__(self, project: Callable[[], Config | None], *, own_salt_if_unread: bool = False, **opening: Any):
        self.project, self.opening = project, opening  # the project read only for such a name too
        self.own_salt_if_unread = own_salt_if_unread  # a destination out of reach: names under a salt of this run

    @cached_property
    def _scrubber(self) -> Scrubber:
        from cxbridge.api import dataset_keys_for

        try:
            project = self.project()
            if project is not None and project.settings.keep_personal_data:
                return Scrubber(PersonalFields(), unsaved_keys(), keep_personal_data=True)  # names as read
            keys = dataset_keys_for(project, **self.opening)
        except CxbridgeError as exc:
            if not self.own_salt_if_unread:
                raise
            log.debug("names holding an address are shown under a salt of this run: %s", exc)
            keys = unsaved_keys()
        return Scrubber(PersonalFields(), keys)

    def file_name(self, name: str) -> str:
        return name if "@" not in name else self._scrubber.file_name(name)

    def key_name(self, name: str) -> str:
        return name if not may_hold_address(name) else self._scrubber.key_name(name)

    def sheet_name(self, name: str) -> str:
        return name if not may_hold_address(name) else self._scrubber.sheet_name(name)

    def show_files(self, names: Iterable[str]) -> None:
        """Name each file by `file_name` in every message from now on (`cxbridge.masking`)."""
        rename_values({name: shown for name in names if (shown := self.file_name(name)) != name})

    def show_keys(self, names: Iterable[str], *, sheets: bool = False) -> None:
        """Name each column by `key_name`, each sheet by `sheet_name`, in every message from now on."""
        named = self.sheet_name if sheets else self.key_name
        rename_values({name: shown for name in names if (shown := named(name)) != name})

    def show_quoted(self, inspection: Inspection) -> None:
        """Show each value of the rows the detection profiled (which its evidence and warnings
        quote) as `quoted` shows it, in every message from now on."""
        rows = inspection.table.preview(PROFILED_ROWS)
        values = {value.strip() for row in rows for value in row.values.values() if type(value) is str}
        rename_values({value: shown for value in values if (shown := self.quoted(value)) != value})

    def quoted(self, text: str) -> str:
        """`text` as `Scrubber.quoted` quotes it (an address or a phone number in it as its key);
        the salt read only for a text holding one."""
        return self._scrubber.quoted(text) if may_hold_address(text) or any(phones_in(text)) else text


def _sheets_as_read(path: Path, hints: Hints, names: SyncNames) -> Hints:
    """The hints, each `--sheet` named as messages name it (as `inspect`'s advice writes it: an
    address in it as its key) named as the workbook does."""
    if PSEUDONYM_PREFIX not in "\x1f".join(hints.sheets) or path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return hints
    shown = sheets_shown(path, path.name, names.sheet_name, before=names.key_name)
    return replace(hints, sheets=tuple(shown.get(sheet, sheet) for sheet in hints.sheets))


def _order_read_before(ready: list[tuple[FileImport, Config]], destination: str | None,
                       host: PluginHost) -> SourceDates | None:  # fmt: skip
    """The day/month order the files of an import's one source (a saved mapping, --source) showed
    in earlier syncs, kept in its state; None for files of several sources, or a destination not
    there yet or not readable now (locked: the sync itself waits for it)."""
    from cxbridge.api import reading

    names = {item.source for item, _ in ready}
    if len(names) != 1:
        return None
    [name] = names
    try:
        with reading(ready[0][1], destination=destination, host=host) as dest:
            return SourceDates.from_cursor(dest.get_cursor(name, FileStream.name))
    except CxbridgeError:  # none yet (`reading` refuses it), or out of reach
        return None


def _file_source_in_project(project: Config | None, source: str) -> FileSourceConfig | None:
    """The config of the project's source of that name, if it is a file source."""
    configured = project.sources.get(source) if project is not None else None
    return configured.config if configured is not None and isinstance(configured.config, FileSourceConfig) else None


def _identities_in_project(project: Config | None, source: str) -> dict[Path, str]:
    """The identities of the files the project's source of that name names, if it is a file
    source (`2025-01/responses.csv` for `exports/**/*.csv`): a file among them imported into it
    gets the ids its sync gives its rows; any other keeps its name."""
    configured = _file_source_in_project(project, source)
    return identities(configured.path, project.base_dir) if configured is not None and project else {}


def _with_files_of(headers: SourceHeaders, identities: dict[Path, str]) -> SourceHeaders:
    """The import's files and those of the project's source it imports into (`identities`), in
    which its sync looks for a mapped column a file lacks (one added in a later file)."""
    return SourceHeaders([*headers.files, *(SourceFile(path, identity) for path, identity in identities.items())])


def _source_naming(project: Config | None, path: Path, identities: Callable[[str], dict[Path, str]]) -> str | None:
    """The project's one file source whose `path` names the file (`identities` of each source:
    `_identities_in_project`), which an import without `--source` or `--mapping` goes into: under
    a name of its own the file's responses would be stored, and counted, a second time."""
    if project is None:
        return None
    resolved = path.resolve()
    naming = [name for name in project.sources if resolved in identities(name)]
    return naming[0] if len(naming) == 1 else None


def _mapping_in_project(project: Config | None, source: str) -> tuple[str, dict[str, Any], Path] | None:
    """The mapping of the project's file source of that name, as a saved mapping is read (name,
    `[sources.NAME]` entry, the config file it is read as): a file imported into that source is
    read as its sync reads its files — a detected mapping could take another id column, or keep a
    column the source ignores, and the sync would store the same responses again under its ids."""
    configured = _file_source_in_project(project, source)
    if configured is None or project is None:
        return None
    entry = configured.model_dump(exclude_unset=True, by_alias=True)
    return source, entry, project.path or project.base_dir / CONFIG_FILENAME


def in_project(imported: Config, project: Config | None) -> Config:
    """An import's one-source config with the project's settings and destination (relative to the
    project's folder); without a project, the default destination in the working directory."""
    if project is None:
        return replace(imported, destination_base=Path.cwd())
    return replace(imported, settings=project.settings, destination_url=project.destination_url,
                   destination_base=project.destination_dir, loop=project.loop, actions=project.actions)  # fmt: skip


def _no_data_files(command: str, given: Iterable[str | Path], definitions: list[Path]) -> str:
    if not definitions:
        return (f"{', '.join(repr(str(item)) for item in given)}: no CSV, Excel or JSON export found (files ending "
                f"{', '.join(sorted(SUPPORTED_SUFFIXES))}); nothing to {command}")  # fmt: skip
    names = ", ".join(path.name for path in definitions)
    what = "a survey definition" if len(definitions) == 1 else "survey definitions"
    return (f"{names}: {what} (question texts, answer labels), not responses; give it together "
            f"with the exported responses: cxbridge {command} responses.csv {definitions[0].name} "
            f"(or --definition {definitions[0].name})")  # fmt: skip


def _entry_for(
    path: Path, item: FileImport, saved: tuple[str, dict[str, Any], Path] | None, hints: Hints, names: SyncNames
) -> tuple[str, dict[str, Any], Path]:
    """(source name, `[sources.NAME]` entry, the config file it is read as: the saved mapping, or
    one beside the data file, the folder its relative paths start from); the detection's sheets
    and columns, and the values its warnings quote, as `names` shows them."""
    if saved is not None:
        _, entry, file = saved
        entry = _read_as_its_kind(entry, path)
        sheets = {"sheets": list(hints.sheets)} if hints.sheets and entry.get("connector") == "excel" else {}
        return item.source, {**entry, "path": str(path), **_overrides(hints), **sheets}, file
    inspection = inspect_file(path, hints, names_read=names.show_keys)
    if any(names.quoted(warning) != warning for warning in inspection.warnings):  # the salt read for such one only
        names.show_quoted(inspection)
    item.left_out = dict(inspection.left_out) if inspection.table.sheet else {}
    item.warnings, item.date_warning = inspection.warnings, inspection.date_warning
    item.date_evidence = inspection.date_evidence
    return item.source, inspection.source_config(path=str(path)), path.parent / CONFIG_FILENAME


def _read_as_its_kind(entry: dict[str, Any], path: Path) -> dict[str, Any]:
    """A saved mapping of a workbook given a CSV export of the same survey, or the other way round:
    its columns fit, so the file is read by the connector of its kind, without the keys only the
    mapping's own reader takes (a CSV's `encoding`, a workbook's `sheets`)."""
    readers = {"csv": CsvConfig, "excel": ExcelConfig}
    given, wanted = entry.get("connector"), CONNECTOR_OF_KIND[SourceFile(path, path.name).kind]
    if given == wanted or not {given, wanted} <= readers.keys():
        return entry
    own = readers[given].model_fields.keys() - FileSourceConfig.model_fields.keys()
    return {key: value for key, value in entry.items() if key not in own} | {"connector": wanted}


def _overrides(hints: Hints) -> dict[str, Any]:
    values = {"timezone": hints.timezone, "date_order": hints.date_order, "program": hints.program,
              "values": hints.values, "include_test_responses": hints.include_test_responses}  # fmt: skip
    if hints.definition:
        values["definition"] = str(hints.definition.resolve())
    return {key: value for key, value in values.items() if value}


def definition_for(path: Path, hints: Hints, definitions: list[Path], paths: list[Path]) -> Hints:
    """The hints with the survey definition of this file: the one named, else the given
    definition of the survey id the file's records name (SurveyMonkey's responses/bulk), else the
    one whose name starts the file's name (survey.qsf for survey_2019.csv), else the only one
    given — unless it starts the name of one of the other `paths`: then it is their survey's, and
    a file of another survey beside them is read without it. A definition of another survey id
    than the file's records name is never the file's."""
    if hints.definition is not None or not definitions:
        return hints
    if (survey := exports.survey_id_in(path)) is not None:
        ids = {d: exports.load_definition(d).survey_id for d in definitions}
        if chosen := next((d for d in definitions if ids[d] == survey), None):
            return replace(hints, definition=chosen)
        definitions = [d for d in definitions if not ids[d]]  # the others are other surveys'
    chosen = _named_definition(path, definitions)
    if chosen is None and len(definitions) == 1 and not any(_named_definition(other, definitions) for other in paths):
        chosen = definitions[0]
    return replace(hints, definition=chosen) if chosen else hints


def _named_definition(path: Path, definitions: list[Path]) -> Path | None:
    stem = path.stem.casefold()
    prefixed = [d for d in definitions if stem.startswith(d.stem.casefold())]
    return max(prefixed, key=lambda d: len(d.stem)) if prefixed else None
