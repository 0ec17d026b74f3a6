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
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from run import child, generate  # noqa: E402 - the foundation's floor and child-process timing, same run

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
            generate(work / "responses.csv", args.records)
            floor = child([sys.executable, str(ROOT / "bench" / "run.py"), "--child", "floor", "--work", str(work)], work)
            floor_rps = args.records / floor.cpu
            print(f"floor (csv + sqlite3, {args.records:,} clean rows): {floor_rps:,.0f} records/s (CPU)")
            url = server.stdout.readline().strip()
            (work / "qualtrics.toml").write_text(CONFIG.format(url=url), encoding="utf-8")
            env = {**os.environ, "QUALTRICS_API_TOKEN": TOKEN, "CXBRIDGE_LOAD_PLUGINS": ""}
            command = [sys.executable, "-m", "cxbridge", "sync", "--config", "qualtrics.toml", "--db", "q.db", "--no-progress"]
            timing = child(command, work, env)
            written = _count(work / "q.db")
    finally:
        server.kill()
    if written != args.records:
        raise SystemExit(f"the sync wrote {written} records, not {args.records}")
    rps = args.records / timing.cpu
    print(f"qualtrics: {rps:,.0f} records/s (CPU, {timing.cpu:.1f} s), {args.records / timing.wall:,.0f} wall; "
          f"peak RSS {timing.rss_mb:.0f} MB")
    print(f"baseline_rps={floor_rps:.0f} qualtrics_records={args.records} qualtrics_rps={rps:.0f} "
          f"qualtrics_ratio={rps / floor_rps:.2f} qualtrics_rss_mb={timing.rss_mb:.0f}")


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM feedback").fetchone()[0]


if __name__ == "__main__":
    main()
