"""The `cxbridge` program: starts the command line with nothing imported yet but this, so that
Ctrl-C while it loads (modules, plugins) ends as quietly as Ctrl-C during a command."""

from __future__ import annotations

import sys

INTERRUPTED = 130  # the shell's code for a program ended by SIGINT


def main() -> None:
    try:
        from cxbridge.cli.main import main as run

        run()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(INTERRUPTED)
