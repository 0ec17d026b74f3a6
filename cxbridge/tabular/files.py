"""The files of a file source: a path, a glob (`data/*.xlsx`, `exports/**/*.csv`) or a folder,
each with its identity — its path below the pattern's fixed part — which is part of the
record ids of rows that have no id of their own, so that the same file keeps its ids whether
it is imported from the command line or synced from a configuration elsewhere. The cursor keeps
a file's state by its identity too, but for a file of `cxbridge import` (`cursor_name`)."""

from __future__ import annotations

import difflib
import glob
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cxbridge.errors import FatalSourceError, SourceError
from cxbridge.tabular.json_records import JSON_SUFFIXES
from cxbridge.tabular.workbook import WORKBOOK_SUFFIXES

TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | WORKBOOK_SUFFIXES | JSON_SUFFIXES


@dataclass(frozen=True)
class SourceFile:
    path: Path
    identity: str  # e.g. "responses.csv" or "2019/responses.xlsx"
    names_read: Callable[..., None] | None = field(default=None, compare=False, repr=False)
    """Told the names the file holds — a workbook's sheets (`sheets=True`), each table's columns —
    as soon as they are read, before any message names one (the file stream names one holding an
    address by its key: docs/security.md)."""
    cursor_name: str | None = None
    """The name the cursor keeps the file's state by when it is not the identity: a file of
    `cxbridge import` is its only file, named by its path from the project's folder, as the
    import's `responses.csv` of two monthly folders are two files (the identity says only
    `responses.csv`)."""

    @property
    def in_cursor(self) -> str:
        return self.cursor_name or self.identity

    @property
    def kind(self) -> str:
        """`delimited`, `workbook` or `json`, by the file's extension."""
        suffix = self.path.suffix.lower()
        if suffix in WORKBOOK_SUFFIXES:
            return "workbook"
        if suffix in JSON_SUFFIXES:
            return "json"
        return "delimited"


class NoFileMatches(FatalSourceError):
    """`path` names no file today — an export folder still empty: a sync fails this source alone
    (as a refused credential), the others sync; `cxbridge check` shows it as a problem."""


def find_files(pattern: str, base_dir: Path, *, what: str = "file") -> list[SourceFile]:
    """Every file the pattern names, sorted, each with its identity."""
    full = Path(pattern).expanduser()
    full = full if full.is_absolute() else base_dir / full
    if full.is_dir():
        root, matches = full, sorted(p for p in full.rglob("*") if p.is_file() and _supported(p))
    elif glob.has_magic(str(full)):
        root = _fixed_part(full)
        found = (Path(p) for p in glob.glob(str(full), recursive=True))
        matches = sorted(p for p in found if p.is_file() and not _owner_file(p))
    else:
        root, matches = full.parent, [full] if full.is_file() else []
    if not matches:
        raise NoFileMatches(
            f"no {what} matches {pattern!r} (looked in {base_dir})"
            f"{_meant(pattern, full) or '; put the files there, or correct path'}"
        )
    return [SourceFile(path, path.relative_to(root).as_posix()) for path in matches]


def _meant(pattern: str, full: Path) -> str:
    """`; did you mean 'data/responses.csv'?` for a file name misspelt beside the file meant —
    never a name holding an address, which messages show only hashed (docs/security.md)."""
    if glob.has_magic(pattern) or not full.parent.is_dir():
        return ""
    names = [p.name for p in full.parent.iterdir() if p.is_file() and _supported(p) and "@" not in p.name]
    close = difflib.get_close_matches(full.name, names, n=1, cutoff=0.8)
    return f"; did you mean {(Path(pattern).parent / close[0]).as_posix()!r}?" if close else ""


def identities(pattern: str, base_dir: Path) -> dict[Path, str]:
    """The identity of each file `pattern` names (as a sync of that `path` knows it), by its
    resolved path; none when it names no file."""
    try:
        found = find_files(pattern, base_dir)
    except SourceError:
        return {}
    return {file.path.resolve(): file.identity for file in found}


def below(path: Path, root: Path) -> str:
    """The path from `root` (`..` where it is outside; the path itself on another drive)."""
    try:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def require_readable(file: SourceFile) -> None:
    """An error naming the file when the account running cxbridge may not read it (its
    permissions, or a program holding it locked), before any reader is asked to open it."""
    try:
        with file.path.open("rb"):
            pass
    except OSError as exc:
        raise SourceError(
            f"{file.identity}: cannot read it ({exc.strerror}); give the account that runs cxbridge read access to "
            "it (or close the program that holds it locked), then run again"
        ) from None


def nothing_in(file: SourceFile) -> str:
    """Why a file gives no row, naming it: empty, or a header without rows below it."""
    if file.path.stat().st_size == 0:
        return f"{file.identity}: the file is empty (0 bytes)"
    return f"{file.identity}: no rows {'in any sheet' if file.kind == 'workbook' else 'below the header'}"


def _fixed_part(pattern: Path) -> Path:
    parts = []
    for part in pattern.parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    return Path(*parts)


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(".") and not _owner_file(path)


def _owner_file(path: str | Path) -> bool:
    """Whether the file is the `~$name.xlsx` Office keeps beside a workbook while it is open: a
    few bytes naming who opened it, never a workbook (glob's `*` matches it)."""
    return Path(path).name.startswith("~$")
