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
from tests.many_sources import config_toml, write_files
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
