"""`cxbridge status --stale AGE` (cxbridge.freshness): the sources not synced successfully within
AGE — or never — and, with --max-quarantined, those whose last finished run quarantined more,
as a table, JSON or CSV, with exit code 1 when any is stale (0 when none), on SQLite and DuckDB."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge import plugins_host
from cxbridge.cli.main import cli
from cxbridge.plugins_host import create_host
from tests.many_sources import config_toml, expect, write_files
from tests.sqlite_runs import SHARED_SALT

LONG_AGO = "2020-01-01T06:00:00Z"


@pytest.fixture(params=["sqlite", "duckdb"])
def synced(request, tmp_path, monkeypatch):
    """branch_a synced now; branch_b (one of its three records quarantined) last synced in 2020."""
    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    write_files(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(config_toml("", forms=()), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cx.db'}" if request.param == "sqlite" else f"duckdb:///{tmp_path / 'cx.duckdb'}"
    assert cxbridge.sync(tmp_path / "cxbridge.toml", destination=url, host=create_host()).exit_code == 0
    moved = f"UPDATE sync_runs SET started_at = '{LONG_AGO}', finished_at = '{LONG_AGO}' WHERE source = 'branch_b'"
    if request.param == "sqlite":
        with sqlite3.connect(tmp_path / "cx.db") as conn:
            conn.execute(moved)
    else:
        import duckdb

        with duckdb.connect(str(tmp_path / "cx.duckdb")) as conn:
            conn.execute(moved)
    return url


def stale(url: str, *args: str):
    result = CliRunner().invoke(cli, ["status", "--destination", url, *args])
    return result.exit_code, result.output


def test_a_source_last_synced_long_ago_is_stale_with_exit_code_1(synced):
    code, out = stale(synced, "--stale", "30d", "--format", "json")
    found = json.loads(out)
    assert code == 1
    assert [row["source"] for row in found["stale"]] == ["branch_b"]
    [row] = found["stale"]
    assert row["last_success"] == LONG_AGO and row["last_status"] == "success"
    assert (row["last_read"], row["last_quarantined"]) == (3, 1)
    assert row["reason"].startswith("last success ") and row["reason"].endswith(" ago, more than 30d")
    assert found["stale_after"] == "30d"


def test_nothing_stale_within_a_long_enough_age_exits_0(synced):
    code, out = stale(synced, "--stale", "5000w")
    assert code == 0
    assert "no stale source" in out and "within 5000w" in out


def test_a_run_that_quarantined_more_than_the_limit_is_stale_too(synced):
    share = 100 * 1 / 3  # branch_b's last run: 1 of 3 records read went to quarantine
    code, out = stale(synced, "--stale", "5000w", "--max-quarantined", f"{int(share) + 1}%", "--format", "json")
    assert (code, json.loads(out)["stale"]) == (0, [])
    code, out = stale(synced, "--stale", "5000w", "--max-quarantined", f"{int(share)}%", "--format", "json")
    [row] = json.loads(out)["stale"]
    assert code == 1 and row["source"] == "branch_b"
    assert row["reason"] == f"its last run quarantined 1 of 3 records read, more than {int(share)}%"
    code, out = stale(synced, "--stale", "5000w", "--max-quarantined", "0", "--format", "csv")
    assert code == 1 and out.splitlines()[0].startswith("source,") and len(out.splitlines()) == 2


def test_a_configured_source_never_synced_is_stale(synced, tmp_path):
    (tmp_path / "branch_c.csv").write_text((tmp_path / "branch_a.csv").read_text(), encoding="utf-8")
    text = (tmp_path / "cxbridge.toml").read_text()
    extra = text[text.index("[sources.branch_a]"):text.index("[sources.branch_b]")].replace("branch_a", "branch_c")
    (tmp_path / "cxbridge.toml").write_text(text + "\n" + extra, encoding="utf-8")
    code, out = stale(synced, "--stale", "5000w")
    assert code == 1
    assert "branch_c" in out and "never synced successfully" in out and "branch_b" not in out


def test_an_age_that_is_not_one_is_refused_with_how_to_write_it(synced):
    code, out = stale(synced, "--stale", "soon")
    assert code == 2 and "write a number and a unit: 90m, 6h, 2d or 1w" in out
    code, out = stale(synced, "--max-quarantined", "5%")
    assert code == 2 and "--max-quarantined goes with --stale AGE" in out


def test_stale_without_an_age_holds_each_source_to_its_expected_every(synced, tmp_path):
    expect(tmp_path, branch_a="1d", branch_b="30d")  # branch_b last succeeded in 2020, branch_a now
    code, out = stale(synced, "--stale", "--format", "json")
    found = json.loads(out)
    assert code == 1 and found["stale_after"] is None
    [row] = found["stale"]
    assert (row["source"], row["stale_after"]) == ("branch_b", "30d")
    assert row["reason"].startswith("last success ") and row["reason"].endswith(" ago, more than 30d")
    report = cxbridge.status(tmp_path / "cxbridge.toml", destination=synced, stale=True)
    assert [(r["source"], r["stale_after"]) for r in report.stale] == [("branch_b", "30d")]


def test_an_age_on_the_command_line_overrides_each_expected_every(synced, tmp_path):
    expect(tmp_path, branch_a="1d", branch_b="5000w")  # 5000 weeks: 2020 is recent enough
    code, out = stale(synced, "--stale")
    assert code == 0 and "every one synced within its expected_every" in out
    code, out = stale(synced, "--stale", "30d", "--format", "csv")
    lines = out.splitlines()
    assert code == 1 and lines[0] == "source,last_success,last_status,last_read,last_quarantined,reason,stale_after"
    assert len(lines) == 2 and lines[1].startswith("branch_b,") and lines[1].endswith(",30d")


def test_a_source_without_expected_every_is_held_to_no_age_without_one_on_the_command_line(synced, tmp_path):
    expect(tmp_path, branch_a="1d")  # branch_b, last synced in 2020, has none
    code, out = stale(synced, "--stale", "--format", "json")
    assert (code, json.loads(out)["stale"]) == (0, [])
    code, out = stale(synced, "--stale", "--max-quarantined", "0", "--format", "json")
    [row] = json.loads(out)["stale"]  # its quarantine still counts
    assert code == 1 and row["source"] == "branch_b" and row["stale_after"] is None
    assert row["reason"] == "its last run quarantined 1 of 3 records read, more than 0"

    code, out = stale(synced, "--stale")
    assert code == 0 and "(1 of 2 sources checked: every one synced within its expected_every)" in out
    assert "without expected_every, only checked for a successful sync: branch_b" in out
    report = cxbridge.status(tmp_path / "cxbridge.toml", destination=synced, stale=True)
    assert report.stale_ages == {"branch_a": "1d", "branch_b": None}


def test_stale_without_an_age_when_no_source_has_expected_every_says_what_to_write(synced):
    code, out = stale(synced, "--stale")
    assert code == 2
    assert "--stale without an age holds each source to its expected_every" in out
    assert 'add expected_every = "1d" to [sources.NAME], or write --stale AGE' in out


@pytest.mark.parametrize(
    ("written", "why"),
    [("1 day", "is not an age; write a number and a unit"), ("daily", "is not an age; write a number and a unit"),
     ("-2h", "is not an age; write a number and a unit"), ("0d", "is no time at all; write an age above zero")],
)  # fmt: skip
def test_an_expected_every_that_is_not_an_age_is_refused_naming_the_key(written, why, synced, tmp_path):
    expect(tmp_path, branch_b=written)
    code, out = stale(synced, "--stale")
    assert code == 2 and "Traceback" not in out
    assert f"cxbridge.toml: sources.branch_b.expected_every: {written!r} {why}" in out


def test_a_stale_age_of_zero_is_refused_as_zero_not_as_something_else(synced):
    """`--stale 0h` said `'0h' is not an age; write a number and a unit`, which it is."""
    code, out = stale(synced, "--stale", "0h")
    assert code == 2
    assert "--stale '0h' is no time at all; write an age above zero: 90m, 6h, 2d or 1w" in out


def test_a_stale_age_past_counting_is_refused_without_a_traceback(synced, tmp_path):
    """`--stale 99999999999w` ended in `OverflowError: Python int too large to convert to C int`
    (a timedelta holds 999,999,999 days), and an expected_every so written in its traceback too."""
    code, out = stale(synced, "--stale", "99999999999w")
    assert code == 2 and "Traceback" not in out
    assert "--stale '99999999999w' is longer than cxbridge counts (999999999 days at most); write a shorter age" in out
    expect(tmp_path, branch_b="99999999999w")
    code, out = stale(synced, "--stale")
    assert code == 2 and "sources.branch_b.expected_every: '99999999999w' is longer than cxbridge counts" in out
