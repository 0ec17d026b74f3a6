"""What destinations kept in local files share: the path in their URL, and the lock file beside
them that lets one sync or whole-destination command write at a time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from filelock import FileLock, Timeout

from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError


def path_of(url: str, base_dir: Path, *, kind: str, example: str) -> Path:
    """`scheme:///relative/path` (against `base_dir`) or `scheme:////absolute/path` as a path."""
    parts = urlsplit(url)
    raw = parts.path[1:] if parts.path.startswith("/") else parts.path
    if parts.netloc or not raw:
        raise ConfigError(f"{url!r} is not a {kind} URL; write e.g. {example}")
    path = Path(raw).expanduser()
    return path if path.is_absolute() else base_dir / path


@contextmanager
def file_lock(target: Path, *, wait: float = 0) -> Iterator[None]:
    """Exclusive right to write `target` (a file or folder), through `<target>.lock` beside it.

    The lock sits beside the file the path leads to (symlinks and `..` resolved), so every
    spelling of one destination queues behind the same lock."""
    real = target.resolve()
    lock_path = _lock_path(real)
    lock = FileLock(lock_path)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=wait)
    except Timeout:
        raise DestinationLockedError.refusal(f"to {_spelled(target, real)}", waited=wait, any_command=True) from None
    except OSError as exc:
        raise DestinationError(f"cannot write {_spelled(target, real)}: {_refusing(lock_path, exc)}") from None
    try:
        yield
    finally:
        lock.release()


def file_lock_held(target: Path) -> bool:
    """Whether a sync holds `target`'s lock now. It is tried and at once let go (a sync starting
    in that instant without --wait would find it taken); the lock of a process that was killed
    is free, as the system lets go of it with the process."""
    lock_path = _lock_path(target.resolve())
    if not lock_path.exists():
        return False
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def _refusing(lock_path: Path, exc: OSError) -> str:
    """What on the way to the lock file refuses it — a file where a folder should be, a folder or
    lock file this account may not write — and what to do."""
    folder = next(path for path in lock_path.parents if path.exists())
    if not folder.is_dir():
        return f"{folder} is a file, not a folder: move it away, or pick another path"
    if lock_path.exists() and not os.access(lock_path, os.W_OK):
        return f"its lock file {lock_path} is read-only: give this account write access to it and run again"
    if isinstance(exc, PermissionError):
        return f"the folder {folder} is read-only: give this account write access to it and run again, or pick another path"
    return f"{exc.strerror or exc} ({lock_path})"


def _lock_path(real: Path) -> Path:
    return real.with_name(real.name + ".lock")


def _spelled(target: Path, real: Path) -> str:
    """The path as the user wrote it, and where it leads when that differs."""
    return str(target) if target.absolute() == real else f"{target} (that is, {real})"
