"""Figures by period at the edges of days (the truth audit of time): customers of one program
answering through four sources in Tokyo and Auckland (ahead of UTC), Los Angeles (behind it) and
Warsaw (`[settings] timezone`, over both of its 2025 clock changes), at 23:30 and 00:30 local
around month ends, in naive file times and in times carrying `Z` or `+09:00`; mystery shops and
audits at the same edges. Every record's local day is worked out here with `zoneinfo` from the
documented rule (docs/report.md: the source's `timezone`, else `[settings] timezone`) and each
month's and week's NPS, CSAT %, CES % low effort, counts and mean scores from the rows written
below — then compared with `cxbridge report` (JSON), the by-month views, the HTML report, and
`--since`/`--until` at their boundaries."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import defaultdict
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.errors import ConfigError
from tests.conftest import half_up
from tests.html_pages import Page
from tests.test_report_intervals import adjusted_wald, agresti_caffo, assert_changes, close, wilson

SETTINGS_ZONE = "Europe/Warsaw"
ZONES = {"tokyo": "Asia/Tokyo", "auckland": "Pacific/Auckland", "la": "America/Los_Angeles", "warsaw": None,
         "shops": "America/Los_Angeles", "audits": None}  # fmt: skip
ANSWERS = {  # source: (submitted as written, NPS 0–10, CSAT 1–5, CES 1–7 higher is better)
    "tokyo": [
        ("2025-10-31 23:30", 10, 5, 7),
        ("2025-11-01 00:30", 3, 2, 2),
        ("2025-11-30 23:30", 9, 4, 6),
        ("2025-12-01 00:30", 6, 3, 4),
        ("2025-10-31T15:30:00Z", 8, 4, 5),
        ("2025-11-01T00:30:00+09:00", 0, 1, 1),
        ("2025-10-31T14:59:00Z", 10, 5, 6),
    ],
    "auckland": [
        ("2025-10-31 23:30", 2, 1, 2),
        ("2025-11-01 00:30", 10, 5, 7),
        ("2025-11-30 23:30", 7, 3, 3),
        ("2025-12-01 00:30", 9, 4, 6),
        ("2025-12-31 23:30", 5, 2, 1),
        ("2026-01-01 00:30", 10, 5, 7),
    ],
    "la": [
        ("2025-10-31 23:30", 9, 5, 6),
        ("2025-11-01 00:30", 1, 1, 1),
        ("2025-11-30 23:30", 8, 4, 5),
        ("2025-12-01 00:30", 10, 5, 7),
        ("2025-11-01T06:59:00Z", 4, 2, 3),
        ("2025-11-01T07:00:00Z", 9, 4, 6),
    ],
    "warsaw": [
        ("2025-03-30 02:30", 10, 4, 6),
        ("2025-03-31 23:59", 6, 2, 2),
        ("2025-04-01 00:00", 9, 5, 7),
        ("2025-03-31T22:30:00Z", 3, 3, 4),
        ("2025-10-26 02:30", 8, 4, 5),
        ("2025-10-31 23:30", 10, 5, 6),
        ("2025-11-01 00:30", 0, 1, 1),
        ("2025-10-31T23:30:00Z", 7, 3, 3),
    ],
}
POINTS = {  # source: (submitted as written, points) — mystery shops of 40 points, audits of 20
    "shops": [
        ("2025-10-31 23:30", 30),
        ("2025-11-01 00:30", 36),
        ("2025-11-01T07:30:00Z", 21),
        ("2025-11-30 23:30", 40),
    ],
    "audits": [
        ("2025-10-31 23:30", 15),
        ("2025-11-01 00:30", 18),
        ("2025-10-31T23:30:00Z", 11),
        ("2025-11-30 23:30", 20),
    ],
}
OF = {"shops": 40, "audits": 20}
PROGRAM = {"shops": "mystery_shop", "audits": "audit"}


def local_day(source: str, written: str) -> date:
    """A time without a zone read in its source's zone, one with an offset moved into it."""
    zone = ZoneInfo(ZONES[source] or SETTINGS_ZONE)
    moment = datetime.fromisoformat(written)
    return (moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)).date()


