"""The `cxbridge` program: starts the command line with nothing imported yet but this, so that
Ctrl-C while it loads (modules, plugins) ends as quietly as Ctrl-C during a command."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

INTERRUPTED = 130  # the shell's code for a program ended by SIGINT
READER_GONE = 141  # the shell's code for a program ended by SIGPIPE, as `yes | head -1` ends


def main() -> None:
    try:
        from cxbridge.cli.main import main as run

        run()
    except KeyboardInterrupt:
        end_interrupted()
    except BrokenPipeError:
        end_reader_gone()


def end_interrupted() -> NoReturn:
    """Ctrl-C before a command started doing anything: nothing to keep, nothing to say but that."""
    sys.stderr.write("interrupted\n")
    sys.exit(INTERRUPTED)


def end_reader_gone() -> NoReturn:
    """The program reading the output stopped (`cxbridge report --format csv | head -3`): it had
    what it wanted, so nothing is said; what is left to print goes nowhere."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout once more at exit
    sys.exit(READER_GONE)
