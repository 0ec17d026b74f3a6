"""Commands run as an account whose file permissions hold: root, which reads and writes any file,
runs them without the capabilities that let it (setpriv), so that a test of a file without read
or write access means the same under root (containers, CI) as under a user."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


from tests.conftest import ROOT
from tests.services import service_missing

CAPABILITIES = "-dac_override,-dac_read_search,-fowner"
WITHOUT_OVERRIDES = [f"--bounding-set={CAPABILITIES}", f"--inh-caps={CAPABILITIES}"]


def cxbridge(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m cxbridge ARGS` in `cwd`, file permissions holding."""
    command = [sys.executable, "-m", "cxbridge", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            service_missing("running as root without setpriv (util-linux), which the test needs to drop its file access")
        command = [setpriv, *WITHOUT_OVERRIDES, *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def said(result: subprocess.CompletedProcess) -> str:
    """What the command printed, on either stream, its white space as one space."""
    return " ".join((result.stdout + result.stderr).split())