def bucket(day: date, by: str) -> str:
    year, week, _ = day.isocalendar()
    return {
        "month": f"{day.year}-{day.month:02d}",
        "week": f"{year}-W{week:02d}",
        "day": day.isoformat(),
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
    }[by]


def share(part: int, whole: int) -> float:
    return half_up(Fraction(100 * part, whole))


def expected_report(by: str) -> dict[tuple[str, str, str], tuple[int, float]]:
    """(bucket, program, metric) → (responses, score), from the rows above."""
    answers: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for source, rows in ANSWERS.items():
        for written, nps, csat, ces in rows:
            answers[bucket(local_day(source, written), by)].append((nps, csat, ces))
    figures = {}
    for period, found in answers.items():
        n = len(found)
        promoters, detractors = sum(a[0] >= 9 for a in found), sum(a[0] <= 6 for a in found)
        figures[period, "voc", "nps"] = (n, share(promoters - detractors, n))
        figures[period, "voc", "csat"] = (n, share(sum(a[1] >= 4 for a in found), n))
        figures[period, "voc", "ces"] = (n, share(sum(a[2] >= 6 for a in found), n))
    scores: dict[tuple[str, str], list[Fraction]] = defaultdict(list)
    for source, rows in POINTS.items():
        for written, points in rows:
            scores[bucket(local_day(source, written), by), PROGRAM[source]].append(Fraction(100 * points, OF[source]))
    for (period, program), found in scores.items():
        figures[period, program, program] = (len(found), half_up(sum(found) / len(found)))
    return figures


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _source(name: str, metrics: str) -> str:
    zone = f'timezone = "{ZONES[name]}"\n' if ZONES[name] else ""
    program = f'program = "{PROGRAM[name]}"\n' if name in PROGRAM else ""
    return f"""
[sources.{name}]
connector = "csv"
path = "{name}.csv"
{zone}{program}
[sources.{name}.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
comment = "comment"
{metrics}"""


ANSWER_METRICS = """
[[sources.{name}.metrics]]
column = "nps"
metric = "nps"

[[sources.{name}.metrics]]
column = "csat"
metric = "csat"
scale = [1, 5]

[[sources.{name}.metrics]]
column = "ces"
metric = "ces"
scale = [1, 7]
direction = "higher_is_better"
"""


def comment(source: str, n: int) -> str:
    return f"{source} answer {n}"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six sources synced into one SQLite file; its cxbridge.toml."""
    folder = tmp_path_factory.mktemp("local_periods")
    config = [f'[settings]\ntimezone = "{SETTINGS_ZONE}"\n\n[destination]\nurl = "sqlite:///{folder / "cx.db"}"\n']
    for source, rows in ANSWERS.items():
        _write(folder / f"{source}.csv", ["id", "submitted", "store", "nps", "csat", "ces", "comment"],
               [[n, written, source, nps, csat, ces, comment(source, n)] for n, (written, nps, csat, ces) in enumerate(rows)])  # fmt: skip
        config.append(_source(source, ANSWER_METRICS.format(name=source)))
    for source, rows in POINTS.items():
        _write(folder / f"{source}.csv", ["id", "submitted", "store", "points", "comment"],
               [[n, written, source, points, comment(source, n)] for n, (written, points) in enumerate(rows)])  # fmt: skip
        metric = f'\n[[sources.{source}.metrics]]\ncolumn = "points"\nmetric = "{PROGRAM[source]}"\nscale = [0, {OF[source]}]\n'
        config.append(_source(source, metric))
    (folder / "cxbridge.toml").write_text("".join(config), encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--config", str(folder / "cxbridge.toml")])
    assert result.exit_code == 0, result.output
    assert "0 quarantined" in result.output and " 1 quarantined" not in result.output
    return folder / "cxbridge.toml"


def report(config: Path, *options: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["report", "--config", str(config), "--format", "json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def figures_of(rows: list[dict], by: str) -> dict[tuple[str, str, str], tuple[int, float]]:
    return {(row[by], row["program"], row["metric"]): (row["responses"], row["score"]) for row in rows}


def test_the_edges_fall_on_both_sides_of_month_ends_in_every_zone():
    """The data is what the checks need: 23:30 and 00:30 local land in two months, and an
    instant written in UTC lands in the month of its source's zone, not of UTC."""
    assert local_day("tokyo", "2025-10-31T15:30:00Z") == date(2025, 11, 1)
    assert local_day("la", "2025-11-01T06:59:00Z") == date(2025, 10, 31)
    assert local_day("warsaw", "2025-03-31T22:30:00Z") == date(2025, 4, 1)
    assert local_day("warsaw", "2025-10-31T23:30:00Z") == date(2025, 11, 1)
    months = {bucket(local_day(s, w), "month") for s, rows in ANSWERS.items() for w, *_ in rows}
    assert months == {"2025-03", "2025-04", "2025-10", "2025-11", "2025-12", "2026-01"}


