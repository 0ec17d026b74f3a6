"""A plugin author's environment: a new virtual environment that sees none of this one's
packages, with cxbridge installed from this checkout (a wheel built from a clean copy of it, as
`pip install path/to/cxbridge` builds one) and then the plugin with its `[test]` extra.

Packages come from a wheelhouse filled once per test module by `pip wheel` (from pip's cache, or
PyPI on a fresh machine), so that each environment then installs offline in seconds; cxbridge is
installed once per module, in an environment each plugin's author then gets a copy of."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNTRACKED = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.db")


def pip(*args: str, python: Path | None = None) -> None:
    """This environment's pip, for `python` (another environment's interpreter) when given."""
    command = [sys.executable, "-m", "pip", *(["--python", str(python)] if python else []), *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")


def build_cxbridge_wheel(folder: Path) -> Path:
    """The wheel of this checkout, built from a clean copy (no stale build/ leaks into it)."""
    tree = folder / "tree" / "cxbridge"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*UNTRACKED))
    pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder), str(tree))  # setuptools is in [test]
    shutil.rmtree(folder / "tree")
    [built] = folder.glob("cxbridge-*.whl")
    return built


class Wheelhouse:
    """cxbridge's wheel and every package the given plugins' `[test]` extras need, as wheels."""

    def __init__(self, folder: Path, plugins: list[Path]):
        self.folder = folder
        self.cxbridge = build_cxbridge_wheel(folder)
        # setuptools: the plugins' build backend, for their editable installs without an index
        pip("wheel", "-q", "--no-build-isolation", "-w", str(folder), f"{self.cxbridge}[testing]", "setuptools>=70.1",
            *(f"{plugin}[test]" for plugin in plugins))  # fmt: skip


class FreshVenv:
    def __init__(self, path: Path, *, create: bool = True):
        self.path = path
        if create:
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
        self.python = path / "bin" / "python"

    def install_cxbridge(self, wheelhouse: Wheelhouse) -> None:
        """docs/plugins.md, step 1, first half: cxbridge from its checkout (its wheel)."""
        pip(*_offline(wheelhouse), str(wheelhouse.cxbridge), python=self.python)

    def install_plugin(self, plugin: Path, wheelhouse: Wheelhouse) -> None:
        """docs/plugins.md, step 1, second half: the plugin, editable, with its `[test]` extra."""
        pip(*_offline(wheelhouse), "-e", f"{plugin}[test]", python=self.python)

    def copy(self, path: Path) -> FreshVenv:
        """This environment copied to `path` (a folder not there yet), with what it has installed
        and nothing else: 0.5 s of CPU, where installing cxbridge again took 3.5 s. Its
        scripts (`bin/pytest`, `bin/cxbridge`, `activate`) name the copy, not this environment."""
        shutil.copytree(self.path, path, symlinks=True)
        old, new = str(self.path).encode(), str(path).encode()
        for file in [path / "pyvenv.cfg", *(path / "bin").iterdir()]:
            if file.is_file() and not file.is_symlink() and old in (text := file.read_bytes()):
                file.write_bytes(text.replace(old, new))
        return FreshVenv(path, create=False)

    def run_python(self, code: str) -> str:
        """`python -c code` in the environment, from its own folder (not this checkout's)."""
        run = subprocess.run([str(self.python), "-c", code], cwd=self.path, capture_output=True, text=True, env=_clean_env())
        assert run.returncode == 0, run.stderr[-3000:]
        return run.stdout

    def pytest(self, folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=folder, capture_output=True, text=True, env=_clean_env(), timeout=300,
        )  # fmt: skip


def _offline(wheelhouse: Wheelhouse) -> tuple[str, ...]:
    return ("install", "-q", "--no-compile", "--no-index", "--find-links", str(wheelhouse.folder))


def _clean_env() -> dict[str, str]:
    """This process's environment without what would change what the new environment imports or runs."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CXBRIDGE_", "PYTEST_", "PYTHONPATH", "VIRTUAL_ENV"))}
