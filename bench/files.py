"""Benchmark: `cxbridge import` of a large messy CSV and a large XLSX, against the foundation's
raw baseline (csv + sqlite3 writing the same number of responses) measured in the same run.

- CSV: N responses exported the hard way — cp1250, semicolons, dd.mm.yyyy dates, a Polish
  labelled CSAT, no id column (every row keyed by its content) — imported with the mapping
  `cxbridge import` detects for it;
- XLSX: M responses in one sheet (dates as dates), imported with the detected mapping through
  python-calamine, then synced again through openpyxl's streaming reader (`reader = "openpyxl"`).

Each import runs in a child process, so its peak RSS is its own. Records/s come from CPU time.

    python bench/files.py --csv-records 1000000 --xlsx-records 200000
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from run import Timing, child, generate  # noqa: E402 - the foundation's floor and child-process timing, same run

HEADER = ["Data", "Sklep", "Kanał", "Jak bardzo prawdopodobne jest, że polecisz nas znajomym?",
          "Jak bardzo jest Pan/Pani zadowolony z wizyty?", "Uwagi", "E-mail"]  # fmt: skip
LABELS = ["Bardzo niezadowolony", "Niezadowolony", "Neutralnie", "Zadowolony", "Bardzo zadowolony", "Nie dotyczy"]
COMMENTS = ["", "", "Miła obsługa, dziękuję", "Za długa kolejka do kasy", "Brak rozmiaru, ale pomogli"]


def messy_rows(count: int, *, seed: int = 5):
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, 8)
    for n in range(count):
        submitted = start + timedelta(seconds=97 * n)
        channel, email = rng.choice(["E-mail", "SMS", "Sklep"]), f"k{rng.randrange(count)}@example.pl"
        yield [submitted.strftime("%d.%m.%Y %H:%M:%S"), f"Sklep {n % 60}", channel, rng.randrange(11),
               rng.choice(LABELS), rng.choice(COMMENTS), email]  # fmt: skip


def write_messy_csv(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="cp1250") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(messy_rows(count))


def write_xlsx(path: Path, count: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Responses")
    dates = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, HEADER)
    for row, values in enumerate(messy_rows(count), start=1):
        sheet.write_datetime(row, 0, datetime.strptime(values[0], "%d.%m.%Y %H:%M:%S"), dates)
        sheet.write_row(row, 1, values[1:])
    book.close()


def timed(command: list[str], cwd: Path) -> tuple[Timing, str]:
    """CPU/wall time, peak RSS and output of a cxbridge command in a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cxbridge", *command], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    output = process.stdout.read().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"cxbridge {' '.join(command)} failed:\n{output}\n{process.stderr.read()}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), output


def report(label: str, records: int, timing: Timing, baseline_rps: float) -> str:
    rps, rss = records / timing.cpu, timing.rss_mb
    print(f"{label}: {rps:,.0f} records/s (CPU), {records / timing.wall:,.0f} wall; peak RSS {rss:.0f} MB")
    ratio = rps / baseline_rps
    return f"{label}_records={records} {label}_rps={rps:.0f} {label}_ratio={ratio:.2f} {label}_rss_mb={rss:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv-records", type=int, default=100_000)
    parser.add_argument("--xlsx-records", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxbridge-bench-files-") as tmp:
        work = Path(tmp)
        generate(work / "responses.csv", args.csv_records)
        floor = child([sys.executable, str(BENCH / "run.py"), "--child", "floor", "--work", str(work)], work)
        baseline_rps = args.csv_records / floor.cpu
        print(f"floor (csv + sqlite3, {args.csv_records:,} clean rows): {baseline_rps:,.0f} records/s (CPU)")
        figures = [f"baseline_rps={baseline_rps:.0f}"]

        write_messy_csv(work / "ankieta.csv", args.csv_records)
        timing, output = timed(["import", "ankieta.csv", "--db", "csv.db", "--timezone", "Europe/Warsaw"], work)
        print(output)
        figures.append(report("csv", args.csv_records, timing, baseline_rps))

        write_xlsx(work / "ankieta.xlsx", args.xlsx_records)
        timed(["inspect", "ankieta.xlsx", "--write-mapping", "xlsx.toml"], work)
        timing, output = timed(["sync", "--config", "xlsx.toml", "--db", "xlsx.db", "--no-progress"], work)
        print(output)
        figures.append(report("xlsx_calamine", args.xlsx_records, timing, baseline_rps))
        mapping = (work / "xlsx.toml").read_text(encoding="utf-8")
        (work / "xlsx.toml").write_text(mapping.replace('format = "plain"', 'reader = "openpyxl"\nformat = "plain"'))
        timing, output = timed(["sync", "--config", "xlsx.toml", "--db", "xlsx2.db", "--no-progress"], work)
        print(output)
        figures.append(report("xlsx_openpyxl", args.xlsx_records, timing, baseline_rps))
    print(" ".join(figures))


if __name__ == "__main__":
    main()