@pytest.mark.parametrize("by", ["month", "week", "day", "quarter"])
def test_each_periods_figures_are_those_of_the_local_days(dataset, by):
    assert figures_of(report(dataset, "--by", by), by) == expected_report(by)


def answers_by(by: str) -> dict[str, list[tuple[int, int, int]]]:
    found: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for source, rows in ANSWERS.items():
        for written, *answer in rows:
            found[bucket(local_day(source, written), by)].append(tuple(answer))
    return found


@pytest.mark.parametrize("by", ["month", "week"])
def test_each_periods_interval_and_change_are_those_of_its_local_answers(dataset, by):
    """NPS: Rocks's adjusted Wald; CSAT %: Wilson's interval, changes by Agresti and Caffo
    (docs/report.md, computed by tests/test_report_intervals.py's own means)."""
    periods = answers_by(by)
    nps_rows = report(dataset, "--by", by, "--metric", "nps")
    estimates = {}
    for row in nps_rows:
        values = [1 if nps >= 9 else -1 if nps <= 6 else 0 for nps, _, _ in periods[row[by]]]
        centre, se, low, high = adjusted_wald(values)
        assert close(row["ci_low"], low) and close(row["ci_high"], high), row
        estimates[row[by]] = (100 * Fraction(sum(values), len(values)), centre, se)
    assert_changes(nps_rows, estimates, by)
    csat_rows = report(dataset, "--by", by, "--metric", "csat")
    for row in csat_rows:
        satisfied, n = sum(csat >= 4 for _, csat, _ in periods[row[by]]), len(periods[row[by]])
        low, high = wilson(satisfied, n)
        assert close(row["ci_low"], 100 * low) and close(row["ci_high"], 100 * high), row
        estimates[row[by]] = (100 * Fraction(satisfied, n), *agresti_caffo(satisfied, n))
    assert_changes(csat_rows, estimates, by)
    assert [row[by] for row in nps_rows] == sorted(periods)


def test_the_by_month_views_add_up_to_the_reports_months(dataset):
    expected = {key: value for key, value in expected_report("month").items() if key[1] == "voc"}
    found = {}
    with sqlite3.connect(dataset.parent / "cx.db") as conn:
        for view, metric, part in (("nps_by_month", "nps", "promoters - detractors"),
                                   ("csat_by_month", "csat", "satisfied"), ("ces_by_month", "ces", "low_effort")):  # fmt: skip
            sql = f"SELECT month, SUM(responses), SUM({part}) FROM {view} WHERE program = 'voc' GROUP BY month"
            for month, responses, parts in conn.execute(sql):
                found[month, "voc", metric] = (responses, share(parts, responses))
    assert found == expected


@pytest.mark.parametrize(("since", "until"), [("2025-11-01", "2025-12-01"), ("2025-10-31", "2025-11-01"),
                                              ("2025-04-01", "2025-10-27")])  # fmt: skip
