"""The `cxbridge` program: starts the command line with nothing imported yet but this, so that
Ctrl-C while it loads (modules, plugins) ends as quietly as Ctrl-C during a command."""

from __future__ import annotations

import sys
from typing import NoReturn

INTERRUPTED = 130  # the shell's code for a program ended by SIGINT


def main() -> None:
    try:
        from cxbridge.cli.main import main as run

        run()
    except KeyboardInterrupt:
        end_interrupted()


def end_interrupted() -> NoReturn:
    """Ctrl-C before a command started doing anything: nothing to keep, nothing to say but that."""
    sys.stderr.write("interrupted\n")
    sys.exit(INTERRUPTED)
