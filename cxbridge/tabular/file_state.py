"""What a file source's cursor keeps of each file it read, and what the next sync does with the
file: pass it over (unchanged), read on from where the last read ended (grown by appending), or
read it whole again (any other change).

A state names the identity of the file it was saved for (`FileState.identity`), and is another
file's when that is not the identity of the file it is found for (`saved_for`): a cursor names an
imported file by its path from the project's folder and a synced one by its path below the
source's `path`, and the two can name two files (`exports/responses.csv`). An imported file's
state also names that folder (`FileState.folder`, a hash of its path keyed with the respondent
salt when it comes from the environment, else with a random salt kept beside it: `folder_key`):
the same path from another folder (an import run elsewhere, a config in a subfolder) is another file.

A file is unchanged when its size and modification time are the saved ones (not a byte of it is
read), or, when only the time differs, when the hash of its bytes is the saved one. A delimited
file grown since is read on from the end of the last whole record read before when the hash of
its bytes up to there is the saved one: only the bytes after it are read, the header taken from
the start. Anything else — an edit or a cut in the part read before, another mapping, a
workbook or JSON export that changed — reads the file whole again, as the first time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxbridge.respondents import RespondentKeys
from cxbridge.tabular.files import SourceFile

_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileState:
    """One file as a sync read it: the mapping's hash, the file's size, time and hash, and for a
    delimited file where to read on from (bytes, records, lines), the hash of the bytes up to
    there, the date order its rows were read in, and, for rows keyed by their content, the name
    of the key table of the rows up to there (`key_tables`); the file's identity as the cursor
    names files (None in a state saved before 2026-12-07); for a file named by its path from a
    folder (an import's), that folder's `folder_key` (None for a synced file, and before 2026-12-07;
    an unsalted hash before 2026-12-07's later change, and `<salt>:<hash>` under a salt from the
    environment before 2026-12-07's third: each still read, `names_folder`); for a delimited file,
    the text answers up to there of each scored column read on built-in labels, which rows
    appended are judged with (`ColumnScales.of_table`; None in a state saved before 2026-12-07)."""

    config: str
    size: int
    mtime_ns: int
    sha256: str
    resume: tuple[int, int, int] | None = None
    prefix_sha256: str | None = None
    date_order: str | None = None
    keys: str | None = None
    identity: str | None = None
    folder: str | None = None
    labels: dict[str, Any] | None = None

    def to_cursor(self) -> dict[str, Any]:
        saved: dict[str, Any] = {"config": self.config, "size": self.size, "mtime_ns": self.mtime_ns,
                                 "sha256": self.sha256}  # fmt: skip
        if self.resume is not None:
            saved |= {"resume": list(self.resume), "prefix_sha256": self.prefix_sha256}
        if self.date_order is not None:
            saved["date_order"] = self.date_order
        if self.keys is not None:
            saved["keys"] = self.keys
        if self.identity is not None:
            saved["identity"] = self.identity
        if self.folder is not None:
            saved["folder"] = self.folder
        if self.labels is not None:
            saved["labels"] = self.labels
        return saved

    @classmethod
    def from_cursor(cls, saved: Any) -> FileState | None:
        """The state a cursor saved; None for one that is not a state (a mark saved by versions
        before states: the file's hash and the mapping's, `sha256:config`)."""
        if not isinstance(saved, dict):
            return None
        try:
            resume, labels = saved.get("resume"), saved.get("labels")
            return cls(
                config=str(saved["config"]), size=int(saved["size"]), mtime_ns=int(saved["mtime_ns"]),
                sha256=str(saved["sha256"]), resume=tuple(int(n) for n in resume) if resume else None,  # type: ignore[arg-type]
                prefix_sha256=saved.get("prefix_sha256"), date_order=saved.get("date_order"), keys=saved.get("keys"),
                identity=saved.get("identity"), folder=saved.get("folder"),
                labels=labels if isinstance(labels, dict) else None,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Plan:
    """What to do with a file: `skip` it (and save `keep`, its state with today's time), `resume`
    it from `state.resume`, or read it `whole`."""

    action: str
    state: FileState | None = None

    @property
    def resume(self) -> tuple[int, int, int] | None:
        return self.state.resume if self.action == "resume" and self.state is not None else None

    @property
    def reach(self) -> tuple[int, int]:
        """How far into the file the state it goes by reaches: all of it (passed over), where it
        reads on from, or nowhere (read whole) — of two states of one file, the further wins."""
        if self.action == "skip":
            return (2, 0)
        return (1, self.resume[0]) if self.resume else (0, 0)


KEYED = "keyed:"
"""How a folder's key under a salt kept out of the destination begins (`folder_key`)."""


def folder_key(folder: Path, *, saved: Any = None, keys: RespondentKeys | None = None) -> str:
    """How a state names the folder its file's name is a path from, as a folder's path may name a
    person (`/home/jane.doe/…`). With `keys` whose salt is kept out of the destination
    (`RespondentKeys.kept_apart`), `keyed:<hash>`, the hash of the path keyed with that salt: a
    reader of the state cannot test a guessed path. Else `<salt>:<hash>`, keyed with a random salt
    beside it, so that no table of paths hashed beforehand finds it and one folder has another key
    in each state (a reader of the state can still test a guess); the key `saved` (a state's
    `folder`) gives, when it names this folder, so that an unchanged file's state stays as it was."""
    if keys is not None and keys.kept_apart:
        return _keyed(folder, keys)
    if isinstance(saved, str) and ":" in saved and not saved.startswith(KEYED) and names_folder(saved, folder):
        return saved
    return _salted(folder, secrets.token_hex(16))


def names_folder(key: str, folder: Path, *, keys: RespondentKeys | None = None) -> bool:
    """Whether a state's `folder` key is `folder`'s: keyed with the salt of `keys`, salted
    (`folder_key`), or the unsalted hash a state saved before 2026-12-07's later change holds."""
    if key.startswith(KEYED):
        return keys is not None and keys.kept_apart and key == _keyed(folder, keys)
    salt, _, _ = key.rpartition(":")
    if not salt:
        return key == hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    try:
        return key == _salted(folder, salt)
    except ValueError:  # a salt that is no hex: another key
        return False


def _salted(folder: Path, salt: str) -> str:
    digest = hashlib.blake2b(str(folder.resolve()).encode(), key=bytes.fromhex(salt), digest_size=16)
    return f"{salt}:{digest.hexdigest()}"


def _keyed(folder: Path, keys: RespondentKeys) -> str:
    digest = hashlib.blake2b(str(folder.resolve()).encode(), key=keys.salt.encode()[:64], person=b"cxbridge folder",
                             digest_size=16)  # fmt: skip
    return KEYED + digest.hexdigest()


def saved_for(
    saved: Any, identities: Collection[str], *, folder: Path | None = None, keys: RespondentKeys | None = None
) -> Any:
    """`saved`, unless it is the state of a file of none of `identities`, or — found by a name
    that is a path from `folder` — saved for that path from another folder (then None; `keys` as
    for `names_folder`): a file is passed over or read on only from a state of that file, whose
    rows it passes over are stored under the ids they have in it. A state without an identity or
    a folder (saved before 2026-12-07) is taken as before."""
    if not isinstance(saved, dict):
        return saved
    identity, saved_in = saved.get("identity"), saved.get("folder")
    if identity is not None and identity not in identities:
        return None
    if folder is not None and saved_in is not None and not names_folder(str(saved_in), folder, keys=keys):
        return None
    return saved


def plan(file: SourceFile, saved: Any, config: str, *, appendable: bool, by_content: bool = False) -> Plan:
    """What to do with `file` given what the cursor `saved` of it; `appendable` says whether
    the source may read on an appended file (a delimited file); `by_content` that `saved` may be
    another file's of the same name, so that only the file's bytes, never its size and time, say
    it is unchanged. A file whose bytes cannot be read now is read whole, where reading it names
    the reason."""
    try:
        return _plan(file, saved, config, appendable=appendable, by_content=by_content)
    except OSError:
        return Plan("whole")


def _plan(file: SourceFile, saved: Any, config: str, *, appendable: bool, by_content: bool) -> Plan:
    stat = file.path.stat()
    if isinstance(saved, str):  # the mark of an earlier version: the hash of the whole file and the mapping
        return (
            Plan("skip")
            if saved == f"{_sha256(file.path, stat.st_size, stat.st_mtime_ns, None)}:{config}"
            else Plan("whole")
        )
    state = FileState.from_cursor(saved)
    if state is None or state.config != config:
        return Plan("whole")
    if stat.st_size == state.size:
        if (
            (stat.st_mtime_ns == state.mtime_ns and not by_content)
            or _sha256(file.path, stat.st_size, stat.st_mtime_ns, None) == state.sha256
        ):
            return Plan("skip", FileState(**{**state.__dict__, "mtime_ns": stat.st_mtime_ns}))
        return Plan("whole")
    if (
        appendable and stat.st_size > state.size and state.resume is not None
        and _sha256(file.path, stat.st_size, stat.st_mtime_ns, state.resume[0]) == state.prefix_sha256
    ):  # fmt: skip
        return Plan("resume", state)
    return Plan("whole")


def state_after_read(
    file: SourceFile, config: str, *, whole: tuple[int, int, int] | None, date_order: str | None,
    keys: str | None = None, identity: str | None = None, folder: str | None = None,
    labels: dict[str, Any] | None = None,
) -> FileState:  # fmt: skip
    """The state to save of a file just read; `whole` is where its last whole record ended
    (None for files not read on: workbooks, JSON exports); `keys` names the key table of the
    rows up to there, and `labels` their scored columns' text answers; `identity` is the file's,
    as the cursor names files, and `folder` the `folder_key` of the folder its name is a path
    from (an import's)."""
    stat = file.path.stat()
    total, prefix = hashlib.sha256(), None
    with file.path.open("rb") as handle:
        if whole is not None:
            _digest(handle, total, whole[0])
            prefix = total.hexdigest()
        _digest(handle, total, None)
    return FileState(config=config, size=stat.st_size, mtime_ns=stat.st_mtime_ns, sha256=total.hexdigest(),
                     resume=whole, prefix_sha256=prefix, date_order=date_order, keys=keys, identity=identity,
                     folder=folder, labels=labels if whole is not None else None)  # fmt: skip


@lru_cache(maxsize=64)
def _sha256(path: Path, size: int, mtime_ns: int, length: int | None) -> str:
    """The hash of the file's first `length` bytes (all of them for None); kept for the run by
    the file's size and time, so the check pass and the read hash a file once."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        _digest(handle, digest, length)
    return digest.hexdigest()


def _digest(handle: Any, digest: Any, length: int | None) -> None:
    left = length
    while left is None or left > 0:
        chunk = handle.read(_BLOCK if left is None else min(_BLOCK, left))
        if not chunk:
            return
        digest.update(chunk)
        if left is not None:
            left -= len(chunk)
