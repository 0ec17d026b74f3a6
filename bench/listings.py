"""The CPU time and peak RSS of every command that lists rows, each format, on a synced
destination (bench/run.py's records, see bench/README.md), against `cxbridge --version`.

    python bench/listings.py --work DIR --destination parquet:///DIR/lake

DIR holds the cxbridge.toml the destination was synced with; stdout of each command is thrown
away, as a pipe to another program or a file would take it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import SALT, Timing  # noqa: E402

COMMANDS = [
    ["cases", "list"],
    ["cases", "list", "--overdue"],
    ["quarantine", "list"],
    ["report"],
    ["report", "--by", "location"],
    ["report", "--loop"],
    ["status"],
    ["duplicates"],
]
FORMATS = ["table", "json", "csv"]


def measure(command: list[str], work: Path) -> Timing:
    """CPU (user + system), wall time and peak RSS of one `cxbridge` run, stdout discarded."""
    env = {**os.environ, "CXBRIDGE_LOAD_PLUGINS": "", "BENCH_SALT": SALT}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "cxbridge", *command], cwd=work, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cxbridge {' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return Timing(time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="The folder of cxbridge.toml.")
    parser.add_argument("--destination", required=True, help="The synced destination's URL.")
    parser.add_argument("--only", help="Only the commands whose words start so (e.g. 'cases list').")
    args = parser.parse_args()
    startup = measure(["--version"], args.work)
    print(f"startup: cpu {startup.cpu:.2f} s, peak RSS {startup.rss_mb:.0f} MB")
    print("| command | format | CPU s | × start-up | peak RSS MB | wall s |\n|---|---|---:|---:|---:|---:|")
    worst_cpu = worst_rss = 0.0
    for command in COMMANDS:
        if args.only and not " ".join(command).startswith(args.only):
            continue
        for fmt in FORMATS:
            timing = measure([*command, "--destination", args.destination, "--format", fmt], args.work)
            worst_cpu, worst_rss = max(worst_cpu, timing.cpu / startup.cpu), max(worst_rss, timing.rss_mb)
            print(f"| `{' '.join(command)}` | {fmt} | {timing.cpu:.2f} | {timing.cpu / startup.cpu:.1f} | "
                  f"{timing.rss_mb:.0f} | {timing.wall:.2f} |", flush=True)  # fmt: skip
    print(f"destination={args.destination.split(':')[0]} worst_vs_startup={worst_cpu:.1f} peak_rss_mb={worst_rss:.0f}")


if __name__ == "__main__":
    main()
