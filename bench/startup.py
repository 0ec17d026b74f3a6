"""Benchmark: how long `cxbridge --version` and `cxbridge --help` take to start, against Python
starting in the same run.

Each command runs N times, the commands taking turns (so a load that comes and goes falls on
all of them alike), each as a fresh process: the program users run (the `cxbridge` script
beside this Python, else `python -m cxbridge`). Baselines: `python -c pass` (the interpreter)
and `python -c "import click"` (the interpreter and the command-line library, the floor of any
click program). CPU time (user + system of the child) is the figure compared, as other work
on a shared machine stretches wall-clock time; medians of both are printed.

    python bench/startup.py --runs 20

The last line is machine-readable:
    runs=N pass_cpu=… click_cpu=… version_cpu=… help_cpu=… version_ratio=… help_ratio=…
where the ratios are against `import click`. Target: each ratio ≤ 2.5 (about 0.3 s where click
imports in 0.12 s).
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


def cxbridge_program() -> list[str]:
    """The `cxbridge` script installed beside this Python, else the module."""
    script = shutil.which("cxbridge", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "cxbridge"]


def measure(command: list[str], *, cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `command` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command (default 20)")
    args = parser.parse_args()
    program = cxbridge_program()
    commands = {
        "pass": [sys.executable, "-c", "pass"],
        "click": [sys.executable, "-c", "import click"],
        "version": [*program, "--version"],
        "help": [*program, "--help"],
    }
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as folder:  # no cxbridge.toml around
        for name, command in commands.items():
            measure(command, cwd=Path(folder))  # warm the file cache; not counted
        for _ in range(args.runs):
            for name, command in commands.items():
                timings[name].append(measure(command, cwd=Path(folder)))
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in timings.items()}
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in timings.items()}
    print(f"{'command':<28}{'CPU (median)':>14}{'wall (median)':>15}{'÷ import click':>16}")
    for name, command in commands.items():
        shown = " ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command))
        print(f"{shown:<28}{cpu[name]:>12.3f} s{wall[name]:>13.3f} s{cpu[name] / cpu['click']:>15.2f}×")
    ratios = {name: cpu[name] / cpu["click"] for name in ("version", "help")}
    verdict = "met" if max(ratios.values()) <= TARGET_RATIO else "MISSED"
    print(f"target: ≤ {TARGET_RATIO}× `import click` in CPU time: {verdict} (load average {os.getloadavg()[0]:.1f})")
    print(
        f"runs={args.runs} pass_cpu={cpu['pass']:.3f} click_cpu={cpu['click']:.3f} version_cpu={cpu['version']:.3f} "
        f"help_cpu={cpu['help']:.3f} version_ratio={ratios['version']:.2f} help_ratio={ratios['help']:.2f}"
    )


if __name__ == "__main__":
    main()
