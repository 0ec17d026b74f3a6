"""Running a command in a real pseudo-terminal of a given width, as a person at a terminal would,
and reading what it printed (colours taken out)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_in_terminal(args: list[str], *, cwd: Path, columns: int = 100, env: dict[str, str] | None = None) -> str:
    """What `args` printed on a terminal `columns` wide (stdout and stderr, in order)."""
    environment = {key: value for key, value in (env or os.environ).items() if key not in ("COLUMNS", "LINES")}
    environment |= {"TERM": "xterm-256color"}
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    process = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, cwd=cwd, env=environment)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the program ended and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(main)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", errors="replace")).replace("\r\n", "\n")
