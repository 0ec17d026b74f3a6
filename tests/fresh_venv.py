"""A fresh virtual environment that sees this environment's packages (cxbridge included) but
not its installed plugins' state: what a plugin author has after `python -m venv` + `pip install`."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path


class FreshVenv:
    def __init__(self, path: Path):
        self.path = path
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
        self.python = path / "bin" / "python"
        site = Path(self.run_python("import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
        outer = [sysconfig.get_paths()["purelib"], *(p for p in sys.path if p.endswith("site-packages"))]
        lines = [f"import site; site.addsitedir({folder!r})\n" for folder in dict.fromkeys(outer)]
        (site / "outer_environment.pth").write_text("".join(lines), encoding="utf-8")

    def run_python(self, code: str) -> str:
        return subprocess.run([str(self.python), "-c", code], check=True, capture_output=True, text=True).stdout

    def pip_install_editable(self, package: Path) -> None:
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(self.python), "install", "--quiet", "--no-deps",
             "--no-build-isolation", "--no-index", "-e", str(package)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip

    def pytest(self, folder: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CXBRIDGE_", "PYTEST_"))}
        return subprocess.run(
            [str(self.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=folder, capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
