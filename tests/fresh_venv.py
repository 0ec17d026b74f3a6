"""A plugin author's environment: a new virtual environment that sees none of this one's
packages, with cxbridge installed from this checkout (a wheel built from a clean copy of it, as
`pip install path/to/cxbridge` builds one) and then the plugin with its `[test]` extra.

Packages come from a wheelhouse filled once per test module with the wheel of cxbridge and, packed
again as wheels, the distributions this environment has installed that cxbridge and the plugins
require (with their extras, markers evaluated here): no index is read — `pip wheel` resolving
against one cost 9 s of CPU, most of it pip matching tags of tens of thousands of files — and pip
still resolves each install from what the packages declare, offline; cxbridge is installed once
per module, in an environment each plugin's author then gets a copy of."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
UNTRACKED = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.db")


def pip(*args: str, python: Path | None = None) -> subprocess.CompletedProcess:
    """This environment's pip, for `python` (another environment's interpreter, in the
    environment it runs with) when given."""
    command = [sys.executable, "-m", "pip", *(["--python", str(python)] if python else []), *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, env=_clean_env() if python else None)
    if run.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    return run


def build_cxbridge_wheel(folder: Path) -> Path:
    """The wheel of this checkout, built from a clean copy (no stale build/ leaks into it); what the
    build printed is kept beside it in build-output.txt."""
    tree = folder / "tree" / "cxbridge"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(*UNTRACKED))
    run = pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder), str(tree))  # setuptools is in [test]
    (folder / "build-output.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    shutil.rmtree(folder / "tree")
    [built] = folder.glob("cxbridge-*.whl")
    return built


class Wheelhouse:
    """cxbridge's wheel, and every package it (with `[testing]`, the plugins' extras of it) and the
    given plugins' `[test]` extras need, as wheels packed from this environment."""

    def __init__(self, folder: Path, plugins: list[Path]):
        self.folder = folder
        self.cxbridge = build_cxbridge_wheel(folder)
        declared = [Requirement("setuptools>=70.1")]  # the plugins' build backend, for their editable installs offline
        for plugin in plugins:
            project = tomllib.loads((plugin / "pyproject.toml").read_text(encoding="utf-8"))["project"]
            declared += map(Requirement, [*project["dependencies"], *project["optional-dependencies"]["test"]])
        extras = {"testing"}.union(*(r.extras for r in declared if r.name == "cxbridge"))
        with zipfile.ZipFile(self.cxbridge) as wheel:
            [metadata] = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
            requires = wheel.read(metadata).decode().splitlines()
        needs = [Requirement(line.split(": ", 1)[1]) for line in requires if line.startswith("Requires-Dist: ")]
        needed = [r for r in needs if _applies(r, extras)] + [r for r in declared if r.name != "cxbridge"]
        for dist in _installed_closure(needed):
            _pack(dist, folder)


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether `requirement` is needed here when its distribution is installed with `extras`."""
    marker = requirement.marker
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in {"", *extras})


def _installed_closure(requirements: list[Requirement]) -> list[Distribution]:
    """The installed distributions `requirements` name, and those they need in turn."""
    extras: dict[str, set[str]] = {}
    found: dict[str, Distribution] = {}
    todo = list(requirements)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found and requirement.extras <= extras[name]:
            continue
        extras[name] = extras.get(name, set()) | requirement.extras
        try:
            found[name] = distribution(name)
        except PackageNotFoundError:
            raise AssertionError(f"the plugin authors' environments need {requirement}, not installed here") from None
        todo += [r for r in map(Requirement, found[name].requires or []) if _applies(r, extras[name])]
    return list(found.values())


def _pack(dist: Distribution, folder: Path) -> None:
    """The installed `dist` as the wheel it was installed from, stored uncompressed: its files
    under site-packages (scripts pip writes again from entry_points.txt) and its metadata."""
    info = next(f for f in dist.files if f.parent.name.endswith(".dist-info")).parent
    tags = [line.removeprefix("Tag: ") for line in dist.read_text("WHEEL").splitlines() if line.startswith("Tag: ")]
    tag = "-".join(".".join(dict.fromkeys(part)) for part in zip(*(t.split("-") for t in tags)))
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    skipped = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    files = [f for f in dist.files if not f.parts[0] == ".." and "__pycache__" not in f.parts
             and not (f.parent == info and f.name in skipped)]  # fmt: skip
    record = []
    with zipfile.ZipFile(folder / f"{name}-{dist.version}-{tag}.whl", "w", zipfile.ZIP_STORED) as wheel:
        for file in files:
            data = Path(dist.locate_file(file)).read_bytes()
            wheel.writestr(file.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{file.as_posix()},sha256={digest},{len(data)}\n")
        wheel.writestr(f"{info.as_posix()}/RECORD", "".join(record) + f"{info.as_posix()}/RECORD,,\n")


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
        and nothing else: its files hard-linked (its 100 MB copied took 1.8 s of CPU, installing
        cxbridge again 3.5 s) — pip and Python replace a file rather than write into it, so
        neither environment changes the other's. Its scripts (`bin/pytest`, `bin/cxbridge`,
        `activate`) name the copy, not this environment: written anew, not through their links."""
        shutil.copytree(self.path, path, symlinks=True, copy_function=os.link)
        old, new = str(self.path).encode(), str(path).encode()
        for file in [path / "pyvenv.cfg", *(path / "bin").iterdir()]:
            if file.is_file() and not file.is_symlink() and old in (text := file.read_bytes()):
                mode = file.stat().st_mode
                file.unlink()
                file.write_bytes(text.replace(old, new))
                file.chmod(mode)
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
    """This process's environment without what would change what the new environment imports or
    runs, nor the PYTHONPYCACHEPREFIX tests/conftest.py sets: the new environment's modules are
    compiled beside them, in its own temporary folder — under the prefix, in this environment's
    pycache/, each run of test_scaffold left ≈ 31 MB (its two environments' and pip's build
    environments' modules, at paths never used again)."""
    unset = ("CXBRIDGE_", "PYTEST_", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONPYCACHEPREFIX")
    return {k: v for k, v in os.environ.items() if not k.startswith(unset)}