def test_since_and_until_keep_the_local_days_from_since_up_to_the_day_before_until(dataset, since, until):
    first, end = date.fromisoformat(since), date.fromisoformat(until)
    expected = defaultdict(int)
    for source, rows in [*ANSWERS.items(), *POINTS.items()]:
        for written, *_ in rows:
            if first <= local_day(source, written) < end:
                expected[PROGRAM.get(source, "voc")] += 1
    found = {row["program"]: row["responses"] for row in report(dataset, "--by", "program", "--since", since,
                                                                "--until", until) if row["metric"] != "csat"}  # fmt: skip
    assert found == {program: n for program, n in expected.items()}


@pytest.fixture(scope="module")
def page(dataset: Path) -> str:
    """The HTML report of the whole dataset, by month."""
    path = dataset.parent / "report.html"
    result = CliRunner().invoke(cli, ["report", "--config", str(dataset), "--html", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("by", ["month", "week"])
def test_the_html_reports_trends_show_each_periods_figures(page, dataset, tmp_path, by):
    if by != "month":
        path = tmp_path / f"by-{by}.html"
        result = CliRunner().invoke(cli, ["report", "--config", str(dataset), "--html", str(path), "--by", by])
        assert result.exit_code == 0, result.output
        page = path.read_text(encoding="utf-8")
    tables = Page(page).tables
    shown = {}
    for program, metric in {key[1:] for key in expected_report(by)}:
        for period, responses, score, *_ in tables[f"trend-{program}-{metric}"][1:]:
            shown[period, program, metric] = (int(responses), float(score.replace("\N{MINUS SIGN}", "-")))
    assert shown == expected_report(by)


def test_the_html_report_shows_each_comment_on_its_local_day(page):
    """A comment written 00:30 on 1 December in Tokyo (15:30 UTC the day before) counts in
    December in the trends: the page dates it 2025-12-01, not the UTC day."""
    shown = re.findall(r"<blockquote>(\w+) answer (\d+)</blockquote><span class=\"meta\">([^ ]+) ·", page)
    assert len(shown) == 3 * len(ZONES)  # the newest three of each store
    written = {source: [row[0] for row in rows] for source, rows in [*ANSWERS.items(), *POINTS.items()]}
    assert {(s, n): day for s, n, day in shown} == {
        (s, n): local_day(s, written[s][int(n)]).isoformat() for s, n, _ in shown
    }
    assert ("tokyo", "3", "2025-12-01") in shown


@pytest.mark.parametrize(("zone", "day"), [(None, "2017-07-17"), ("Europe/London", "2017-07-18")])
def test_a_qualtrics_export_declaring_its_zone_is_read_in_it_and_counted_in_the_sources_days(tmp_path, zone, day):
    """An export made in Tokyo says so: 08:28:48 there is 23:28:48 UTC on the 17th whatever
    the source's zone, and, as every record, it counts on its day in the source's zone — UTC
    unless set (the 17th), 00:28 on the 18th in London — not on the export's (docs/files.md)."""
    from tests.test_importing import zoned_qualtrics_export

    export = zoned_qualtrics_export(tmp_path / "tokyo.csv", "Asia/Tokyo")
    given = ["--timezone", zone] if zone else []
    result = CliRunner().invoke(cli, ["import", str(export), "--db", str(tmp_path / "cx.db"), *given])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "cx.db") as conn:
        stored = conn.execute("SELECT submitted_at, submitted_local_date FROM feedback").fetchall()
    assert stored == [("2017-07-17T23:28:48Z", day)]


def test_a_midnight_datetime_bounds_the_same_local_days_as_its_date_in_python(dataset):
    """`cxbridge.report(since=datetime(2025, 11, 1))` (what pandas and most code hold) kept
    1 November out and 1 December in: the bounds were compared as text with the days."""
    by_date = cxbridge.report(dataset, by="program", since=date(2025, 11, 1), until=date(2025, 12, 1))
    november = sum(local_day(s, w).month == 11 for s, rows in ANSWERS.items() for w, *_ in rows)
    assert (by_date[0]["metric"], by_date[0]["responses"]) == ("nps", november)
    midnight = datetime(2025, 11, 1), datetime(2025, 12, 1, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert cxbridge.report(dataset, by="program", since=midnight[0], until=midnight[1]) == by_date
    with pytest.raises(ConfigError, match=r"since = 2025-11-01 05:00:00 is a time, not a day: .*date\(2025, 11, 1\)"):
        cxbridge.report(dataset, since=datetime(2025, 11, 1, 5))


def test_question_trend_and_location_ranking_count_each_month_of_local_days(dataset):
    """The other views by month: each question's answers (question_trend) and each store's NPS
    answers and score (location_ranking, monthly by default; a store is a source here)."""
    stores: dict[tuple[str, str], list[int]] = defaultdict(list)
    for source, rows in ANSWERS.items():
        for written, nps, *_ in rows:
            stores[bucket(local_day(source, written), "month"), source].append(nps)
    months: dict[str, int] = defaultdict(int)
    for (month, _), answers in stores.items():
        months[month] += len(answers)
    with sqlite3.connect(dataset.parent / "cx.db") as conn:
        trend = conn.execute("SELECT month, SUM(responses) FROM question_trend WHERE metric = 'nps' GROUP BY month")
        assert dict(trend.fetchall()) == months
        ranking = conn.execute("SELECT period, location_id, nps_answers, nps FROM location_ranking "
                               "WHERE nps_answers > 0").fetchall()  # fmt: skip
    expected = {
        key: (len(a), share(sum(n >= 9 for n in a) - sum(n <= 6 for n in a), len(a))) for key, a in stores.items()
    }
    assert {(period, store): (n, score) for period, store, n, score in ranking} == expected


def test_an_html_report_of_november_counts_and_dates_only_novembers_local_days(dataset, tmp_path):
    path = tmp_path / "november.html"
    args = ["report", "--config", str(dataset), "--html", str(path), "--since", "2025-11-01", "--until", "2025-12-01"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    html = path.read_text(encoding="utf-8")
    days = sorted(local_day(s, w) for s, rows in [*ANSWERS.items(), *POINTS.items()] for w, *_ in rows)
    november = [day.isoformat() for day in days if day.month == 11 and day.year == 2025]
    assert Page(html).counts["records"] == str(len(november))
    assert f"records, {november[0]} to {november[-1]}</p>" in html
    shown = re.findall(r"</blockquote><span class=\"meta\">([^ ]+) ·", html)
    assert shown and set(shown) <= set(november)


def test_parquet_folders_place_records_by_utc_month_and_the_views_count_local_months(dataset, tmp_path):
    """docs/bi.md: a tool reading the folders sees `month` as the UTC month — not the views'."""
    import duckdb

    args = ["sync", "--config", str(dataset), "--source", "tokyo", "--destination", f"parquet:///{tmp_path / 'lake'}"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    files = f"{tmp_path / 'lake'}/feedback/source=*/*/*.parquet"
    with duckdb.connect() as conn:
        folders = conn.execute(f"SELECT source_record_id, month, submitted_local_date FROM read_parquet('{files}', "
                               "hive_partitioning = true) ORDER BY 1").fetchall()  # fmt: skip
    expected = []
    for n, (written, *_) in enumerate(ANSWERS["tokyo"]):
        moment = datetime.fromisoformat(written)
        utc = (moment.replace(tzinfo=ZoneInfo("Asia/Tokyo")) if moment.tzinfo is None else moment).astimezone(UTC)
        expected.append((str(n), f"{utc:%Y-%m}", local_day("tokyo", written).isoformat()))
    assert folders == expected
    assert any(month != day[:7] for _, month, day in folders)


def test_the_documented_month_to_date_cast_reads_every_month_and_leaves_undated_empty():
    """docs/bi.md (Superset): `month || '-01'` cast as a date failed on 'undated-01'."""
    import duckdb

    text = (Path(__file__).resolve().parents[1] / "docs" / "bi.md").read_text(encoding="utf-8")
    cast, sqlite_cast = re.search(r"calculated column `(CAST\(.+?\))`\n\(on SQLite `(.+?)`\)", text).groups()
    months = "(SELECT '2025-11' AS month UNION ALL SELECT 'undated' AS month) t"
    with duckdb.connect() as conn:
        assert conn.execute(f"SELECT {cast} FROM {months} ORDER BY 1").fetchall() == [(date(2025, 11, 1),), (None,)]
    with sqlite3.connect(":memory:") as conn:
        assert conn.execute(f"SELECT {sqlite_cast} FROM {months} ORDER BY 1").fetchall() == [(None,), ("2025-11-01",)]


def test_the_documented_nps_trend_is_the_last_twelve_dated_months(tmp_path):
    """docs/bi.md's 'last twelve months' sorted `undated` (text after every month) first in
    DESC order: a dataset with records without a time got eleven months and `undated`."""
    from tests.sqlite_runs import documented_query

    months = [f"2025-{m:02d}-15 12:00" for m in range(1, 13)] + ["2026-01-15 12:00", "2026-02-15 12:00"]
    _write(tmp_path / "dated.csv", ["id", "submitted", "nps"], [[n, when, n % 11] for n, when in enumerate(months)])
    _write(tmp_path / "undated.csv", ["id", "nps"], [[1, 10], [2, 0]])
    sources = [f'[sources.{name}]\nconnector = "csv"\npath = "{name}.csv"\n[sources.{name}.columns]\nid = "id"\n'
               f'{timed}[[sources.{name}.metrics]]\ncolumn = "nps"\nmetric = "nps"\n'
               for name, timed in (("dated", 'submitted_at = "submitted"\n'), ("undated", ""))]  # fmt: skip
    (tmp_path / "cxbridge.toml").write_text("\n".join(sources), encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--config", str(tmp_path / "cxbridge.toml")])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "cxbridge.db") as conn:
        rows = conn.execute(documented_query("NPS trend of one program")).fetchall()
    expected = [(when[:7], 1, float(100 * (n % 11 >= 9) - 100 * (n % 11 <= 6))) for n, when in enumerate(months)]
    assert rows == expected[::-1][:12]


def api_builder(zone: str):
    """The record builder of an API source whose `timezone` is `zone`."""
    from cxbridge.normalize import RecordBuilder
    from cxbridge.sources import SourceConfig, SourceContext

    context = SourceContext("api", Path("."), timezone=zone)
    return RecordBuilder(context=context, config=SourceConfig(connector="api"), connector="api", stream="responses")


def test_a_plugin_reads_naive_times_in_the_sources_zone_as_docs_plugins_md_shows():
    """The documented normalize passes `tz=builder.zone`: 00:30 on 1 November from an API of a
    source in Tokyo is 15:30 UTC on 31 October and counts on 1 November."""
    from cxbridge.timestamps import parse_timestamp

    documented = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert 'submitted_at=parse_timestamp(raw.get("submitted_at"), tz=builder.zone)' in documented
    builder = api_builder("Asia/Tokyo")
    record = builder.build(native_id="1", raw={}, submitted_at=parse_timestamp("2025-11-01 00:30", tz=builder.zone))
    assert (record.submitted_at, record.submitted_local_date) == (
        datetime(2025, 10, 31, 15, 30, tzinfo=UTC),
        date(2025, 11, 1),
    )


@pytest.mark.parametrize(
    ("given", "stored", "day"),
    [("2025-11-01 00:30", datetime(2025, 10, 31, 15, 30, tzinfo=UTC), date(2025, 11, 1)),
     ("2025-10-31T23:30:00Z", datetime(2025, 10, 31, 23, 30, tzinfo=UTC), date(2025, 11, 1)),
     (datetime(2025, 11, 30, 23, 30), datetime(2025, 11, 30, 14, 30, tzinfo=UTC), date(2025, 11, 30)),
     (1761953400, datetime(2025, 10, 31, 23, 30, tzinfo=UTC), date(2025, 11, 1))],
)  # fmt: skip
def test_build_reads_the_time_a_plugin_hands_it_as_it_is_in_the_sources_zone(given, stored, day):
    """README's plugin passes the API's text (`submitted_at=raw["submitted_at"]`): build raised
    AttributeError ('str' object has no attribute 'tzinfo'); it is read as `parse_timestamp` reads
    it, a time without an offset in the source's zone."""
    builder = api_builder("Asia/Tokyo")
    record = builder.build(native_id="1", raw={}, submitted_at=given)
    assert (record.submitted_at, record.submitted_local_date) == (stored, day)


def test_build_names_submitted_at_when_a_plugins_time_is_no_time():
    from cxbridge.errors import DataError

    builder = api_builder("UTC")
    with pytest.raises(DataError, match=r"^submitted_at: timestamp .+ is not ISO-8601"):
        builder.build(native_id="1", raw={}, submitted_at="yesterday")


@pytest.mark.parametrize(
    ("given", "stored"),
    [("2025-11-01 00:30", datetime(2025, 10, 31, 15, 30, tzinfo=UTC)),
     (datetime(2025, 11, 30, 23, 30), datetime(2025, 11, 30, 14, 30, tzinfo=UTC)),
     ("2025-10-31T23:30:00Z", datetime(2025, 10, 31, 23, 30, tzinfo=UTC)),
     (1761953400, datetime(2025, 10, 31, 23, 30, tzinfo=UTC))],
)  # fmt: skip
def test_build_reads_a_plugins_updated_at_as_it_reads_submitted_at(given, stored):
    """A naive `updated_at` went to quarantine ("Input should have timezone info") while the same
    naive `submitted_at` was read in the source's zone: every time a plugin hands build is read
    the one way, and one that is no time is named."""
    from cxbridge.errors import DataError

    builder = api_builder("Asia/Tokyo")
    record = builder.build(native_id="1", raw={}, submitted_at=given, updated_at=given)
    assert (record.submitted_at, record.updated_at) == (stored, stored)
    with pytest.raises(DataError, match=r"^updated_at: timestamp .+ is not ISO-8601"):
        builder.build(native_id="1", raw={}, submitted_at=given, updated_at="soon")


def test_a_qualtrics_time_mapped_from_embedded_data_without_an_offset_is_read_in_the_sources_zone(
    tmp_path, monkeypatch
):
    """`[columns] submitted_at` may name an embedded field a survey fills with local clock text:
    20:00 on 31 October in a Tokyo source is 11:00 UTC and counts in October — it was read as
    20:00 UTC, 05:00 on 1 November in Tokyo, nine hours late and in the next month."""
    from cxbridge.plugins.qualtrics.source import QualtricsSource
    from tests.qualtrics_api import ROOT, TOKEN, QualtricsAccount, qualtrics, response
    from tests.sqlite_runs import query, sync_source

    monkeypatch.setattr(QualtricsSource, "sleep", staticmethod(lambda seconds: None))
    monkeypatch.setenv("QUALTRICS_API_TOKEN", TOKEN)
    account = QualtricsAccount()
    account.add_survey("SV_store1", "Store visit NPS 2026")
    naive, offset = response(1), response(2)
    naive["values"]["VisitTime"], offset["values"]["VisitTime"] = "2025-10-31 20:00", "2025-10-31T20:00:00+09:00"
    account.put("SV_store1", naive, offset)
    with qualtrics(account) as api:
        source = {"connector": "qualtrics", "base_url": api.url + ROOT, "api_token": "${QUALTRICS_API_TOKEN}",
                  "columns": {"location_id": "StoreID", "submitted_at": "VisitTime"}, "timezone": "Asia/Tokyo"}  # fmt: skip
        assert sync_source(tmp_path, source, name="stores").status == "success"
    stored = query(tmp_path, "SELECT submitted_at, submitted_local_date FROM feedback ORDER BY source_record_id")
    assert stored == [("2025-10-31T11:00:00Z", "2025-10-31")] * 2
