"""Benchmark: streaming one large JSON record out of an export (cxbridge.tabular.json_records,
the reader behind json files and Qualtrics export ZIPs), against json.loads of the same
document held in memory, in the same run. A record 4× larger should cost about 4× the CPU:
the reader's time per megabyte stays a small multiple of json's, whatever the record's size.

    python bench/json_records.py --megabytes 8 32
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
from cxbridge.tabular.json_records import array_records  # noqa: E402


def document(megabytes: int) -> str:
    """`{"responses": [small, huge, small]}`: the huge record's answers fill `megabytes` MB."""
    text = "a free-text answer of some length, " * 3
    count = megabytes * 1_000_000 // (len(text) + 20)  # each answer: its key, its text, quotes and separators
    answers = {f"QID{n}_TEXT": text for n in range(count)}
    records = [{"responseId": "R_1"}, {"responseId": "R_2", "values": answers}, {"responseId": "R_3"}]
    return json.dumps({"responses": records})


def cpu_seconds(action) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def measure(megabytes: int) -> tuple[int, float, float]:
    text = document(megabytes)
    baseline = cpu_seconds(lambda: json.loads(text))
    streamed = cpu_seconds(lambda: list(array_records(io.StringIO(text), "bench.json", "responses")))
    return len(text), baseline, streamed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    print(f"{'record MB':>9} {'json.loads s':>12} {'streamed s':>10} {'ratio':>6}")
    for megabytes in args.megabytes:
        size, baseline, streamed = measure(megabytes)
        print(f"{size / 1e6:9.1f} {baseline:12.2f} {streamed:10.2f} {streamed / baseline:6.1f}")
        print(f"megabytes={size / 1e6:.1f} baseline_cpu_s={baseline:.3f} streamed_cpu_s={streamed:.3f} "
              f"ratio={streamed / baseline:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
