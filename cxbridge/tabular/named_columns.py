"""A file source's `personal` and `ignore` entries matched against the tables a sync reads, as
each is opened: an entry names a column by its key or by its header as written (a Qualtrics
export's `Status`, keyed `status`), and one that names no column of any table read is a warning
with the closest names. Only tables read count: a file passed over unchanged is not opened for
it, and a sync that reads none says nothing."""

from __future__ import annotations

import difflib

from cxbridge import exports
from cxbridge.exports import qualtrics_fields
from cxbridge.privacy import PersonalFields
from cxbridge.tabular.config import RowMapping
from cxbridge.tabular.table import Table, header_key

NOTHING = PersonalFields()


class NamedColumns:
    """What the entries of one mapping named in the tables read so far in a run."""

    def __init__(self, config: RowMapping, *, source: str):
        self.config = config
        self.source = source
        self.unmatched = dict.fromkeys(
            (name, entry) for name in ("personal", "ignore") for entry in getattr(config, name)
        )
        self.names: dict[str, None] = {}  # keys and headers of the tables read: the suggestions
        self.read = False  # a table with a header was read (a JSON record holds only the fields it has)

    def in_table(self, table: Table) -> PersonalFields:
        """The table's columns its entries name by header alone: scrubbed as the entries' keys are."""
        if not (self.config.personal or self.config.ignore):
            return NOTHING
        fields, named = self.config.named_by_header(table.columns, qualtrics=table.format in qualtrics_fields.FORMATS)
        if table.format not in exports.RECORD_FORMATS:
            self.read = True
            for pair in named:
                self.unmatched.pop(pair, None)
            if self.unmatched:
                self.names.update(dict.fromkeys(n for c in table.columns for n in (c.key, header_key(c.text)) if n))
        return fields if fields.personal or fields.ignored else NOTHING

    def warnings(self) -> list[str]:
        """An entry naming no column of the tables read: the column it means is stored."""
        return [self._warning(name, entry) for name, entry in self.unmatched] if self.read else []

    def _warning(self, name: str, entry: str) -> str:
        close = difflib.get_close_matches(entry, list(self.names), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
        kept = "stored" if name == "ignore" else "stored in clear"
        return (
            f"source {self.source!r}: `{name}` entry {entry!r} matches no column of the files read, so a column it "
            f"means is {kept}; {hint}name a column by its key or its header as written (cxbridge inspect lists "
            "them), or remove the entry if no file has it"
        )
