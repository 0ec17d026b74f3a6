"""Benchmark: the CPU time of a new destination's set-up (its migrations, tables and views).

Opens and closes N new destinations of one engine in this process and prints the CPU time
(`time.process_time`) a destination. To compare two versions, run it from each checkout in
turns (bench/JOURNAL.md, "a new destination's set-up").

    python bench/new_destination.py sqlite 20
    python bench/new_destination.py duckdb 10

The last line is machine-readable: `engine=… destinations=N ms_cpu=…`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cxbridge.plugins_host import create_host

FILE_NAMES = {"sqlite": "x{}.db", "duckdb": "x{}.duckdb", "parquet": "lake{}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=sorted(FILE_NAMES))
    parser.add_argument("n", type=int, nargs="?", default=20)
    args = parser.parse_args()
    destination_class = create_host().destination_class(args.engine)
    with tempfile.TemporaryDirectory() as folder:
        started = time.process_time()
        for i in range(args.n):
            destination = destination_class(f"{args.engine}:///{Path(folder) / FILE_NAMES[args.engine].format(i)}")
            destination.open()
            destination.close()
        per_destination = (time.process_time() - started) / args.n * 1000
    print(f"engine={args.engine} destinations={args.n} ms_cpu={per_destination:.0f}")


if __name__ == "__main__":
    main()
