"""Which state the cursor keeps is a file's, and so what a read does with the file: pass it over,
read on from where the last read ended, or read it whole (`file_state.plan`).

A file's state is kept under its name in the cursor (`SourceFile.in_cursor`). The other way of
reading files (a sync of its folder, `cxbridge import` of the file) keeps it under another name:
a read goes by that one when the file has none of its own, and the cursor after the read keeps
the file once (`FileCursor.kept_once`). A file whose rows are keyed by their content is read on
with the keys of the rows read before, from the key table its state names (`key_tables`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxbridge.respondents import RespondentKeys
from cxbridge.tabular import key_tables
from cxbridge.tabular.file_names import FileNames
from cxbridge.tabular.file_state import Plan, folder_key, plan, saved_for
from cxbridge.tabular.files import SourceFile, below
from cxbridge.tabular.row_keys import KeyTable, RowKeys


class FileCursor:
    """The files of one stream's cursor, named by `names`; `config_hash` is the mapping's, as a
    file's state keeps it; `root`, the folder an imported file's name is a path from (`cursor_root`)."""

    def __init__(self, names: FileNames, config_hash: str, *, base_dir: Path, root: Path | None):
        self.names = names
        self.config_hash = config_hash
        self.base_dir = base_dir
        self.root = root

    def plan(self, file: SourceFile, saved: dict[str, Any], twice: dict[str, str], *,
             keys: RespondentKeys | None) -> Plan:  # fmt: skip
        """Pass the file over, read on from where the last read ended, or read it whole (see
        `file_state`): by its own state; by the one kept under its other name (`other_name`)
        when it has none, or when that name is the file's too (`twice`) — the further along of
        the two, as far as the file's bytes confirm the other. Neither is taken when it is
        another file's (`saved_for`): of another identity — but under a synced file's other name,
        that of the file an import read at its path (its name) — or, found by a path from a
        folder (an import's own name, a synced file's other name), saved for that path from another.
        `keys`: the dataset's respondent keys, which key an import's folder (`folder_key`)."""
        appendable, named = file.kind == "delimited", self.names.name(file.in_cursor)
        identity = self.names.name(file.identity)
        at_path = {identity, self.names.name(file.path.name)} if file.cursor_name is None else {identity}
        own = saved_for(saved.get(named), {identity}, folder=self._root(file), keys=keys)
        base = self.base_dir if file.cursor_name is None else None
        other = saved_for(saved.get(self.names.name(self.other_name(file))), at_path, folder=base, keys=keys)
        plans = [] if own is None else [plan(file, own, self.config_hash, appendable=appendable)]
        if own is None or (named in twice and other is not None):
            plans.append(plan(file, other, self.config_hash, appendable=appendable, by_content=True))
        return max(plans, key=lambda todo: todo.reach)  # the first (its own) of two as far along

    def other_name(self, file: SourceFile) -> str:
        """The name the other way of reading files keeps the file's state by, maybe another
        file's: an imported file's, its name alone (as an earlier cxbridge's import and a sync of
        its folder name it); a synced one's, its path from the config's folder (as an import names it)."""
        return file.identity if file.cursor_name is not None else below(file.path, self.base_dir)

    def _root(self, file: SourceFile) -> Path | None:
        """The folder an imported file's name in the cursor is a path from; None for a file named
        by its identity."""
        return self.root if file.cursor_name is not None else None

    def folder(self, file: SourceFile, saved: dict[str, Any], *, keys: RespondentKeys | None) -> str | None:
        """The `folder_key` of the file's root, to save: the one its state in `saved` holds, when it
        names that folder."""
        root, state = self._root(file), saved.get(self.names.name(file.in_cursor))
        if root is None:
            return None
        return folder_key(root, saved=state.get("folder") if isinstance(state, dict) else None, keys=keys)

    def named_twice(self, files: list[SourceFile]) -> dict[str, str]:
        """Each file's name in the cursor → its other name, where that name is the file's too: a
        cursor saved before 2026-12-07 by `sync`, then `import data/x.csv` of the file the source
        reads, keeps it under both (folded into one by the next read: `plan`, `kept_once`). Not
        an import's file no configured source names, whose other name (its name alone) may be another
        file's, nor where the other name is another file's own."""
        own = {file.identity: self.names.name(file.in_cursor) for file in files}
        others = {own[file.identity]: self.names.name(self.other_name(file)) for file in files
                  if file.cursor_name is None}  # fmt: skip
        return {named: other for named, other in others.items() if other not in own.values()}

    def keys_read_before(self, file: SourceFile, todo: Plan, *, by_id: bool) -> KeyTable | None:
        """The keys of the rows read before, for a file read on whose rows are keyed by content
        (not `by_id`), when the key table the cursor names is at hand."""
        if todo.resume is None or by_id or todo.state is None or todo.state.keys is None:
            return None
        return key_tables.load(todo.state.keys, owner=key_tables.owner_of(file.path, self.config_hash))

    def keep_keys(self, file: SourceFile, todo: Plan, keys: RowKeys | None, *,
                  whole: tuple[int, int, int] | None) -> str | None:  # fmt: skip
        """Keep the key table of the file's rows (`keys`) up to its last whole record (`whole`), for
        the next read on; its name, or None (rows with ids of their own, files not read on, no cache)."""
        if keys is None or not keys.keyed or whole is None:
            return None
        keep = todo.state.keys if todo.state is not None else None
        owner = key_tables.owner_of(file.path, self.config_hash)
        return key_tables.save(keys.through(whole[1]), owner=owner, keep=keep)

    @staticmethod
    def kept_once(saved: dict[str, Any], read: dict[str, Any], twice: dict[str, str]) -> dict[str, Any]:
        """The files' states after a read, by name: those `read` over those `saved`, a file kept
        under both its names (`twice`) by its own alone."""
        kept = {**saved, **read}
        folded = [other for named, other in twice.items() if named in kept]
        return dict(sorted((name, state) for name, state in kept.items() if name not in folded))
