"""Commands that list rows show a bounded table — the first rows, in their order, and a line saying
how many more and how to see them — while JSON and CSV give every row unless `--limit` says."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli
from tests.conftest import survey_row
from tests.local_destinations import LOCAL_KINDS, destination_url

RESPONSES = 150
TABLE_ROWS = 100  # docs/cli.md: a table shows the first 100 rows unless --limit says


def nps_of(n: int) -> str:
    """Seven in ten are detractors (a case each), one in ten is off the scale (quarantined)."""
    return "2" if n % 10 < 7 else "11" if n % 10 == 7 else "9"


CASES = sum(1 for n in range(RESPONSES) if nps_of(n) == "2")
QUARANTINED = sum(1 for n in range(RESPONSES) if nps_of(n) == "11")


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def synced(workspace):
    workspace.write_csv([survey_row(n, nps=nps_of(n)) for n in range(RESPONSES)])
    workspace.sync()
    return workspace


def listed_ids(table: str, ids: list[str]) -> list[str]:
    """The ids of `ids` the table's lines show, in the table's order."""
    known = set(ids)
    return [word for line in table.splitlines() for word in line.split() if word in known]


def test_a_table_of_cases_shows_the_oldest_and_says_how_many_more(synced):
    assert CASES > TABLE_ROWS
    every = [case["case_id"] for case in json.loads(run("cases", "list", "--format", "json"))]
    assert len(every) == CASES
    table = run("cases", "list")
    assert listed_ids(table, every) == every[:TABLE_ROWS]
    assert table.splitlines()[-1] == (
        f"… {CASES - TABLE_ROWS} more not shown: --limit 0 shows them all, --limit N the first N"
    )
    assert listed_ids(run("cases", "list", "--limit", "7"), every) == every[:7]
    everything = run("cases", "list", "--limit", "0")
    assert listed_ids(everything, every) == every and "more not shown" not in everything


def test_json_and_csv_give_every_case_unless_limited(synced):
    assert len(json.loads(run("cases", "list", "--format", "json"))) == CASES
    rows = list(csv.DictReader(io.StringIO(run("cases", "list", "--format", "csv"))))
    assert len(rows) == CASES and len({row["case_id"] for row in rows}) == CASES
    assert len(json.loads(run("cases", "list", "--format", "json", "--limit", "3"))) == 3
    assert len(list(csv.DictReader(io.StringIO(run("cases", "list", "--format", "csv", "--limit", "3"))))) == 3


def test_the_quarantine_list_is_bounded_by_the_same_option(synced):
    every = json.loads(run("quarantine", "list", "--format", "json"))
    assert len(every) == QUARANTINED
    assert len(list(csv.DictReader(io.StringIO(run("quarantine", "list", "--format", "csv"))))) == QUARANTINED
    table = run("quarantine", "list", "--limit", "4")
    assert listed_ids(table, [item["id"] for item in every]) == [item["id"] for item in every[:4]]
    assert table.splitlines()[-1].startswith(f"… {QUARANTINED - 4} more not shown")
    assert "more not shown" not in run("quarantine", "list")


def test_an_empty_list_is_said_as_before(workspace):
    workspace.write_csv([survey_row(n, nps="9") for n in range(3)])
    workspace.sync()
    assert run("cases", "list") == "cases: none\n"
    assert run("cases", "list", "--format", "json") == "[]\n"
    assert run("cases", "list", "--format", "csv").splitlines()[0].startswith("case_id,status,rule")


def watch_fetches(monkeypatch: pytest.MonkeyPatch, *, batch: int) -> list[str]:
    """The statements the SQL destinations stream (`fetch_rows`: SQLDestination's, and
    PostgreSQL's server-side cursor), read `batch` rows at a time."""
    from cxbridge.plugins.postgres.destination import PostgresDestination
    from cxbridge.sql_destination import SQLDestination

    fetched: list[str] = []
    for module in ("cxbridge.sql_destination", "cxbridge.plugins.postgres.destination"):
        monkeypatch.setattr(f"{module}.FETCH_BATCH", batch)
    for kind in (SQLDestination, PostgresDestination):
        original = kind.fetch_rows
        monkeypatch.setattr(kind, "fetch_rows",
                            lambda self, sql, params=(), original=original: fetched.append(sql) or original(self, sql, params))  # fmt: skip
    return fetched


@pytest.mark.parametrize("kind", LOCAL_KINDS)
def test_cases_are_read_a_batch_at_a_time_in_the_listed_order(workspace, request, monkeypatch, kind):
    """`cases_list` yields the cases oldest first (ties by id) as the destination hands them over,
    a few rows at a time, instead of holding every case before the first is printed."""
    import cxbridge
    from cxbridge.api import reading

    fetched = watch_fetches(monkeypatch, batch=7)
    url = destination_url(kind, workspace.root, request, "cases")
    workspace.write_csv([survey_row(n, nps=nps_of(n)) for n in range(RESPONSES)])
    workspace.sync(destination=url)
    with reading(workspace.config, destination=url) as dest:
        stored = dest.query("SELECT case_id, opened_at FROM feedback_cases")
    expected = [row["case_id"] for row in sorted(stored, key=lambda row: (str(row["opened_at"]), row["case_id"]))]

    listed = cxbridge.cases_list(workspace.config, destination=url)
    assert not isinstance(listed, list)
    assert [case.case_id for case in listed] == expected and len(expected) == CASES
    assert kind == "sqlite" or any("feedback_cases" in sql for sql in fetched)


def test_a_report_table_shows_every_figure_of_a_day_by_day_report(synced):
    """A report's rows are figures, one per day and metric here: more than a list's 100, shown whole."""
    figures = json.loads(run("report", "--by", "day", "--format", "json"))
    assert len(figures) > TABLE_ROWS
    table = run("report", "--by", "day")
    assert "more not shown" not in table
    days = {str(row["day"]) for row in figures}
    assert sum(1 for line in table.splitlines() if line.split() and line.split()[0] in days) == len(figures)


@pytest.mark.parametrize("kind", LOCAL_KINDS)
def test_the_quarantine_is_read_a_batch_at_a_time_in_file_and_row_order(workspace, request, monkeypatch, kind):
    """`quarantine_list` yields the quarantined rows by file (as Python orders the names: `B`
    before `a`, whatever the database's collation) and row number (row 10 after row 9), as the
    destination hands them over a few at a time, instead of sorting every payload in memory."""
    import cxbridge

    fetched = watch_fetches(monkeypatch, batch=3)
    url = destination_url(kind, workspace.root, request, "quarantine")
    files = {"responses_b.csv": range(0, 30), "responses_B.csv": range(100, 130), "responses_a.csv": range(200, 230)}
    for name, numbers in files.items():
        workspace.write_csv([survey_row(n, nps="11" if n % 4 == 0 else "9") for n in numbers], name)
    workspace.sync(destination=url)
    header = 1  # rows are numbered as the sheet shows them: the header is row 1
    expected = sorted(
        (name, n - numbers.start + 1 + header) for name, numbers in files.items() for n in numbers if n % 4 == 0
    )

    listed = cxbridge.quarantine_list(workspace.config, destination=url)
    assert not isinstance(listed, list)
    assert [(item.context["file"], item.context["row"]) for item in listed] == expected and len(expected) == 24
    assert kind == "sqlite" or any("quarantine" in sql for sql in fetched)


@pytest.mark.parametrize("listing", ["cases_list", "quarantine_list"])
def test_a_listing_fails_when_called_not_when_first_read(tmp_path, monkeypatch, listing):
    """The iterators of the Python API open the destination at the call: a caller that wraps the
    call in try/except hears of a missing database or an unknown destination there, not at the
    first `next()` outside it."""
    import cxbridge
    from cxbridge.errors import ConfigError

    monkeypatch.chdir(tmp_path)  # no cxbridge.toml here
    with pytest.raises(ConfigError, match="does not exist yet; run `cxbridge sync` first"):
        getattr(cxbridge, listing)(destination=f"sqlite:///{tmp_path / 'missing.db'}")
    with pytest.raises(ConfigError, match="nosuch"):
        getattr(cxbridge, listing)(destination="nosuch:///cx.db")


def test_a_listing_closes_its_destination_when_dropped_unread(synced, monkeypatch):
    """An iterator dropped (or closed) before its last row closes the destination it opened."""
    import cxbridge
    from cxbridge.plugins.sqlite.destination import SQLiteDestination

    closed = []
    original = SQLiteDestination.close
    monkeypatch.setattr(SQLiteDestination, "close", lambda self: closed.append(self) or original(self))
    listed = cxbridge.cases_list(synced.config)
    assert next(listed).case_id and not closed
    listed.close()
    assert closed


def test_a_table_longer_than_the_bounded_one_prints_each_row_as_it_comes(capsys):
    """`--limit 0` (or a limit above 100) on 78,000 cases drew one rich table, every cell measured
    before the first line: a minute of CPU. Past the bounded table's rows, rows are laid out in
    columns as wide as the first 100 need, each printed as it is read."""
    from cxbridge.cli import output

    before: dict[int, str] = {}

    def cases():
        for n in range(250):
            before[n] = capsys.readouterr().out
            yield {"case_id": f"c{n:03d}", "owner": "anna@example.com" if n % 2 else None, "hours": n * 1.5}

    output.rows(cases(), fmt="table", title="cases", limit=0)
    printed = "".join(before.values()) + capsys.readouterr().out
    assert "c150" in "".join(before[n] for n in range(201)), "row 150 printed before row 200 was read"
    lines = printed.splitlines()
    assert lines[0] == "cases" and lines[1].split() == ["case_id", "owner", "hours"]
    rows = lines[3:]  # under the title, the header and its rule
    assert [line.split()[0] for line in rows] == [f"c{n:03d}" for n in range(250)]
    assert rows[3].split() == ["c003", "anna@example.com", "4.5"] and rows[2].split() == ["c002", "3.0"]
    assert len({line.rindex(line.split()[-1][-1]) for line in rows}) == 1, "numbers right-aligned in one column"
    assert "more not shown" not in printed


@pytest.mark.parametrize("kind", ["duckdb", "parquet"])
def test_duckdb_draws_no_progress_bar_into_what_a_command_prints(workspace, request, kind):
    """DuckDB draws a progress bar on stdout for a query past two seconds: on a loaded machine
    `cxbridge duplicates --format csv > out.csv` on a lake of 150,000 records got
    `100% ▕████…▏ (00:01:16.26 elapsed)` between two rows. Every connection turns it off."""
    url = destination_url(kind, workspace.root, request, "bar")
    workspace.write_csv([survey_row(n, nps="9") for n in range(3)])
    workspace.sync(destination=url)
    script = (
        "import sys; from cxbridge.api import reading\n"
        "with reading(sys.argv[1], destination=sys.argv[2]) as dest:\n"
        "    print(dest.query(\"SELECT current_setting('enable_progress_bar') AS drawn\"))"
    )  # a process of its own, stdout a pipe, as a command's output to a file (pytest's capture changes it)
    found = subprocess.run([sys.executable, "-c", script, str(workspace.config), url], capture_output=True, text=True)
    assert found.stdout == "[{'drawn': False}]\n", found.stderr
