"""What destinations kept in local files share: the path in their URL, a new file written whole
from a template, and the lock file beside them that lets one sync or whole-destination command
write at a time, with a holder file beside it naming the command that holds it, for the refusal
of another."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from filelock import FileLock, Timeout

from cxbridge.errors import ConfigError, DestinationError, DestinationLockedError


def path_of(url: str, base_dir: Path, *, kind: str, example: str) -> Path:
    """`scheme:///relative/path` (against `base_dir`) or `scheme:////absolute/path` as a path;
    `scheme:/srv/x.db`, meant as absolute or not, is neither."""
    parts = urlsplit(url)
    if parts.netloc or not url.partition(":")[2].startswith("///") or len(parts.path) < 2:
        raise ConfigError(f"{url!r} is not a {kind} URL; write e.g. {example}")
    path = Path(parts.path[1:]).expanduser()
    return path if path.is_absolute() else base_dir / path


def refuse_a_missing_folder(given: str, folder: Path) -> None:
    """What cxbridge writes goes into a folder that is there (`given`: the option or setting naming
    it): a typo'd folder made by a scheduled job would be a new, empty database (the Python API's
    `destination=` makes its folder)."""
    if not folder.exists():  # one in the way as a file is said when it is written (`file_lock`, `written_by_name`)
        raise ConfigError(f"{given}: the folder {folder} does not exist; create it first, or pick another path")


@contextmanager
def written_by_name(given: str, *, kept: Sequence[Path] = ()) -> Iterator[None]:
    """Writing a file the user named (`given`: the option naming it): a folder that takes no new
    file (Linux's /proc, one not writable, a file in its way) is said with the path and what to do, not
    the system's `[Errno …]`; `kept`, the files written before it, which stay."""
    try:
        yield
    except OSError as exc:
        path = Path(exc.filename) if exc.filename else None
        if path is None or exc.errno not in _NO_NEW_FILE:
            raise
        stays = f" ({', '.join(map(str, kept))} written before it, kept)" if kept else ""
        raise ConfigError(f"{given}: cannot write {path} ({exc.strerror}): the folder {path.parent} takes no new "
                          f"file; pick a folder you may write to{stays}") from None  # fmt: skip


def made_whole(path: Path, contents: Callable[[], bytes], *, failures: tuple[type[Exception], ...] = ()) -> bool:
    """Whether a new file holding `contents()` (a template's bytes) was made at `path`: written
    under a hidden name beside it and linked to `path` only if nothing is there, so it appears
    whole and another process's file, made meanwhile, is never replaced. False where a file is
    there, the folder cannot take or link one, or `contents` raised one of `failures`: the caller
    then sets the file up as before (and names what failed)."""
    if path.exists():
        return False
    copy = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    try:
        data = contents()
        with os.fdopen(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as file:  # the engines' mode
            file.write(data)
        os.link(copy, path)
        return True
    except (OSError, *failures):
        return False
    finally:
        with suppress(OSError):
            copy.unlink()


_NO_NEW_FILE = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR}  # a full disk says so itself


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
        if not lock_path.exists():  # no holder: a folder that makes no file (/proc), which filelock waits on as held
            raise DestinationError(f"cannot write {_spelled(target, real)}: the folder {lock_path.parent} takes no "
                                   f"new file (its lock, {lock_path.name}): pick another path") from None  # fmt: skip
        holder = _holder(lock_path)
        raise DestinationLockedError.refusal(f"to {_spelled(target, real)}", waited=wait, holder=holder, any_command=True) from None
    except OSError as exc:
        raise DestinationError(f"cannot write {_spelled(target, real)}: {_refusing(lock_path, exc)}") from None
    _write_holder(lock_path)
    try:
        yield
    finally:
        _holder_path(lock_path).unlink(missing_ok=True)
        lock.release()


def lock_holder(target: Path) -> str:
    """Who holds `target`'s lock, as its holder file names them (`cxbridge sync, pid 4242, holding
    it since …`); "" where none is believed."""
    return _holder(_lock_path(target.resolve()))


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


def _write_holder(lock_path: Path) -> None:
    """Who holds the lock now, in `<lock>.holder` beside it (the lock file itself is emptied by
    each process that tries it): the command, this process's id, start time (`_started`) and
    host, and since when — for the refusal of another (`_holder`). The lock is what keeps others
    out: a holder file that cannot be written only leaves refusals without a name."""
    holder = {"command": _command(), "pid": os.getpid(), "started": _started(os.getpid()), "host": socket.gethostname(),
              "since": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}  # fmt: skip
    try:
        _holder_path(lock_path).write_text(json.dumps(holder), encoding="utf-8")
    except OSError:
        pass


def _holder(lock_path: Path) -> str:
    """The holder of a lock that was refused, as its holder file names it (`cxbridge erase, pid
    4242, holding it since 2026-12-07 10:40:03 UTC`); "" where none is believed — no file, one
    being written, one left by a process that was killed (its id no longer running here, or
    now another process's: `_started` differs) or written on another host, whose process this
    one cannot look at."""
    try:
        holder = json.loads(_holder_path(lock_path).read_text(encoding="utf-8"))
        command, pid, host, since = holder["command"], int(holder["pid"]), holder["host"], holder["since"]
    except (OSError, ValueError, TypeError, KeyError):
        return ""
    if host != socket.gethostname() or not _running(pid, started=holder.get("started")):
        return ""
    return f"{command}, pid {pid}, holding it since {since}"


def _running(pid: int, *, started: str | None) -> bool:
    """Whether process `pid` runs, and is the one that started at `started` (None: not known, as
    in a holder file of an older cxbridge or another system — the id alone is believed)."""
    try:
        os.kill(pid, 0)
    except PermissionError:  # another account's process
        pass
    except OSError:
        return False
    now = _started(pid) if started is not None else None
    return now is None or now == started


def _started(pid: int) -> str | None:
    """When process `pid` started, in the system's clock ticks since boot (Linux's
    /proc/<pid>/stat), which tells it from a later process given the same id; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        return stat.rpartition(")")[2].split()[19]  # field 22: after the name (in parentheses), the 20th
    except (OSError, IndexError):
        return None


def _command() -> str:
    """The command holding the lock, as typed without its arguments (`cxbridge erase`, `cxbridge
    quarantine replay`: a contact or a key given to it is no business of the holder file), or
    the Python program calling cxbridge (`nightly.py`, `python`)."""
    import click

    context, names = click.get_current_context(silent=True), []
    while context is not None and context.parent is not None:
        names.insert(0, context.info_name or "")
        context = context.parent
    if names:
        return " ".join(["cxbridge", *names])
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] not in ("", "-c") else None
    if program is None:
        return "python"
    return f"python -m {program.parent.name}" if program.name == "__main__.py" else program.name


def _holder_path(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".holder")


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
