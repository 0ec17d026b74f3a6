"""The `cxbridge` program: starts the command line with nothing imported yet but this, so that
Ctrl-C while it loads (modules, plugins) ends as quietly as Ctrl-C during a command, and SIGTERM
ends a command as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, NoReturn

INTERRUPTED = 130  # the shell's code for a program ended by SIGINT
TERMINATED = 143  # … and by SIGTERM
READER_GONE = 141  # the shell's code for a program ended by SIGPIPE, as `yes | head -1` ends


class Terminated(KeyboardInterrupt):
    """SIGTERM asked the program to stop — `timeout`, `docker stop`, `systemctl stop`, a scheduler
    cancelling the task — and it stops as after Ctrl-C: the batch being written rolled back, every
    committed one kept, the run recorded as interrupted with this reason."""

    def __init__(self) -> None:
        super().__init__("stopped by SIGTERM (a timeout, docker stop, or the scheduler cancelling the task)")


def _terminate(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the program at once
    raise Terminated


def main() -> None:
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:  # one the parent ignores stays ignored, as Python leaves SIGINT
        signal.signal(signal.SIGTERM, _terminate)
    try:
        from cxbridge.cli.main import main as run

        run()
    except KeyboardInterrupt:
        end_interrupted()
    except BrokenPipeError:
        end_reader_gone()


def end_interrupted() -> NoReturn:
    """Ctrl-C (or SIGTERM) before a command started doing anything: nothing to keep, nothing to say
    but that."""
    sys.stderr.write("interrupted\n")
    sys.exit(interrupted_code())


def interrupted_code() -> int:
    """The exit code of the interruption being handled: SIGTERM's or Ctrl-C's."""
    return TERMINATED if isinstance(sys.exception(), Terminated) else INTERRUPTED


def end_reader_gone() -> NoReturn:
    """The program reading the output stopped (`cxbridge report --format csv | head -3`): it had
    what it wanted, so nothing is said; what is left to print goes nowhere."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout once more at exit
    sys.exit(READER_GONE)
