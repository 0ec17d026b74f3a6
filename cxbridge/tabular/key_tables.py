"""Key tables kept between syncs: for a CSV file whose rows are keyed by their content, the keys
of the rows read so far (`row_keys.KeyTable`), so that a sync reading on from where the last one
ended counts repeated keys without reading the part before again.

A table is a file in the cache folder (`CXBRIDGE_CACHE_DIR`, else `$XDG_CACHE_HOME/cxbridge`,
else `~/.cache/cxbridge`), under `row-keys/`, named by the hash of its bytes; the file's cursor
keeps that hash. A table that is missing, unreadable or not the bytes the cursor names is no
table: the part read before is read again for its keys (slower, same ids). Tables hold 64-bit
key hashes only — 8 bytes a row — never a cell."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from array import array
from pathlib import Path

from cxbridge.tabular.row_keys import KeyTable

log = logging.getLogger("cxbridge.files")

_MAGIC = f"cxbridge row keys 1 {sys.byteorder}\n".encode()
UNUSED_DAYS = 90
"""A table no sync has saved or loaded for this long is removed when another is saved: its file
was renamed, moved, dropped from the configuration or is no longer read on (tables are 8 bytes
a row; without pruning, monthly files would pile up in the cache for ever)."""


def cache_dir() -> Path:
    """Where cxbridge keeps what it may lose: a later sync only works harder without it."""
    if configured := os.environ.get("CXBRIDGE_CACHE_DIR"):
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "cxbridge"


def save(table: KeyTable, *, owner: str, keep: str | None) -> str | None:
    """Store the table and return its name (the hash of its bytes); `owner` names the file it
    belongs to, whose other tables are removed but `keep` (the one the saved cursor names,
    which a sync stopped before it finished still needs). None when it cannot be written."""
    data = _MAGIC + table.numbers.tobytes()
    name = hashlib.blake2b(data, digest_size=16).hexdigest()
    folder = cache_dir() / "row-keys"
    path = folder / f"{owner}-{name}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)
        for old in folder.glob(f"{owner}-*"):  # and what a sync killed while writing left
            if old.name not in (path.name, f"{owner}-{keep}"):
                old.unlink(missing_ok=True)
        _remove_unused(folder)
    except OSError as exc:
        log.info("key table not kept (%s): the next read-on of the file reads its keys again", exc)
        return None
    return name


def load(name: str, *, owner: str) -> KeyTable | None:
    """The table `save` stored under `name`, if it is there and its bytes are the ones named
    (its time then renewed: a table in use is never `_remove_unused`'s)."""
    path = cache_dir() / "row-keys" / f"{owner}-{name}"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC) or hashlib.blake2b(data, digest_size=16).hexdigest() != name:
        return None
    try:
        os.utime(path)
    except OSError:
        pass  # a cache that cannot be written: the table still serves this sync
    numbers = array("Q")
    numbers.frombytes(data[len(_MAGIC) :])
    return KeyTable(numbers)


def _remove_unused(folder: Path) -> None:
    """Remove the tables of any file no sync has saved or loaded for `UNUSED_DAYS`."""
    oldest = time.time() - UNUSED_DAYS * 86400
    for table in folder.iterdir():
        try:
            if table.stat().st_mtime < oldest:
                table.unlink()
        except OSError:
            continue  # gone already (another sync pruned it), or not ours to remove


def owner_of(path: Path, config: str) -> str:
    """A short name for the tables of one file read with one mapping."""
    return hashlib.blake2b(f"{config}\x1f{path.resolve()}".encode(), digest_size=8).hexdigest()
