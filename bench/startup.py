"""Benchmark: how long `cxbridge --version`, `--help`, `status` and `report` take, against Python
starting in the same run.

Each command runs N times, the commands taking turns (so a load that comes and goes falls on
all of them alike), each as a fresh process: the program users run (the `cxbridge` script
beside this Python, else `python -m cxbridge`). `status` and `report` read the README's example
(examples/ copied to a temporary folder and synced there once, not counted). Baselines:
`python -c pass` (the interpreter) and `python -c "import click"` (the interpreter and the
command-line library, the floor of any click program). CPU time (user + system of the child) is
the figure compared, as other work on a shared machine stretches wall-clock time; medians of
both are printed. With `--before PYTHON` (another checkout's virtual environment) its `cxbridge`
takes the same turns, so that a change is measured against the code before it in one run.

Compiled modules are what users run (pip writes them): where PYTHONDONTWRITEBYTECODE is set,
the children write theirs under the temporary folder (PYTHONPYCACHEPREFIX) on a first run that
is not counted, else every run would compile cxbridge from source.

    python bench/startup.py --runs 20
    python bench/startup.py --runs 7 --before ../main/.venv/bin/python

The last line is machine-readable:
    runs=N pass_cpu=… click_cpu=… version_cpu=… help_cpu=… status_cpu=… report_cpu=…
    version_ratio=… help_ratio=…
where the ratios are against `import click`. Target: `--version` and `--help` each ≤ 2.5× (about
0.3 s where click imports in 0.12 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 2.5
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def cxbridge_program(python: str = sys.executable) -> list[str]:
    """The `cxbridge` script installed beside `python`, else the module."""
    script = shutil.which("cxbridge", path=str(Path(python).parent))
    return [script] if script else [python, "-m", "cxbridge"]


def child_environment(folder: Path) -> dict[str, str]:
    """This environment, with compiled modules written (under `folder` if they may not be written
    beside the sources)."""
    env = dict(os.environ)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None and "PYTHONPYCACHEPREFIX" not in env:
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def measure(command: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `command` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command (default 20)")
    parser.add_argument(
        "--before", metavar="PYTHON", help="another checkout's Python, whose cxbridge takes the same turns"
    )
    args = parser.parse_args()
    commands = {"pass": [sys.executable, "-c", "pass"], "click": [sys.executable, "-c", "import click"]}
    shown = {"pass": "python -c pass", "click": 'python -c "import click"'}
    programs = {"": cxbridge_program(), **({"before_": cxbridge_program(args.before)} if args.before else {})}
    with tempfile.TemporaryDirectory() as folder:  # no cxbridge.toml around
        env = child_environment(Path(folder))
        config = str(Path(folder, "examples", "cxbridge.toml"))
        shutil.copytree(EXAMPLES, Path(folder, "examples"), ignore=shutil.ignore_patterns("*.db", "plugins"))
        for prefix, program in programs.items():
            for name, words in (("version", ["--version"]), ("help", ["--help"]),
                                ("status", ["status", "--config", config]), ("report", ["report", "--config", config])):
                commands[prefix + name] = [*program, *words]
                shown[prefix + name] = f"{'before: ' if prefix else ''}cxbridge {words[0]}"
        sync = [*programs[""], "-q", "sync", "--config", config]
        subprocess.run(sync, env=env, check=True, stdout=subprocess.DEVNULL)
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for name, command in commands.items():
            measure(command, cwd=Path(folder), env=env)  # compile and warm the file cache; not counted
        for _ in range(args.runs):
            for name, command in commands.items():
                timings[name].append(measure(command, cwd=Path(folder), env=env))
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in timings.items()}
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in timings.items()}
    print(f"{'command':<28}{'CPU (median)':>14}{'wall (median)':>15}{'÷ import click':>16}")
    for name in commands:
        print(f"{shown[name]:<28}{cpu[name]:>12.3f} s{wall[name]:>13.3f} s{cpu[name] / cpu['click']:>15.2f}×")
    ratios = {name: cpu[name] / cpu["click"] for name in ("version", "help")}
    verdict = "met" if max(ratios.values()) <= TARGET_RATIO else "MISSED"
    print(f"target: ≤ {TARGET_RATIO}× `import click` in CPU time: {verdict} (load average {os.getloadavg()[0]:.1f})")
    print(
        f"runs={args.runs} pass_cpu={cpu['pass']:.3f} click_cpu={cpu['click']:.3f} version_cpu={cpu['version']:.3f} "
        f"help_cpu={cpu['help']:.3f} status_cpu={cpu['status']:.3f} report_cpu={cpu['report']:.3f} "
        f"version_ratio={ratios['version']:.2f} help_ratio={ratios['help']:.2f}"
    )


if __name__ == "__main__":
    main()
