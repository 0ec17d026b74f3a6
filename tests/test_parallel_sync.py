"""`cxbridge sync --jobs N` (cxbridge.jobs): several sources at once — API sources on a local
fake Typeform whose every answer is late, and CSV files — give the same tables, the same
summary and the same exit code as a serial run, on SQLite, DuckDB, Parquet and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from tests.local_api import FakeApi, Latency, Reply
from tests.many_sources import FORMS, account, config, config_toml, summary, tables, write_files
from tests.sqlite_runs import SHARED_SALT
from tests.typeform_api import TOKEN, typeform

LATENCY = 0.15  # seconds before the fake API answers anything (the sources are unpaced: the
# connector's 2 requests a second would have each serial sync sleep between its ~20 requests)


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("TYPEFORM_TOKEN", TOKEN)


@contextmanager
def late_typeform() -> Iterator[tuple[FakeApi, Latency]]:
    with typeform(account()) as api:
        yield api, Latency(api, LATENCY)


def sync(folder: Path, base_url: str, destination: str, *, jobs: int) -> cxbridge.SyncResult:
    cfg = config_from_dict(config(base_url, unpaced=True), create_host(), path=folder / "cxbridge.toml")
    return cxbridge.sync(cfg, destination=destination, jobs=jobs, host=create_host())


def destinations(kind: str, folder: Path, postgres_database) -> tuple[str, str]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'serial.db'}", f"sqlite:///{folder / 'parallel.db'}"
    if kind == "duckdb":
        return f"duckdb:///{folder / 'serial.duckdb'}", f"duckdb:///{folder / 'parallel.duckdb'}"
    if kind == "parquet":
        return f"parquet:///{folder / 'serial'}", f"parquet:///{folder / 'parallel'}"
    return postgres_database("serial"), postgres_database("parallel")


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "parquet", "postgresql"])
def test_four_jobs_give_the_tables_the_summary_and_the_exit_code_of_one(kind, tmp_path, request):
    write_files(tmp_path)
    pg = request.getfixturevalue("postgres_database") if kind == "postgresql" else None
    serial_url, parallel_url = destinations(kind, tmp_path, pg)
    with late_typeform() as (api, latency):
        serial = sync(tmp_path, api.url, serial_url, jobs=1)
        assert latency.most == 1  # one source at a time asks the API
        parallel = sync(tmp_path, api.url, parallel_url, jobs=4)
        assert latency.most > 1  # several sources waited for the API at the same moment
    assert summary(parallel) == summary(serial)
    assert [r.source for r in parallel.results] == ["web_a", "web_b", "web_c", "web_d", "branch_a", "branch_b"]
    assert {r.source: (r.read, r.written, r.quarantined) for r in serial.results} == {
        **{f"web_{form[-1]}": (5, 5, 0) for form in FORMS}, "branch_a": (2, 2, 0), "branch_b": (3, 2, 1),
    }  # fmt: skip
    assert serial.exit_code == parallel.exit_code == 0
    serial_tables, parallel_tables = tables(serial_url), tables(parallel_url)
    assert len(serial_tables["feedback"]) == 4 * 5 + 2 + 2
    assert len(serial_tables["quarantine"]) == 1
    assert parallel_tables == serial_tables


def test_a_second_parallel_run_reads_only_what_is_new_and_writes_nothing(tmp_path):
    write_files(tmp_path)
    target = f"sqlite:///{tmp_path / 'x.db'}"
    with late_typeform() as (api, _):
        sync(tmp_path, api.url, target, jobs=3)
        again = sync(tmp_path, api.url, target, jobs=3)
    assert all(r.ok for r in again.results), summary(again)
    assert sum(r.written for r in again.results) == 0


def test_a_failing_source_fails_alone_with_the_exit_code_of_a_serial_run(tmp_path):
    """Both databases start from one first sync (the parallel one a copy of it: a second sync
    into it waited for the late API's 16 answers again, one after the other, 0.15 s each)."""
    write_files(tmp_path)
    serial_url, parallel_url = f"sqlite:///{tmp_path / 'serial.db'}", f"sqlite:///{tmp_path / 'parallel.db'}"
    with late_typeform() as (api, _):
        sync(tmp_path, api.url, serial_url, jobs=1)
        shutil.copyfile(tmp_path / "serial.db", tmp_path / "parallel.db")
        (tmp_path / "branch_a.csv").write_text(
            (tmp_path / "branch_a.csv").read_text() + "A3,2026-03-01T10:00:00Z,S2,8,late\n", encoding="utf-8"
        )
        refused = Reply(403, {"code": "FORBIDDEN", "description": "You are not allowed to access this resource"})
        api.fail(refused, match="/forms/formCccc/responses", times=2)  # the token lost that form in between
        serial = sync(tmp_path, api.url, serial_url, jobs=1)
        api.fail(refused, match="/forms/formCccc/responses", times=2)
        parallel = sync(tmp_path, api.url, parallel_url, jobs=6)
    assert summary(parallel) == summary(serial)
    failed = [(r.source, r.status) for r in parallel.results if not r.ok]
    assert failed == [("web_c", "failed")]
    assert "403" in (parallel.results[2].error or "")
    assert [(r.source, r.written) for r in parallel.results if r.written] == [("branch_a", 1)]
    assert serial.exit_code == parallel.exit_code == 1
    assert tables(f"sqlite:///{tmp_path / 'parallel.db'}") == tables(f"sqlite:///{tmp_path / 'serial.db'}")


def test_jobs_below_one_is_refused_before_anything_runs(tmp_path):
    from cxbridge.errors import ConfigError

    with pytest.raises(ConfigError, match="at least one source"):
        sync(tmp_path, "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'x.db'}", jobs=0)
    assert not (tmp_path / "x.db").exists()


def test_the_command_takes_jobs_and_prints_a_summary_line_per_source(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cxbridge import plugins_host
    from cxbridge.cli.main import cli

    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    write_files(tmp_path)
    (tmp_path / "cxbridge.toml").write_text(config_toml("", forms=()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", "--jobs", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if '"source_summary"' in line]
    assert [line.split('"source": "')[1].split('"')[0] for line in lines] == ["branch_a", "branch_b"]
    refused = CliRunner().invoke(cli, ["sync", "--jobs", "0"])
    assert refused.exit_code == 2 and "--jobs" in refused.output


def test_settings_jobs_is_the_default_and_the_command_line_overrides_it(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cxbridge import plugins_host
    from cxbridge.cli.main import cli

    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    write_files(tmp_path)
    with late_typeform() as (api, latency):
        text = config_toml(api.url, unpaced=True).replace("[settings]\n", "[settings]\njobs = 4\n", 1)
        (tmp_path / "cxbridge.toml").write_text(text, encoding="utf-8")
        first = CliRunner().invoke(cli, ["sync", "--db", "config.db", "--format", "json"])
        assert first.exit_code == 0, first.output
        assert latency.most > 1  # [settings] jobs = 4: several sources asked the API at once
        latency.most = 0
        serial = CliRunner().invoke(cli, ["sync", "--db", "flag.db", "--jobs", "1", "--format", "json"])
        assert serial.exit_code == 0, serial.output
        assert latency.most == 1  # --jobs 1 wins over the config's 4
    assert tables(f"sqlite:///{tmp_path / 'config.db'}") == tables(f"sqlite:///{tmp_path / 'flag.db'}")


@pytest.mark.parametrize("value, said", [("0", "greater than or equal to 1"), ('"four"', "valid integer")])
def test_settings_jobs_that_is_not_a_count_of_sources_is_refused_naming_the_key(value, said, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cxbridge import plugins_host
    from cxbridge.cli.main import cli

    monkeypatch.setattr(plugins_host, "_host", None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXBRIDGE_TEST_SHARED_SALT", SHARED_SALT.get_secret_value())
    write_files(tmp_path)
    text = config_toml("", forms=()).replace("[settings]\n", f"[settings]\njobs = {value}\n", 1)
    (tmp_path / "cxbridge.toml").write_text(text, encoding="utf-8")
    refused = CliRunner().invoke(cli, ["sync"])
    assert refused.exit_code == 2
    assert "cxbridge.toml: settings.jobs: " in refused.output and said in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "cxbridge.db").exists()
