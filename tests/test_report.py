"""`cxbridge report`: every figure it prints — table, JSON and CSV — equals a computation written
here over the input rows (never cxbridge's metric code), on SQLite, DuckDB, PostgreSQL and
Parquet; programs and metrics never share a number; docs/report.md shows current output."""

from __future__ import annotations

import calendar
import csv
import importlib
import io
import json
import math
import pkgutil
import re
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxbridge
from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.plugins_host import create_host
from cxbridge.reporting import none_label
from tests.conftest import ROOT

TIMEZONE = "Europe/Warsaw"  # [settings]: UTC+1/+2, so 23:30 UTC on a month's last day is the next month
STAFF_TIMEZONE = "America/New_York"  # the staff source's own: 02:00 UTC on the 1st is the month before
TIME_BUCKETS = ("month", "week", "quarter", "day")
PROGRAM_ORDER = ("voc", "employee", "mystery_shop", "audit")
METRIC_ORDER = ("nps", "csat", "ces", "enps", "mystery_shop", "audit")
STORES = (("S1", "Warsaw"), ("S2", "Kraków"), ("S3", ""))  # S3 has no name: its location is its id
DIMENSION_COLUMNS = {  # --by → the field of the rows below
    "location": "location", "agent": "agent", "team": "team", "touchpoint": "touchpoint",
    "channel": "channel", "survey": "survey", "source": "source", "program": "program",
}  # fmt: skip

CONFIG = f"""
[settings]
timezone = "{TIMEZONE}"

[sources.customers]
connector = "csv"
path = "customers.csv"
program = "voc"

[sources.customers.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
location_name = "store name"
channel = "channel"
agent_id = "agent"
team = "team"
touchpoint = "touchpoint"
survey_name = "survey"

[[sources.customers.metrics]]
column = "recommend"
metric = "nps"

[[sources.customers.metrics]]
column = "satisfied"
metric = "csat"
scale = [1, 5]

[[sources.customers.metrics]]
column = "effort"
metric = "ces"
scale = [1, 7]
direction = "higher_is_better"

[sources.copies]
connector = "csv"
path = "copies.csv"
program = "voc"
same_as = "customers"  # the same survey: a copy of a customer's id is that response, counted once

[sources.copies.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"

[[sources.copies.metrics]]
column = "recommend"
metric = "nps"

[sources.kiosk]
connector = "csv"
path = "kiosk.csv"
program = "voc"

[sources.kiosk.columns]
id = "id"
location_id = "store"

[[sources.kiosk.metrics]]
column = "recommend"
metric = "nps"

[sources.staff]
connector = "csv"
path = "staff.csv"
program = "employee"
timezone = "{STAFF_TIMEZONE}"

[sources.staff.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
team = "team"

[[sources.staff.metrics]]
column = "place to work"
metric = "enps"

[sources.shops]
connector = "csv"
path = "shops.csv"
program = "mystery_shop"

[sources.shops.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
agent_id = "agent"

[[sources.shops.metrics]]
column = "points"
metric = "mystery_shop"
scale = [0, 40]

[[sources.shops.metrics]]
column = "recommend"  # the shopper's own NPS: a mystery-shop figure, never customers' NPS
metric = "nps"

[sources.audits]
connector = "csv"
path = "audits.csv"
program = "audit"

[sources.audits.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"

[[sources.audits.metrics]]
column = "points"
metric = "audit"
scale = [0, 50]
"""


def _when(n: int) -> str:
    """A UTC time spread over 2025, some at the very edge of a month (and of the year)."""
    if n % 10 == 0:
        month = n // 10 % 12 + 1
        return f"2025-{month:02d}-{calendar.monthrange(2025, month)[1]}T23:30:00Z"
    month = n % 12 + 1
    if n % 9 == 0:
        return f"2025-{month:02d}-01T02:00:00Z"
    return f"2025-{month:02d}-{n % 27 + 1:02d}T{n % 24:02d}:{n % 60:02d}:00Z"


def _blank_unless(value: object, keep: bool) -> str:
    return str(value) if keep else ""


