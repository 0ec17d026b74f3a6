"""Benchmark: a `cxbridge sync` of one Qualtrics survey with N responses, served by the fake
Qualtrics API of the tests on 127.0.0.1 (list → definition → export → poll → ZIP download),
against the foundation's raw baseline (csv + sqlite3 writing N clean rows) in the same run.

The fake server and the sync each run in a child process of their own, so the sync's CPU time
and peak RSS are its own (a child forked from a process holding the fake account would report
that process's memory as its peak). Records/s come from CPU time.

    python bench/qualtrics.py --records 100000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from files import report, timed  # noqa: E402 - the shared child-process timing
from run import generate, timed_baseline  # noqa: E402 - the foundation's baseline, same run

from tests.qualtrics_api import TOKEN, QualtricsAccount, qualtrics, response  # noqa: E402

CONFIG = """
[sources.stores]
connector = "qualtrics"
base_url = "{url}/API/v3"
api_token = "${{QUALTRICS_API_TOKEN}}"
surveys = ["SV_bench"]
poll_interval = 0.05

[sources.stores.columns]
location_id = "StoreID"
"""


def account_with(records: int) -> QualtricsAccount:
    account = QualtricsAccount(polls_before_complete=0)
    account.add_survey("SV_bench", "Store visit NPS")
    account.put("SV_bench", *(
        response(n, nps=n % 11, csat=n % 5 + 1, effort=n % 5 + 1, store=f"S{n % 40:02d}", day=n % 28 + 1,
                 comment="Friendly staff" if n % 3 else "")
        for n in range(1, records + 1)
    ))  # fmt: skip
    return account


def serve(records: int) -> None:
    """The fake Qualtrics account with N responses, until killed; its URL on the first line."""
    with qualtrics(account_with(records)) as api:
        print(api.url, flush=True)
        time.sleep(24 * 3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.records)
    server = subprocess.Popen([sys.executable, __file__, "--serve", "--records", str(args.records)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        with tempfile.TemporaryDirectory(prefix="cxbridge-bench-qualtrics-") as tmp:
            work = Path(tmp)
            generate(work / "clean.csv", args.records)
            count, base = timed_baseline(work / "clean.csv", work / "baseline.db")
            baseline_rps = count / base.cpu
            print(f"baseline (csv + sqlite3, {count:,} clean rows): {baseline_rps:,.0f} records/s (CPU)")
            url = server.stdout.readline().strip()
            (work / "qualtrics.toml").write_text(CONFIG.format(url=url), encoding="utf-8")
            os.environ["QUALTRICS_API_TOKEN"] = TOKEN
            timing, rss, output = timed(["sync", "--config", "qualtrics.toml", "--db", "q.db", "--no-progress"], work)
    finally:
        server.kill()
    print(output)
    print(f"baseline_rps={baseline_rps:.0f} " + report("qualtrics", args.records, timing, rss, baseline_rps))


if __name__ == "__main__":
    main()
