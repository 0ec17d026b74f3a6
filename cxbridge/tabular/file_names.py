"""The names a file source's files, sheets and columns go by in the cursor, `raw` and every
message: an address in one as its key (`Scrubber.file_name`, `sheet_name`, `key_name`;
docs/security.md); a cursor saved by an earlier cxbridge read back by them; and the mapping,
which may name a sheet or a column so, named as the file does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cxbridge.errors import SourceError
from cxbridge.masking import rename_values
from cxbridge.privacy import PersonalFields, Scrubber
from cxbridge.respondents import PSEUDONYM_PREFIX, unsaved_keys
from cxbridge.sources import Source
from cxbridge.tabular.config import FileSourceConfig
from cxbridge.tabular.files import SourceFile
from cxbridge.tabular.reading import read_tables
from cxbridge.tabular.workbook import sheets_shown


class FileNames:
    """The names of a file stream's files and of what they hold, as the sync shows them."""

    def __init__(self, source: Source):
        self.source = source
        self.scrub: Scrubber | None = None  # the sync's scrubber, once the stream is given it

    def name(self, identity: str) -> str:
        """A file as the cursor, `raw` and every message name it: an address in its name as its
        key (`Scrubber.file_name`). The check pass runs before the dataset's keys are known: it
        names such a file by a key of this process alone (and so reads its header again)."""
        return self.namer().file_name(identity)

    def namer(self) -> Scrubber:
        keep, keys = self.source.context.keep_personal_data, self.source.respondent_keys or unsaved_keys()
        return self.scrub or Scrubber(PersonalFields(), keys, keep_personal_data=keep)

    def mapping_as_read(self, files: list[SourceFile], definition: Callable[[], Any]) -> FileSourceConfig:
        """The mapping, each column it names as messages name it (an address in the header as its
        key, `Scrubber.key_name`: as a warning's advice gives it) named as the header reads; the
        headers are read for it (with the `definition`) only when the mapping names a column so."""
        config = self._sheets_as_read(files)
        if PSEUDONYM_PREFIX not in "\x1f".join([*config.chosen_columns(), *(config.key_columns or [])]):
            return config
        namer, names = self.namer(), {}
        for file in files:
            try:
                tables = read_tables(file, config, definition())
            except SourceError:
                continue  # the file fails when it is read, naming why
            names.update({namer.key_name(c.key): c.key for table in tables for c in table.columns})
        return config.named_as_read({shown: key for shown, key in names.items() if shown != key})

    def _sheets_as_read(self, files: list[SourceFile]) -> FileSourceConfig:
        """The mapping, each sheet it names as messages name it (`Scrubber.key_name`, as `inspect
        --write-mapping` writes it) named as the workbook does; the sheets' names are listed for it
        only when the mapping names a sheet so."""
        config: FileSourceConfig = self.source.config  # type: ignore[assignment]
        sheets: list[str] = getattr(config, "sheets", None) or []
        if PSEUDONYM_PREFIX not in "\x1f".join(sheets):
            return config
        namer, names = self.namer(), {}
        for file in (file for file in files if file.kind == "workbook"):
            try:
                names |= sheets_shown(file.path, file.identity, namer.sheet_name, before=namer.key_name,
                                      reader=getattr(config, "reader", "auto"))  # fmt: skip
            except SourceError:
                continue  # the file fails when it is read, naming why
        return config.model_copy(update={"sheets": [names.get(sheet, sheet) for sheet in sheets]})

    def named(self, files: list[SourceFile], columns: list[str]) -> list[SourceFile]:
        """`files`, each named by `name` in every log line and error from now on; so are the
        names inside them once read (sheets, columns: `rename_inside`) and the `columns` the
        mapping names."""
        _rename({file.identity: self.name(file.identity) for file in files})
        self.rename_inside(columns)
        return [replace(file, names_read=self.rename_inside) for file in files]

    def rename_inside(self, names: list[str], *, sheets: bool = False) -> None:
        """Name each column as a record's key is named (`Scrubber.key_name`: an address in it as
        its key), each sheet as `raw.sheet` names it (`Scrubber.sheet_name`), in every log line
        and error from now on."""
        namer = self.namer()
        shown = namer.sheet_name if sheets else namer.key_name
        _rename({name: shown(name) for name in names})

    def saved_files(self, cursor: Any, files: list[SourceFile]) -> dict[str, Any]:
        """The state of each file the cursor says was read, by its name as shown. A cursor saved
        by an earlier cxbridge names a file as read, or with the letter case of its address
        folded (`Scrubber.folded_file_name`): a state saved so is the file's whose name alone
        folds to it, when no file is named so now."""
        saved = cursor.get("files", {}) if isinstance(cursor, dict) else {}
        found = {self.name(name): state for name, state in saved.items()}
        folded: dict[str, list[str]] = {}
        namer = self.namer()
        for file in files:
            for name in {file.identity, file.in_cursor}:
                folded.setdefault(namer.folded_file_name(name), []).append(namer.file_name(name))
        for before, names in folded.items():
            if len(names) == 1 and names[0] != before and names[0] not in found and before in found:
                found[names[0]] = found.pop(before)
        return found


def _rename(names: dict[str, str]) -> None:
    rename_values({name: shown for name, shown in names.items() if shown != name})