def dataset() -> dict[str, list[dict[str, str]]]:
    """The files of the CONFIG above, as rows: several programs, blanks in every column."""
    customers = [
        {
            "id": f"C{n}", "submitted": _when(n), "store": STORES[n % 3][0], "store name": STORES[n % 3][1],
            "channel": ("email", "web", "sms", "")[n % 4], "agent": _blank_unless(f"A{n % 5}", n % 7 != 0),
            "team": ("red", "blue")[n % 2], "touchpoint": ("support", "purchase", "delivery")[n // 3 % 3],
            "survey": ("Post-visit", "Web")[n // 2 % 2],
            "recommend": _blank_unless(n * 7 % 11, n % 13 != 0),
            "satisfied": _blank_unless(n * 3 % 5 + 1, n % 11 != 0),
            "effort": _blank_unless(n * 5 % 7 + 1, n % 17 != 0),
        }
        for n in range(1, 121)
    ]  # fmt: skip
    kiosk = [{"id": f"K{n}", "store": STORES[n % 3][0], "recommend": str(n * 5 % 11)} for n in range(1, 11)]
    copies = [  # C1–C8 again with other answers (copies the views and report leave out), and X1–X4 of their own
        {"id": f"{prefix}{n}", "submitted": _when(n + 1), "store": STORES[n % 3][0], "recommend": str(n * 4 % 11)}
        for prefix, count in (("C", 8), ("X", 4)) for n in range(1, count + 1)
    ]  # fmt: skip
    staff = [
        {"id": f"E{n}", "submitted": _when(n + 3), "store": STORES[n % 3][0], "team": ("red", "blue", "")[n % 3],
         "place to work": str(n * 3 % 11)}
        for n in range(1, 41)
    ]  # fmt: skip
    shops = [
        {"id": f"M{n}", "submitted": _when(n + 5), "store": STORES[n % 3][0], "agent": f"A{n % 4}",
         "points": str(n * 13 % 41), "recommend": _blank_unless(n * 3 % 11, n % 4 != 0)}
        for n in range(1, 31)
    ]  # fmt: skip
    audits = [
        {"id": f"A{n}", "submitted": _when(n * 2), "store": STORES[n % 3][0], "points": str(n * 17 % 51)}
        for n in range(1, 13)
    ]
    return {"customers": customers, "copies": copies, "kiosk": kiosk, "staff": staff, "shops": shops, "audits": audits}


# --- the independent computation -----------------------------------------------------------

PROGRAM_OF = {"customers": "voc", "copies": "voc", "kiosk": "voc", "staff": "employee", "shops": "mystery_shop", "audits": "audit"}


def counted_rows(data: dict[str, list[dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    """(source, row) of every record that counts: a row of `copies` whose id a customer row has is
    the same response (`same_as`), stored with `duplicate_of` set, and the customer's row counts."""
    customer_ids = {row["id"] for row in data["customers"]}
    return [(source, row) for source, rows in data.items() for row in rows
            if not (source == "copies" and row["id"] in customer_ids)]  # fmt: skip


def store_names_used(data: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """Each named store's name: the spelling most of its counted records carry, of those as many
    the one given latest (an undated record's, after every dated one), then the greatest."""
    uses: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, row in counted_rows(data):
        if row.get("store name"):
            uses[row["store"], row["store name"]].append(_utc(row.get("submitted")))
    best: dict[str, tuple[int, str, str]] = {}
    for (store, name), times in uses.items():
        best[store] = max(best.get(store, (0, "", "")), (len(times), max(times), name))
    return {store: name for store, (_, _, name) in best.items()}


def _utc(submitted: str | None) -> str:
    """A submitted time as an ISO text in UTC that sorts as the instant does; "" when there is none."""
    return datetime.fromisoformat(submitted).astimezone(timezone.utc).isoformat() if submitted else ""


def facts(data: dict[str, list[dict[str, str]]]) -> list[dict[str, Any]]:
    """One entry per (record, metric) the report can count: its dimensions and its answer."""
    found = []
    names = store_names_used(data)  # one store, however written
    name_of = {row["store"]: names.get(row["store"], "") for _, row in counted_rows(data)}
    ids_of = defaultdict(set)  # a name two stores go by is shown with each one's id: "Warsaw (S1)"
    for store, name in name_of.items():
        ids_of[name].add(store)
    for source, row in counted_rows(data):
        store_id, store_name = row["store"], name_of[row["store"]]
        if store_name and len(ids_of[store_name]) > 1:
            store_name = f"{store_name} ({store_id})"
        day = _local_day(row.get("submitted"), STAFF_TIMEZONE if source == "staff" else TIMEZONE)
        dims = {
            "record": (source, row["id"]), "source": source, "program": PROGRAM_OF[source], "local_day": day,
            **_buckets(day),
            "location": store_name or store_id, "agent": row.get("agent") or None,
            "team": row.get("team") or None, "touchpoint": row.get("touchpoint") or None,
            "channel": row.get("channel") or None, "survey": row.get("survey") or None,
        }  # fmt: skip
        for column, metric in (("recommend", "nps"), ("satisfied", "csat"), ("effort", "ces"),
                               ("place to work", "enps")):  # fmt: skip
            if row.get(column):
                found.append({**dims, "metric": metric, "value": int(row[column])})
        if row.get("points"):
            maximum = 40 if source == "shops" else 50
            metric = "mystery_shop" if source == "shops" else "audit"
            found.append({**dims, "metric": metric, "value": Fraction(int(row["points"]) * 100, maximum)})
    return found


def _local_day(submitted: str | None, zone: str) -> date | None:
    if not submitted:
        return None
    return datetime.fromisoformat(submitted.replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).date()


def _buckets(day: date | None) -> dict[str, str]:
    """The day, ISO week, month and quarter a record is counted in."""
    if day is None:
        return dict.fromkeys(TIME_BUCKETS, "undated")
    year, week, _ = day.isocalendar()
    return {"day": day.isoformat(), "week": f"{year}-W{week:02d}", "month": day.strftime("%Y-%m"),
            "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}"}  # fmt: skip


def _category(metric: str, value: Any) -> str:
    if metric in ("nps", "enps"):
        return "promoter" if value >= 9 else "passive" if value >= 7 else "detractor"
    if metric == "csat":  # 1–5: top-2-box
        return "satisfied" if value >= 4 else "neutral" if value == 3 else "dissatisfied"
    return "low_effort" if value >= 6 else "neutral" if value >= 3 else "high_effort"  # 1–7, higher is better


def _share(part: int, whole: int) -> Fraction:
    return Fraction(100 * part, whole)


def headline(metric: str, values: list[Any]) -> Fraction:
    """The figure of a group: NPS, % satisfied, % low effort, or the mean 0–100 score."""
    if metric in ("mystery_shop", "audit"):
        return sum(values, Fraction(0)) / len(values)
    categories = [_category(metric, value) for value in values]
    best = {"nps": "promoter", "enps": "promoter", "csat": "satisfied", "ces": "low_effort"}[metric]
    net = categories.count(best) - (categories.count("detractor") if metric in ("nps", "enps") else 0)
    return _share(net, len(values))


def detail(metric: str, values: list[Any]) -> dict[str, Any]:
    """The columns of `--metric`, computed from the answers."""
    if metric in ("mystery_shop", "audit"):
        return {"score": headline(metric, values), "lowest": min(values), "highest": max(values)}
    categories = [_category(metric, value) for value in values]
    if metric in ("nps", "enps"):
        return {"promoters": categories.count("promoter"), "passives": categories.count("passive"),
                "detractors": categories.count("detractor"), metric: headline(metric, values)}  # fmt: skip
    low, high = (1, 5) if metric == "csat" else (1, 7)
    average = sum((Fraction(value - low) * 100 / (high - low) for value in values), Fraction(0)) / len(values)
    boxes = ("satisfied", "neutral", "dissatisfied") if metric == "csat" else ("low_effort", "neutral", "high_effort")
    pct = "csat_pct" if metric == "csat" else "low_effort_pct"
    return {**{box: categories.count(box) for box in boxes}, pct: headline(metric, values),
            f"{metric}_avg_normalized": average}  # fmt: skip


def expected(by: str, *, data=None, metric=None, programs=(), sources=(), since=None, until=None) -> dict[tuple, Any]:
    """Per (value of `by`, program[, metric]): responses and the figures, exact."""
    groups: dict[tuple, list[Any]] = defaultdict(list)
    for fact in facts(data or dataset()):
        if (programs and fact["program"] not in programs) or (sources and fact["source"] not in sources):
            continue
        if (since or until) and fact["local_day"] is None:
            continue  # an undated record is on no day of a period
        if (since and fact["local_day"] < since) or (until and fact["local_day"] >= until):
            continue
        if metric and fact["metric"] != metric:
            continue
        key = (fact[by], fact["program"]) if metric else (fact[by], fact["program"], fact["metric"])
        groups[key].append(fact["value"])
    if metric:
        return {key: {"responses": len(values), **detail(metric, values)} for key, values in groups.items()}
    return {key: {"responses": len(values), "score": headline(key[2], values)} for key, values in groups.items()}


INEXACT = {"ces_avg_normalized", "revenue_weighted_nps"}
"""Figures an engine computes from values no binary float holds (a CES answer's 0–100 position
100·(v−1)/6, an account's net score p/n): their sum can fall a hair under a tie."""


def one_decimal(exact: Fraction | int, *, exact_inputs: bool = True) -> set[float]:
    """`exact` to one decimal, half away from zero as docs/report.md says (6.25 → 6.3, −6.25 →
    −6.3). A tie a binary float cannot hold (0.15 is 0.1499…), or one computed from inputs no
    float holds, may go either way in an engine that computes in floats: either neighbour then."""
    scaled = Fraction(exact) * 10
    lower = math.floor(scaled)
    if scaled - lower == Fraction(1, 2):
        if not exact_inputs or Fraction(float(exact)) != Fraction(exact):
            return {lower / 10, (lower + 1) / 10}
        return {(lower + 1) / 10 if scaled > 0 else lower / 10}
    return {round(scaled) / 10}


INTERVAL_COLUMNS = {"ci_low", "ci_high"}  # JSON's only: their figures are checked in test_report_intervals
CHANGE_COLUMNS = {"previous", "change", "change_significant"}


def assert_row_matches(row: dict[str, Any], want: dict[str, Any], by: str, where: str, *, detailed: bool) -> None:
    if "indicative" in row:  # JSON's flag, or the table's mark (there when a row has fewer than 5 answers)
        small = int(row["responses"]) < 5
        mark = small if isinstance(row["indicative"], bool) else "yes" if small else None
        assert row["indicative"] == mark, where
    if "questions" in row:  # JSON's: what they name is checked in test_the_report_names_the_questions_behind_…
        assert isinstance(row["questions"], list), where
    extra = set(row) - {by, "program", "indicative", "questions", *want, *([] if detailed else ["metric"])}
    assert extra in (set(), INTERVAL_COLUMNS | (CHANGE_COLUMNS if by in TIME_BUCKETS else set())), where
    for column, value in want.items():
        if isinstance(value, Fraction):
            rounded = one_decimal(value, exact_inputs=column not in INEXACT)
            assert row[column] in rounded, f"{where} {column}: {row[column]} ≠ {float(value)}"
        else:
            assert row[column] == value, f"{where} {column}"


def assert_report_matches(rows: list[dict[str, Any]], by: str, *, data=None, **options: Any) -> None:
    """Every row and figure equals the independent computation; nothing more, nothing less."""
    want = expected(by, data=data, **options)
    detailed = bool(options.get("metric"))
    keys = [_key(row, by, detailed=detailed) for row in rows]
    assert sorted(keys, key=repr) == sorted(want, key=repr), f"report by {by} {options}: other rows than computed"
    for row, key in zip(rows, keys, strict=True):
        assert_row_matches(row, want[key], by, f"report by {by} {options} {key}", detailed=detailed)
    assert keys == sorted(keys, key=lambda key: _order(key, by)), f"report by {by} {options}: rows out of order"


def _key(row: dict[str, Any], by: str, *, detailed: bool) -> tuple:
    return (row[by], row["program"]) if detailed else (row[by], row["program"], row["metric"])


def _order(key: tuple, by: str) -> tuple:
    bucket = key[0]
    last = bucket is None or (by in TIME_BUCKETS and bucket == "undated")
    rest = [PROGRAM_ORDER.index(key[1]), *([METRIC_ORDER.index(key[2])] if len(key) > 2 else [])]
    return (last, "" if last or by == "program" else bucket, *rest)


# --- set-up ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


def write_dataset(root: Path, data: dict[str, list[dict[str, str]]] | None = None) -> Path:
    for source, rows in (data or dataset()).items():
        with (root / f"{source}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    config = root / "cxbridge.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def synced_in(folder: Path, monkeypatch) -> None:
    """The dataset written and synced to cxbridge.db in `folder`, the working directory."""
    monkeypatch.chdir(folder)
    write_dataset(folder)
    assert cxbridge.sync(folder / "cxbridge.toml", host=create_host()).exit_code == 0


def examples_synced_in(folder: Path, monkeypatch) -> None:
    """A copy of examples/ (without the plugin and any database) synced, `folder` the working directory."""
    shutil.copytree(ROOT / "examples", folder / "examples", ignore=shutil.ignore_patterns("plugins", "*.db"))
    monkeypatch.chdir(folder)
    assert cxbridge.sync("examples/cxbridge.toml", host=create_host()).exit_code == 0


@pytest.fixture(params=["sqlite", "duckdb", "postgresql", "parquet"])
def synced(request, tmp_path, monkeypatch) -> str:
    """The dataset synced into one destination of each kind; its URL."""
    monkeypatch.chdir(tmp_path)
    config = write_dataset(tmp_path)
    url = {
        "sqlite": lambda: f"sqlite:///{tmp_path / 'cx.db'}",
        "duckdb": lambda: f"duckdb:///{tmp_path / 'cx.duckdb'}",
        "parquet": lambda: f"parquet:///{tmp_path / 'lake'}",
        "postgresql": lambda: request.getfixturevalue("postgres_database")("report"),
    }[request.param]()
    result = cxbridge.sync(config, destination=url, host=create_host())
    assert result.exit_code == 0 and all(r.quarantined == 0 for r in result.results)
    return url


def report(url: str, *args: str, fmt: str = "json", data=None) -> str:
    """What `cxbridge report` prints on stdout; with `data`, its word on stderr about the undated
    records a period left out is checked against `data` as well."""
    result = CliRunner().invoke(cli, ["report", "-d", url, "--format", fmt, *args])
    assert result.exit_code == 0, result.output
    if data is not None and fmt != "table":
        said = result.stderr.splitlines(keepends=True)
        why = [line for line in said if " records stored" in line]  # a report without rows says why first
        assert len(why) == (result.stdout.strip() in ("[]", "") or len(result.stdout.strip().splitlines()) == 1)
        rest = "".join(line for line in said if line not in why)
        assert rest == undated_note(undated_left_out(data, **as_options(args))), f"report {args}"
    return result.stdout


def undated_left_out(data=None, *, programs=(), sources=(), metric=None, since=None, until=None) -> int:
    """Records the report would count but that have no date, when a period is asked for."""
    if not (since or until):
        return 0
    return len({fact["record"] for fact in facts(data or dataset()) if fact["local_day"] is None
                and (not programs or fact["program"] in programs) and (not sources or fact["source"] in sources)
                and (not metric or fact["metric"] == metric)})  # fmt: skip


def undated_note(undated: int) -> str:
    """The line docs/report.md shows when a period leaves out undated records, else nothing."""
    if not undated:
        return ""
    plural = "s" if undated != 1 else ""
    return (f"left out: {undated:,} record{plural} without a date (on no day of the period; cxbridge report "
            "without --since/--until counts them as undated)\n")  # fmt: skip


def as_options(args: tuple[str, ...]) -> dict[str, Any]:
    options: dict[str, Any] = {"programs": (), "sources": ()}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--by":
            continue
        if flag == "--metric":
            options["metric"] = value
        elif flag in ("--since", "--until"):
            options[flag[2:]] = date.fromisoformat(value)
        else:
            options["programs" if flag == "--program" else "sources"] += (value,)
    return options


FILTERS = [
    (),
    ("--program", "employee", "--program", "audit"),
    ("--source", "kiosk", "--source", "shops"),
    *[("--metric", metric) for metric in METRIC_ORDER],
    ("--metric", "nps", "--program", "voc", "--source", "customers"),
    ("--since", "2025-03-01", "--until", "2025-07-01"),
    ("--since", "2025-12-01", "--metric", "enps"),
    ("--until", "2025-02-01", "--program", "employee"),
]


# --- the tests -------------------------------------------------------------------------------


def test_every_figure_of_every_report_equals_the_independent_computation(synced: str):
    """Every --by with every filter on SQLite; on the others, whose report differs from it only in
    the dialect's rounding, ISO weeks and placeholders, every --by unfiltered and every filter by
    month and by week (a report call on Parquet opens the lake: 180 of them took 100 s). The
    random data sets of test_views_property.py check every --by on every destination as well."""
    for by in (*TIME_BUCKETS, *DIMENSION_COLUMNS):
        for args in FILTERS:
            if args and by not in ("month", "week") and not synced.startswith("sqlite:"):
                continue
            rows = json.loads(report(synced, "--by", by, *args, data=dataset()))
            assert_report_matches(rows, by, **as_options(args))


def test_a_period_says_how_many_undated_records_it_left_out(tmp_path, monkeypatch):
    """--since/--until count dated records only: the table's last line, and stderr beside JSON
    and CSV, say how many records without a date the period left out (the kiosk's, here)."""
    monkeypatch.chdir(tmp_path)
    write_dataset(tmp_path)
    assert cxbridge.sync(tmp_path / "cxbridge.toml", host=create_host()).exit_code == 0
    url = f"sqlite:///{tmp_path / 'cxbridge.db'}"
    for args in [("--since", "2025-03-01"), ("--until", "2025-02-01", "--metric", "nps"),
                 ("--since", "2025-03-01", "--program", "employee"), ("--by", "location")]:  # fmt: skip
        options = as_options(args[2:] if args[0] == "--by" else args)
        undated = undated_left_out(**options)
        for fmt in ("json", "csv"):
            report(url, *args, fmt=fmt, data=dataset())  # checks stderr
        table = report(url, *args, fmt="table")
        assert table.endswith(undated_note(undated) or "\n")
        assert ("left out:" in table) is bool(undated), args
    assert undated_left_out(since=date(2025, 3, 1)) == len(dataset()["kiosk"]) > 0
    assert undated_left_out(since=date(2025, 3, 1), programs=("employee",)) == 0


def test_csv_and_table_print_the_same_figures(tmp_path, monkeypatch):
    synced_in(tmp_path, monkeypatch)
    for by, args in (("month", ()), ("location", ("--metric", "csat")), ("team", ("--metric", "audit"))):
        url = f"sqlite:///{tmp_path / 'cxbridge.db'}"
        from_csv = [_typed(row) for row in csv.DictReader(io.StringIO(report(url, "--by", by, *args, fmt="csv")))]
        assert_report_matches(from_csv, by, **as_options(args))
        assert_report_matches(table_rows(report(url, "--by", by, *args, fmt="table")), by, **as_options(args))


def _typed(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row's cells as JSON would give them: empty is null, numbers are numbers."""
    return {key: _number(value) if key not in ("program", "metric") and _is_number(value) else value or None
            for key, value in row.items()}  # fmt: skip


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?[\d,]+(\.\d+)?", text) is not None


def _number(text: str) -> int | float:
    plain = text.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def table_rows(printed: str) -> list[dict[str, Any]]:
    """The rows of the table `report` prints, read back cell by cell (the row named `(no team)`
    as the null JSON gives)."""
    lines = printed.splitlines()
    header = [cell.strip() for cell in lines[0].split("┃")]
    body = [line for line in lines[2:] if "│" in line]
    rows = [_typed(dict(zip(header, (cell.strip() for cell in line.split("│")), strict=True))) for line in body]
    return [{**row, header[0]: None} if row[header[0]] == none_label(header[0]) else row for row in rows]


def test_customer_nps_and_employee_enps_never_blend(tmp_path, monkeypatch):
    """The shipped example: customer NPS and eNPS of the same month are separate rows, with the
    figures of their own answers; mystery-shop and audit programs have rows of their own (the
    first mystery-shop wave and the first audits are in February, not January)."""
    examples_synced_in(tmp_path, monkeypatch)
    rows = json.loads(CliRunner().invoke(cli, ["report", "-c", "examples/cxbridge.toml", "--format", "json"]).output)
    january = {(row["program"], row["metric"]): row for row in rows if row["month"] == "2025-01"}
    assert set(january) == {("voc", "nps"), ("voc", "csat"), ("voc", "ces"), ("employee", "enps")}
    for (program, metric), name in ((("voc", "nps"), "store_nps"), (("employee", "enps"), "employee_pulse")):
        answers = [answer for answer, month in _example_answers(tmp_path, name) if month == "2025-01"]
        assert january[program, metric]["responses"] == len(answers)
        assert january[program, metric]["score"] in one_decimal(headline(metric, answers))
    assert january["voc", "nps"]["score"] > 0 > january["employee", "enps"]["score"]
    programs = {(row["program"], row["metric"]) for row in rows}
    assert {("mystery_shop", "mystery_shop"), ("audit", "audit")} <= programs


EXAMPLE_CSAT_LABELS = {"Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied",
                       "Very satisfied"}  # fmt: skip


def _example_answers(root: Path, name: str) -> list[tuple[int, str]]:
    """The recommend answers of an example file with their month, less the rows made bad on
    purpose (an 11, an unknown satisfaction label, no time): those are quarantined."""
    path = root / "examples" / "data" / f"{name}_2025.csv"
    found = []
    for row in csv.DictReader(path.open(encoding="utf-8")):
        column = next(header for header in row if header.startswith("How likely are you to recommend"))
        satisfaction = row.get("How satisfied were you with your visit?")
        if not row[column] or not row["Submitted"] or int(row[column]) > 10:
            continue
        if satisfaction is not None and satisfaction not in EXAMPLE_CSAT_LABELS:
            continue
        found.append((int(row[column]), row["Submitted"][:7]))  # times in Warsaw, the config's timezone
    return found


def test_the_examples_in_docs_report_md_are_current(tmp_path, monkeypatch):
    examples_synced_in(tmp_path, monkeypatch)
    page = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    examples = re.findall(r"```console\n\$ cxbridge (report .*?)\n(.*?)```", page, re.S)
    assert len(examples) >= 3
    for command, shown in examples:
        printed = CliRunner().invoke(cli, command.split()).output
        assert [line.rstrip() for line in printed.splitlines()] == shown.splitlines(), (
            f"docs/report.md: `cxbridge {command}` now prints:\n{printed}"
        )


def synced_visits(tmp_path, monkeypatch, request, engine: str, visits: list[tuple[str, str, int]]) -> str:
    """`visits` (store id, store name, recommend) as a CSV source synced into `engine`: its URL."""
    monkeypatch.chdir(tmp_path)
    with (tmp_path / "visits.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "store", "store name", "recommend"],
                                      *([f"R{n}", _when(n), *row] for n, row in enumerate(visits))])  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.visits]\nconnector = "csv"\npath = "visits.csv"\nprogram = "voc"\n[sources.visits.columns]\n'
        'id = "id"\nsubmitted_at = "submitted"\nlocation_id = "store"\nlocation_name = "store name"\n'
        '[[sources.visits.metrics]]\ncolumn = "recommend"\nmetric = "nps"\n', encoding="utf-8",
    )  # fmt: skip
    url = {"sqlite": lambda: f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": lambda: f"duckdb:///{tmp_path / 'cx.duckdb'}",
           "postgresql": lambda: request.getfixturevalue("postgres_database")("visits")}[engine]()  # fmt: skip
    assert cxbridge.sync(tmp_path / "cxbridge.toml", destination=url, host=create_host()).exit_code == 0
    return url


NAMESAKES = [  # (store id, store name, recommend): two stores named "Mall", one named "Harbour"
    ("S1", "Mall", 10), ("S1", "Mall", 9), ("S2", "Mall", 0), ("S2", "Mall", 3), ("S2", "Mall", 6), ("S3", "Harbour", 8),
]  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql"])
def test_stores_that_share_a_name_are_never_one_row(tmp_path, monkeypatch, request, engine):
    """Two stores named "Mall" (ids S1 and S2) are two rows of `--by location`, each with its own
    figure, named with their ids; a name no other store has stays as it is."""
    url = synced_visits(tmp_path, monkeypatch, request, engine, NAMESAKES)
    ids_of = defaultdict(set)
    for store, name, _ in NAMESAKES:
        ids_of[name].add(store)
    answers = defaultdict(list)
    for store, name, recommend in NAMESAKES:
        answers[f"{name} ({store})" if len(ids_of[name]) > 1 else name].append(recommend)
    rows = {row["location"]: row for row in json.loads(report(url, "--by", "location"))}
    assert {location: row["responses"] for location, row in rows.items()} == {
        location: len(values) for location, values in answers.items()
    }
    for location, values in answers.items():
        assert rows[location]["score"] in one_decimal(headline("nps", values)), location


SPELLINGS = [  # (store id, store name, recommend): S1's staff write its name two ways, or leave it out
    ("S1", "Kraków Rynek", 10), ("S1", "Kraków Rynek", 9), ("S1", "Krakow Rynek", 2), ("S1", "", 8),
    ("S2", "Warsaw", 0), ("S2", "Warsaw", 10),
]  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgresql"])
def test_a_store_whose_name_is_written_two_ways_is_one_row(tmp_path, monkeypatch, request, engine):
    """S1 answered as "Kraków Rynek", "Krakow Rynek" and with no name is one store: one row of
    `--by location` with all its answers, under the name `location_scorecard` gives it (the
    greatest of its names), never three rows that each hold a part of its NPS."""
    url = synced_visits(tmp_path, monkeypatch, request, engine, SPELLINGS)
    names: dict[str, set[str]] = defaultdict(set)
    answers: dict[str, list[int]] = defaultdict(list)
    for store, name, recommend in SPELLINGS:
        names[store] |= {name} - {""}
        answers[store].append(recommend)
    rows = {row["location"]: row for row in json.loads(report(url, "--by", "location"))}
    assert {location: row["responses"] for location, row in rows.items()} == {
        max(names[store]): len(values) for store, values in answers.items()
    }
    for store, values in answers.items():
        assert rows[max(names[store])]["score"] in one_decimal(headline("nps", values)), store


def test_the_records_of_no_store_are_named_in_the_table_and_null_in_json_and_csv(tmp_path, monkeypatch, request):
    """Answers without a store id or name were a row with a blank label in the table: it names
    them `(no store)`, as the HTML report does; JSON and CSV, read by programs, keep null (empty)."""
    url = synced_visits(tmp_path, monkeypatch, request, "sqlite", [("S1", "Mall", 10), ("", "", 0), ("", "", 3)])

    *_, last = [line for line in report(url, "--by", "location", fmt="table").splitlines() if "│" in line]
    assert [cell.strip() for cell in last.split("│")][:5] == ["(no store)", "voc", "nps", "2", "-100.0"]
    assert json.loads(report(url, "--by", "location"))[-1]["location"] is None
    assert list(csv.DictReader(io.StringIO(report(url, "--by", "location", fmt="csv"))))[-1]["location"] == ""


def test_a_source_that_has_no_records_is_an_error_naming_those_there(tmp_path, monkeypatch):
    synced_in(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["report", "--source", "shop"])
    assert result.exit_code == 2
    assert "no records from source 'shop'" in result.stderr
    assert "sources there: audits, copies, customers, kiosk, shops, staff" in result.stderr


def test_the_report_function_works_whatever_was_imported_before(tmp_path, monkeypatch):
    """Importing every module of the package leaves `cxbridge.report` the API function."""
    synced_in(tmp_path, monkeypatch)
    for module in pkgutil.iter_modules(cxbridge.__path__, "cxbridge."):
        if module.name != "cxbridge.__main__":  # the program itself: importing it runs the CLI
            importlib.import_module(module.name)
    report_function: Callable[..., list[dict[str, Any]]] = cxbridge.report
    rows = report_function(tmp_path / "cxbridge.toml", by="source", program="audit", host=create_host())
    assert_report_matches(rows, "source", programs=("audit",))


# --- random data sets ---------------------------------------------------------------------

EDGE_TIMES = ["2024-12-31T23:30:00Z", "2025-01-01T02:00:00Z", "2025-03-31T22:30:00Z", "2025-06-30T21:59:00Z",
              "2025-12-28T23:30:00Z", "2025-12-29T00:00:00Z", "2025-10-26T00:30:00Z"]  # fmt: skip
TIMES = st.sampled_from(EDGE_TIMES) | st.datetimes(
    min_value=datetime(2024, 11, 1), max_value=datetime(2026, 2, 1)
).map(lambda when: when.strftime("%Y-%m-%dT%H:%M:00Z"))


def _answers(low: int, high: int) -> st.SearchStrategy[str]:
    return st.sampled_from(["", *map(str, range(low, high + 1))])


def _rows(prefix: str, **columns: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    row = st.fixed_dictionaries(columns)
    return st.lists(row, min_size=1, max_size=25).map(
        lambda rows: [{"id": f"{prefix}{n}", **row} for n, row in enumerate(rows)]
    )


STORE = st.sampled_from([store for store, _ in STORES])
DATA_SETS = st.fixed_dictionaries({
    "customers": _rows(
        "C", submitted=TIMES, store=STORE, **{"store name": st.sampled_from(["", "Warsaw", "Kraków"])},
        channel=st.sampled_from(["", "email", "web"]), agent=st.sampled_from(["", "A1", "A2"]),
        team=st.sampled_from(["", "red", "blue"]), touchpoint=st.sampled_from(["", "support", "purchase"]),
        survey=st.sampled_from(["", "Post-visit", "Web"]), recommend=_answers(0, 10), satisfied=_answers(1, 5),
        effort=_answers(1, 7),
    ),
    "copies": st.lists(  # a customer's id (when there is such a customer: then a copy) or one of its own
        st.fixed_dictionaries({"id": st.sampled_from([*(f"C{n}" for n in range(8)), "X1", "X2"]), "submitted": TIMES,
                               "store": STORE, "recommend": _answers(0, 10)}),
        min_size=1, max_size=6, unique_by=lambda row: row["id"],
    ),
    "kiosk": _rows("K", store=STORE, recommend=_answers(0, 10)),
    "staff": _rows("E", submitted=TIMES, store=STORE, team=st.sampled_from(["", "red"]),
                   **{"place to work": _answers(0, 10)}),
    "shops": _rows("M", submitted=TIMES, store=STORE, agent=st.sampled_from(["", "A1"]), points=_answers(0, 40),
                   recommend=_answers(0, 10)),
    "audits": _rows("A", submitted=TIMES, store=STORE, points=_answers(0, 50)),
})  # fmt: skip
REPORT_ARGS = st.tuples(
    st.sampled_from((*TIME_BUCKETS, *DIMENSION_COLUMNS)),
    st.sampled_from([(), *[("--metric", metric) for metric in METRIC_ORDER], ("--program", "voc"),
                     ("--since", "2025-01-01", "--until", "2025-04-01"), ("--until", "2025-01-01")]),
)  # fmt: skip


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=DATA_SETS, asked=st.lists(REPORT_ARGS, min_size=1, max_size=3))
def test_random_data_sets_report_the_independent_computation(tmp_path_factory, data, asked):
    root = tmp_path_factory.mktemp("random")
    config = write_dataset(root, data)
    url = f"sqlite:///{root / 'cx.db'}"
    result = cxbridge.sync(config, destination=url, host=create_host())
    assert result.exit_code == 0 and all(r.quarantined == 0 for r in result.results)
    for by, args in asked:
        assert_report_matches(json.loads(report(url, "--by", by, *args, data=data)), by, data=data, **as_options(args))


def test_a_report_without_rows_says_why(tmp_path):
    """No scored answer stored (no metric mapped), or none the filters keep: `(no rows)` alone
    left a user guessing; the line under it says which, with the records stored counted here."""
    from click.testing import CliRunner

    from cxbridge.cli.main import cli

    rows = [[f"R{n}", f"2025-03-0{n}T09:00:00Z", "fine"] for n in range(1, 4)]
    (tmp_path / "comments.csv").write_text("id,submitted,comment\n" + "".join(",".join(r) + "\n" for r in rows),
                                           encoding="utf-8")  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text(
        '[sources.notes]\nconnector = "csv"\npath = "comments.csv"\n[sources.notes.columns]\nid = "id"\n'
        'submitted_at = "submitted"\ncomment = "comment"\n', encoding="utf-8")  # fmt: skip
    config = str(tmp_path / "cxbridge.toml")
    assert cxbridge.sync(config, host=create_host()).exit_code == 0
    unscored = CliRunner().invoke(cli, ["report", "--config", config])
    assert "(no rows)" in unscored.output
    assert f"{len(rows)} records stored, none with a scored answer" in unscored.output
    # inspect proposes only the columns it recognises ("Great" … "Awful" it leaves unscored): the
    # advice names what maps any other one
    assert " ".join(unscored.output.split()).endswith(
        "map the metric columns of the sources: `cxbridge inspect FILE` proposes those it recognises, and a "
        "[[sources.NAME.metrics]] entry (column, metric) maps any other (docs/files.md)")  # fmt: skip
    as_json = CliRunner().invoke(cli, ["report", "--config", config, "--format", "json"])
    assert json.loads(as_json.stdout) == [] and "none with a scored answer" in as_json.stderr
    (tmp_path / "scored.csv").write_text("id,submitted,nps\nS1,2025-03-01T09:00:00Z,9\n", encoding="utf-8")
    with (tmp_path / "cxbridge.toml").open("a", encoding="utf-8") as toml:
        toml.write('[sources.scored]\nconnector = "csv"\npath = "scored.csv"\n[sources.scored.columns]\nid = "id"\n'
                   'submitted_at = "submitted"\n[[sources.scored.metrics]]\ncolumn = "nps"\nmetric = "nps"\n')  # fmt: skip
    assert cxbridge.sync(config, host=create_host()).exit_code == 0
    filtered = CliRunner().invoke(cli, ["report", "--config", config, "--since", "2030-01-01", "--metric", "NPS"])
    assert f"{len(rows) + 1} records stored: the filters given (--metric nps, --since 2030-01-01) keep none" in (
        filtered.output
    )  # before 2026-12-07 it listed every filter the command has, given or not


STORE_QUESTION = "How likely are you to recommend this store?"
BRAND_QUESTION = "How likely are you to recommend Acme to a friend?"
QUESTIONS_CONFIG = f"""
[sources.stores]
connector = "csv"
path = "stores.csv"

[sources.stores.columns]
id = "id"
submitted_at = "submitted"

[[sources.stores.metrics]]
column = "{BRAND_QUESTION}"
metric = "nps"

[[sources.stores.metrics]]
column = "{STORE_QUESTION}"
metric = "nps"
primary = true

[[sources.stores.metrics]]
column = "satisfied"
metric = "csat"
scale = [1, 5]

[sources.brand]
connector = "csv"
path = "brand.csv"

[sources.brand.columns]
id = "id"
submitted_at = "submitted"

[[sources.brand.metrics]]
column = "{BRAND_QUESTION}"
metric = "nps"
"""


def test_every_json_row_has_the_same_keys_questions_among_them(tmp_path, monkeypatch):
    """A program reading the JSON finds the same keys on every row, whatever the metric and
    however many questions stand behind it: `questions` is a list on each — the one question of
    the example's CSAT, none of a mystery shop's or an audit's mean of a visit's scores. Before, the
    key was there only on the rows of a metric of several questions."""
    examples_synced_in(tmp_path, monkeypatch)
    for args in ([], ["--by", "location"], ["--metric", "csat"], ["--metric", "audit"]):
        printed = CliRunner().invoke(cli, ["report", "--config", "examples/cxbridge.toml", "--format", "json", *args])
        rows = json.loads(printed.stdout)
        assert rows and len({tuple(row) for row in rows}) == 1, (args, {tuple(row) for row in rows})
        for row in rows:
            metric = row.get("metric") or args[1]
            assert (row["questions"] == []) == (metric in ("mystery_shop", "audit")), (args, row)
            assert all(isinstance(question, str) for question in row["questions"]), (args, row)


def test_the_report_names_the_questions_behind_a_metric_of_several(tmp_path, monkeypatch):
    """A store survey counts its 'recommend this store' (primary; it asks about the brand too) and
    a brand survey its 'recommend Acme': "NPS" is two questions. The table's last lines, the JSON
    rows and the HTML trend name each source's question, as an SQL query of feedback_scores finds
    them; CSAT, of one question, gets no word; the CSV header stays the documented one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stores.csv").write_text(
        f'id,submitted,"{STORE_QUESTION}","{BRAND_QUESTION}",satisfied\n'
        "S1,2025-01-10T10:00:00Z,9,3,5\nS2,2025-02-10T10:00:00Z,2,10,4\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "brand.csv").write_text(f'id,submitted,"{BRAND_QUESTION}"\nB1,2025-01-12T10:00:00Z,7\n',
                                        encoding="utf-8")  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text(QUESTIONS_CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    assert cxbridge.sync(tmp_path / "cxbridge.toml", destination=url, host=create_host()).exit_code == 0
    with sqlite3.connect(tmp_path / "cx.db") as db:
        found = db.execute(
            "SELECT DISTINCT substr(f.submitted_local_date, 1, 7), f.source, COALESCE(s.question_text, s.question_id) "
            "FROM feedback f JOIN feedback_scores s ON s.record_id = f.record_id "
            "WHERE s.metric = 'nps' AND s.is_primary AND f.duplicate_of IS NULL ORDER BY 1, 2, 3"
        ).fetchall()
    assert {question for _, _, question in found} == {STORE_QUESTION, BRAND_QUESTION}  # the data is what is meant
    by_month = defaultdict(list)
    for month, source, question in found:
        by_month[month].append(f"{source}: {question}")

    rows = json.loads(report(url))
    assert {row["month"]: row["questions"] for row in rows if row["metric"] == "nps"} == by_month
    assert [row["questions"] for row in rows if row["metric"] == "csat"] == [["stores: satisfied"]] * 2  # one, but there
    assert [row["questions"] for row in json.loads(report(url, "--metric", "nps"))] == list(by_month.values())

    legend = [line for line in report(url, fmt="table").splitlines() if "primary question" in line]
    everyone = sorted({f"{source}: {question}" for _, source, question in found})
    assert legend == ["nps of voc counts each record's primary question of: " + " · ".join(everyone)]
    assert next(csv.reader(io.StringIO(report(url, fmt="csv")))) == ["month", "program", "metric", "responses", "score"]

    page = cxbridge.report_html(tmp_path / "report.html", destination=url, host=create_host()).read_text(encoding="utf-8")
    assert f'data-questions="voc-nps">Each record counts by its primary question: {"; ".join(everyone)}</p>' in page
    assert 'data-questions="voc-csat"' not in page
