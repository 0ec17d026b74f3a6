"""`cxbridge erase` (docs/security.md#erasure): one person's rows removed from every table in one
transaction, on SQLite, DuckDB and PostgreSQL; their tombstone keeps a re-sync from bringing
them back; a dry run counts; the address is never printed, logged or stored."""

from __future__ import annotations

import json
import signal
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge import api, plugins_host
from cxbridge.cli.main import cli
from cxbridge.freshness import stale_sources
from cxbridge.identity import record_id
from cxbridge.layout import TABLES
from cxbridge.loop.cases import case_id
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from cxbridge.plugins_host import create_host
from cxbridge.sql_destination import SQLDestination
from cxbridge.timestamps import format_timestamp, parse_timestamp
from tests.conftest import Workspace, survey_row
from tests.killed_syncs import after_deletes, erasure_killed, forked_call

JANE = "Jane.Doe@Example.com"
"""Written as the source writes it; erased as the person writes it (`jane.doe@example.com`)."""
OTHERS = [survey_row(n) for n in range(2, 12)]
JANE_ROWS = [
    [*survey_row(1, nps=2)[:-1], JANE],  # a detractor: opens a case
    [*survey_row(20, nps=9)[:-1], JANE],
    [*survey_row(21, nps=11)[:-1], JANE],  # off the scale: quarantined, with hashed:<key> in its raw payload
]
COPIES = """
[sources.exports]
connector = "csv"
path = "exports*.csv"
same_as = "survey"

[sources.exports.columns]
id = "id"
submitted_at = "submitted"
location_id = "store"
email = "email"

[[sources.exports.metrics]]
column = "nps"
metric = "nps"
"""
"""A second source holding the same responses without the contact: its copy of Jane's R1 belongs to her too."""
DATA_TABLES = [table.name for table in TABLES if table.name not in ("sync_runs", "sync_state")]


@pytest.fixture(autouse=True)
def fresh_host(monkeypatch):
    monkeypatch.setattr(plugins_host, "_host", None)


@pytest.fixture(params=["sqlite", "duckdb", "postgresql"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def synced(workspace: Workspace, kind: str, request, tmp_path) -> tuple[Workspace, str]:
    """The workspace synced into a destination of `kind`: Jane's three responses (one of them
    quarantined, one opening a case), ten other people's, and a copy of Jane's R1 and of R2."""
    url = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}.get(kind)
    url = url or request.getfixturevalue("postgres_database")("erase")
    workspace.config.write_text(workspace.config.read_text(encoding="utf-8") + COPIES, encoding="utf-8")
    workspace.write_csv(JANE_ROWS + OTHERS)
    workspace.write_csv([[*JANE_ROWS[0][:-1], ""], [*OTHERS[0][:-1], ""]], name="exports.csv")
    result = workspace.sync(destination=url)
    assert [r.status for r in result.results] == ["success", "success"], result.results
    return workspace, url


def jane_ids() -> tuple[set[str], set[str]]:
    """Jane's stored record ids (R1, R20 and the exports' copy of R1) and her quarantined one (R21)."""
    stored = {record_id("survey", "rows", "R1"), record_id("survey", "rows", "R20"), record_id("exports", "rows", "R1")}
    return stored, {record_id("survey", "rows", "R21")}


def rows_of(url: str) -> dict[str, list[dict]]:
    """Every data table's rows, sorted."""
    with api.reading(destination=url) as dest:
        return {name: sorted(dest.query(f"SELECT * FROM {name}"), key=lambda row: json.dumps(row, default=str))
                for name in DATA_TABLES}  # fmt: skip


def without_jane(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The tables as they are with Jane's rows taken out, worked out from her ids alone."""
    stored, quarantined = jane_ids()
    ids = stored | quarantined
    cases = {case_id(rid) for rid in ids}

    def theirs(row: dict) -> bool:
        return row["case_id"] in cases if "case_id" in row else row.get("record_id") in ids

    return {name: [row for row in rows if not theirs(row)] for name, rows in tables.items()}


def erase(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["erase", *args, "--destination", url])
    return result.exit_code, result.stdout, result.stderr


def test_erasing_an_address_removes_every_row_of_that_person_and_nothing_else(synced):
    workspace, url = synced
    before = rows_of(url)
    stored, quarantined = jane_ids()
    assert {row["record_id"] for row in before["feedback"]} >= stored
    assert {row["record_id"] for row in before["quarantine"]} == quarantined
    assert [row["case_id"] for row in before["feedback_cases"] if row["record_id"] in stored] == [case_id(record_id("survey", "rows", "R1"))]

    code, out, err = erase(url, "jane.doe@example.com")

    assert code == 0, out + err
    after = rows_of(url)
    assert after == without_jane(before)
    expected = {name: len(before[name]) - len(after[name]) for name in DATA_TABLES}
    assert expected["feedback"] == 3 and expected["quarantine"] == 1 and expected["feedback_cases"] == 1
    for name, count in expected.items():
        if count:
            assert f"{name} " in out and f" {count} row" in out.split(f"{name} ", 1)[1].splitlines()[0], out
    assert "jane.doe" not in (out + err).casefold() and "j***@example.com" in out


def test_the_views_no_longer_count_an_erased_person(synced):
    _, url = synced
    with api.reading(destination=url) as dest:
        before = dest.query("SELECT SUM(responses) AS n FROM nps_by_month WHERE program = 'voc'")[0]["n"]
    assert erase(url, JANE)[0] == 0
    with api.reading(destination=url) as dest:
        after = dest.query("SELECT SUM(responses) AS n FROM nps_by_month WHERE program = 'voc'")[0]["n"]
        queued = dest.query("SELECT record_id FROM detractor_queue")
    assert before - after == 2  # R1 (its copy counted once with it) and R20; R21 was quarantined
    assert record_id("survey", "rows", "R1") not in {row["record_id"] for row in queued}


def test_a_sync_after_an_erasure_leaves_the_person_out_and_counts_them_without_their_address(synced):
    workspace, url = synced
    assert erase(url, JANE)[0] == 0
    erased = rows_of(url)

    result = workspace.sync(destination=url, full_refresh=True)

    assert rows_of(url) == erased
    assert without_jane(rows_of(url)) == rows_of(url)
    assert {r.source: r.erased for r in result.results} == {"survey": 3, "exports": 1}
    shown = CliRunner().invoke(cli, ["-vv", "sync", "--full-refresh", "-c", str(workspace.config), "--destination", url])
    assert "survey (csv): 13 read" in shown.stdout and "3 erased (left out)" in shown.stdout
    assert "survey: 3 records read were left out: their respondents were erased" in shown.stderr
    assert "jane" not in shown.output.casefold()


def test_a_sync_after_an_erasure_records_what_it_left_out_in_sync_runs_and_status(synced):
    workspace, url = synced
    assert erase(url, JANE)[0] == 0

    result = workspace.sync(destination=url, full_refresh=True)

    with api.reading(destination=url) as dest:
        runs = {row["source"]: row for row in dest.query(f"SELECT * FROM sync_runs WHERE run_id = '{result.run_id}'")}
    jane = {"survey": len(JANE_ROWS), "exports": 1}  # her three responses; the exports' copy of her R1
    assert {source: run["records_skipped"] for source, run in runs.items()} == jane
    assert runs["survey"]["records_read"] == len(JANE_ROWS) + len(OTHERS)
    for run in runs.values():
        counted = run["records_written"] + run["records_unchanged"] + run["records_quarantined"] + run["records_skipped"]
        assert run["records_read"] == counted, run
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert {run["source"]: run["records_skipped"] for run in shown if run["run_id"] == result.run_id} == jane
    table = CliRunner().invoke(cli, ["status", "--destination", url], env={"COLUMNS": "200"}).stdout.splitlines()
    assert table[2].split()[-6:] == ["read", "written", "unchanged", "quarantined", "skipped", "pruned"]  # the erasure's
    survey = next(line for line in table if line.startswith(runs["survey"]["started_at"][:10]) and " survey " in line)
    assert survey.split()[-6:-1] == [f"{runs['survey'][f'records_{n}']:,}" for n in ("read", "written", "unchanged", "quarantined", "skipped")]


def erase_runs(url: str) -> list[dict]:
    with api.reading(destination=url) as dest:
        return dest.query("SELECT * FROM sync_runs WHERE command LIKE 'erase%'")


def test_an_erasure_records_its_run_in_sync_runs_and_status_naming_no_one(synced):
    """An auditor sees when an erasure ran and how many records it removed, as of a removal:
    a row of `sync_runs` of every source (`*`), `records_pruned` her three stored records and
    the quarantined one; neither her address nor her key is in it."""
    _, url = synced
    with api.reading(destination=url) as dest:
        [key] = {row["respondent_key"] for row in dest.query("SELECT respondent_key FROM feedback WHERE source_record_id = 'R20'")}

    assert erase(url, JANE)[0] == 0
    assert erase(url, "--key", key)[0] == 4  # nothing left of her: a run all the same, with 0

    runs = sorted(erase_runs(url), key=lambda run: run["records_pruned"], reverse=True)
    assert [(r["source"], r["command"], r["status"], r["records_pruned"], r["error"]) for r in runs] == [
        ("*", "erase", "success", 4, None), ("*", "erase --key …", "success", 0, None)]  # fmt: skip
    assert all(run["finished_at"] for run in runs)
    assert "jane" not in json.dumps(runs, default=str).casefold() and key not in json.dumps(runs, default=str)
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert [(r["command"], r["status"], r["records_pruned"]) for r in shown if r["source"] == "*"] == [
        ("erase --key …", "success", 0), ("erase", "success", 4)]  # fmt: skip
    table = CliRunner().invoke(cli, ["status", "--destination", url], env={"COLUMNS": "200"}).stdout
    assert [line.split()[-1] for line in table.splitlines() if line.split()[3:6] == ["*", "erase", "success"]] == ["4"]
    unknown = CliRunner().invoke(cli, ["quarantine", "list", "--source", "surevy", "--destination", url])
    assert "no source named 'surevy'" in unknown.stderr and "sources: exports, survey; did you mean 'survey'?\n" in unknown.stderr  # no `*`


def test_an_erasure_is_no_sync_of_any_source_for_status_stale(synced):
    """Freshness judges the sources' syncs: an erasure after them neither counts as the last
    sync of a source nor lists its `*` as a source never synced."""
    workspace, url = synced
    with api.reading(destination=url) as dest:
        synced_at = {row["source"]: row["finished_at"] for row in dest.query("SELECT source, finished_at FROM sync_runs")}

    assert erase(url, JANE)[0] == 0

    with api.reading(destination=url) as dest:
        stale = stale_sources(dest, age=timedelta(hours=1), now=datetime(2999, 1, 1, tzinfo=timezone.utc))
    assert {row["source"]: row["last_success"] for row in stale} == {
        source: format_timestamp(parse_timestamp(at)) for source, at in synced_at.items()}  # fmt: skip


def test_a_later_response_of_an_erased_person_is_left_out_too(synced):
    workspace, url = synced
    assert erase(url, JANE)[0] == 0
    workspace.write_csv([[*survey_row(30, nps=8)[:-1], "jane.doe@example.com"], survey_row(31)], name="responses_2.csv")

    result = workspace.sync(destination=url)

    ids = {row["record_id"] for row in rows_of(url)["feedback"]}
    assert record_id("survey", "rows", "R31") in ids and record_id("survey", "rows", "R30") not in ids
    assert result.results[0].erased == 1


def test_a_dry_run_counts_what_would_go_and_removes_nothing(synced):
    _, url = synced
    before = rows_of(url)

    code, out, _ = erase(url, JANE, "--dry-run", "--format", "json")

    assert code == 0 and rows_of(url) == before
    printed = json.loads(out)
    expected = {name: len(before[name]) - len(rows) for name, rows in without_jane(before).items()}
    assert {name: n for name, n in printed["rows"].items() if n} == {name: n for name, n in expected.items() if n}
    assert printed["dry_run"] is True and printed["people"] == ["J***@Example.com"]
    with api.reading(destination=url) as dest:
        assert not dest.erased()


def test_an_address_that_matches_nobody_says_so_with_exit_code_4_and_is_still_kept_out(synced):
    workspace, url = synced
    before = rows_of(url)

    code, out, _ = erase(url, "nobody.here@example.org")

    assert code == 4 and rows_of(url) == before
    assert "nothing stored" in out and "n***@example.org" in out and "nobody.here" not in out
    workspace.write_csv([[*survey_row(40)[:-1], "Nobody.Here@example.org"]], name="responses_3.csv")
    assert workspace.sync(destination=url).results[0].erased == 1


def test_a_respondent_key_erases_like_the_address_it_stands_for(synced):
    _, url = synced
    with api.reading(destination=url) as dest:
        [row] = dest.query("SELECT respondent_key FROM feedback WHERE source_record_id = 'R20'")
    by_address = erase(url, JANE, "--dry-run", "--format", "json")[1]

    code, out, _ = erase(url, "--key", row["respondent_key"].upper(), "--format", "json")

    assert code == 0 and json.loads(out)["rows"] == json.loads(by_address)["rows"]


def test_an_erasure_stopped_part_way_leaves_every_row_in_place(synced, monkeypatch):
    """Every DELETE runs in one transaction: a failure after some of them rolls them all back."""
    _, url = synced
    before = rows_of(url)
    deleted: list[str] = []
    for cls in (SQLiteDestination, SQLDestination):
        monkeypatch.setattr(cls, "execute", after_deletes(cls.execute, 5, deleted, RuntimeError("the machine went away")))

    result = CliRunner().invoke(cli, ["erase", JANE, "--destination", url])

    assert isinstance(result.exception, RuntimeError) and deleted[-1].startswith("DELETE FROM feedback_scores")
    assert rows_of(url) == before
    with api.reading(destination=url) as dest:
        assert not dest.erased()
    [run] = erase_runs(url)  # its type only: an engine's message may quote a value of the person
    assert (run["status"], run["records_pruned"], run["error"]) == ("failed", 0, "RuntimeError: rolled back, nothing erased")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("deletes", [1, 7])  # after the cases' outbox; after the feedback rows
def test_an_erasure_killed_part_way_leaves_every_row_in_place_and_runs_again(synced, deletes):
    _, url = synced
    before = rows_of(url)
    killed, _ = forked_call(erasure_killed, url, deletes, JANE)
    killed.join(120)

    assert killed.exitcode == -signal.SIGKILL
    assert rows_of(url) == before
    shown = json.loads(CliRunner().invoke(cli, ["status", "--format", "json", "--destination", url]).stdout)["runs"]
    assert [(r["command"], r["status"], r["records_pruned"], r["error"]) for r in shown if r["source"] == "*"] == [
        ("erase", "abandoned", 0, "killed before its transaction committed: rolled back, nothing removed")]  # fmt: skip
    assert erase(url, JANE)[0] == 0 and rows_of(url) == without_jane(before)
    assert sorted((run["status"], run["records_pruned"]) for run in erase_runs(url)) == [("running", None), ("success", 4)]


def test_parquet_refuses_to_erase_naming_what_to_do(workspace, tmp_path):
    url = f"parquet:///{tmp_path / 'lake'}"
    workspace.write_csv(JANE_ROWS + OTHERS)
    workspace.sync(destination=url)

    code, out, err = erase(url, JANE)

    assert code == 1 and "Traceback" not in out + err
    assert "parquet destinations cannot erase" in err and "docs/security.md#erasure" in err


@pytest.mark.parametrize(
    "given, said",
    [
        (["jane"], "*** is neither an e-mail address nor a phone number"),
        (["@example.com"], "***@example.com is a domain, not an e-mail address: erase removes one person's rows"),
        (["jane@.com"], "j***@.com is neither an e-mail address nor a phone number"),
        (["--key", "abc"], "--key 'abc' is not a respondent key:"),
        ([], "name the person to erase"),
    ],
)
def test_a_person_named_wrongly_is_refused_before_anything_is_opened(given, said, tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = CliRunner().invoke(cli, ["erase", *given, "--destination", url])
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "none.db").exists()


def test_the_python_api_erases_with_one_call(workspace):
    workspace.write_csv(JANE_ROWS + OTHERS)
    workspace.sync()
    result = cxbridge.erase([JANE], workspace.config, host=create_host())
    assert result.matched and result.rows["feedback"] == 2 and result.rows["quarantine"] == 1
    assert result.people == ["J***@Example.com"] and result.exit_code == 0
    stored = workspace.query("SELECT kind, COUNT(*) FROM erasures GROUP BY kind ORDER BY kind")
    assert stored == [("record", 3), ("respondent", 1)]
    assert not any("jane" in str(row).casefold() for row in workspace.query("SELECT * FROM erasures"))


def test_a_destination_plugin_whose_erase_takes_no_phones_still_erases_an_address(workspace, monkeypatch):
    """A third-party destination written before `erase()` took `phones`: erasing an address passes
    none, so its erase() is called as it was written (it raised TypeError on every erasure)."""
    workspace.write_csv(JANE_ROWS + OTHERS)
    workspace.sync()
    erase = SQLiteDestination.erase

    def without_phones(self, keys, *, addresses=(), dry_run=False):
        return erase(self, keys, addresses=addresses, dry_run=dry_run)

    monkeypatch.setattr(SQLiteDestination, "erase", without_phones)
    result = cxbridge.erase([JANE], workspace.config, host=create_host())
    assert result.matched and result.rows["feedback"] == 2
    # its run recorded after its transaction, as it takes no `run` to record inside it
    assert workspace.query("SELECT source, command, status, records_pruned FROM sync_runs WHERE source = '*'") == [
        ("*", "erase", "success", 3)]  # fmt: skip


def test_follow_ups_and_the_crm_contact_of_the_person_go_too(workspace):
    workspace.write_csv(JANE_ROWS + OTHERS)
    workspace.sync()
    [(key,)] = workspace.query("SELECT DISTINCT respondent_key FROM feedback WHERE source_record_id = 'R1'")
    [(other,)] = workspace.query("SELECT respondent_key FROM feedback WHERE source_record_id = 'R2'")
    with sqlite3.connect(workspace.db) as conn:
        conn.executemany("INSERT INTO feedback_followups (record_id, followed_up_at) VALUES (?, '2025-03-01T00:00:00Z')",
                         [(record_id("survey", "rows", "R1"),), (record_id("survey", "rows", "R2"),)])  # fmt: skip
        conn.executemany(
            "INSERT INTO crm_contacts (source, contact_id, respondent_key, content_hash, ingested_at, sync_run_id) "
            "VALUES ('crm', ?, ?, 'h', '2025-03-01T00:00:00Z', 'r')", [("C1", key), ("C2", other)]
        )

    result = cxbridge.erase([JANE], workspace.config, host=create_host())

    assert (result.rows["feedback_followups"], result.rows["crm_contacts"]) == (1, 1)
    assert workspace.query("SELECT record_id FROM feedback_followups") == [(record_id("survey", "rows", "R2"),)]
    assert workspace.query("SELECT contact_id FROM crm_contacts") == [("C2",)]


@pytest.mark.parametrize(
    "contact, shown",
    [("jane.doe@example.com", "j***@example.com"), ("Jane Doe <jane@example.com>", "j***@example.com"),
     ("+44 20 7946 0958", "***58"), ("0958", None), ("jane", None), ("a@b@c.com", None)],
)  # fmt: skip
def test_contacts_are_told_from_other_text_and_masked(contact, shown):
    from cxbridge.erasure_people import is_contact, masked

    assert is_contact(contact) == (shown is not None)
    if shown:
        assert masked(contact) == shown


def test_with_keep_personal_data_a_quarantined_record_holding_the_address_goes_and_a_longer_one_stays(
    workspace, kind, request, tmp_path
):
    """`keep_personal_data` keeps contacts as sent, so a quarantined record holds Jane's address,
    not her key: it is found by the address as a whole value, and `xjane.doe@…` is someone else."""
    url = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}.get(kind)
    url = url or request.getfixturevalue("postgres_database")("kept")
    text = workspace.config.read_text(encoding="utf-8")
    workspace.config.write_text(text.replace("[settings]\n", "[settings]\nkeep_personal_data = true\n", 1), encoding="utf-8")
    someone_else = [*survey_row(22, nps=11)[:-1], "xjane.doe@example.com"]
    workspace.write_csv(JANE_ROWS + [someone_else] + OTHERS)
    workspace.sync(destination=url)
    with api.reading(destination=url) as dest:
        assert {row["source_record_id"] for row in dest.query("SELECT source_record_id FROM quarantine")} == {"R21", "R22"}

    code, out, _ = erase(url, "jane.doe@example.com", "--format", "json")

    assert code == 0 and json.loads(out)["rows"]["quarantine"] == 1
    with api.reading(destination=url) as dest:
        assert [row["source_record_id"] for row in dest.query("SELECT source_record_id FROM quarantine")] == ["R22"]
        assert JANE.casefold() not in json.dumps(dest.query("SELECT * FROM erasures"), default=str).casefold()


def test_the_erased_rows_bytes_leave_the_sqlite_file_even_where_sqlite_keeps_deleted_content(workspace, monkeypatch):
    """Many builds of SQLite leave a deleted row's bytes in the page's free space (`secure_delete`
    off by default): the erasure turns it on, so Jane's comment is in no byte of the file after."""
    secret = "JANES-OWN-WORDS-" + "x" * 40
    rows = [[*survey_row(n)[:-2], f"comment {n} " + "lorem ipsum " * 8, f"p{n}@example.com"] for n in range(2, 1500)]
    rows.insert(700, [*survey_row(1)[:-2], secret, JANE])
    workspace.write_csv(rows)
    workspace.sync()
    real = SQLiteDestination.writer_pragmas.__func__
    monkeypatch.setattr(SQLiteDestination, "writer_pragmas",
                        classmethod(lambda cls: [*real(cls), "PRAGMA secure_delete = OFF"]))  # fmt: skip
    assert secret.encode() in workspace.db.read_bytes()

    assert cxbridge.erase([JANE], workspace.config, host=create_host()).rows["feedback_comments"] == 1

    files = [path for path in workspace.root.iterdir() if path.name.startswith("cxbridge.db")]
    assert not any(secret.encode() in path.read_bytes() for path in files)


def test_another_person_s_comment_naming_the_address_is_kept_and_listed_for_review(workspace):
    rows = [*JANE_ROWS, [*survey_row(30)[:-2], "Please call JANE.DOE@example.com back, she is my wife", "him@example.com"],
            *OTHERS]  # fmt: skip
    workspace.write_csv(rows)
    workspace.sync()
    theirs = record_id("survey", "rows", "R30")

    result = CliRunner().invoke(cli, ["erase", "jane.doe@example.com", "--db", str(workspace.db)])

    assert result.exit_code == 0, result.output
    assert f"kept: 1 other record naming their address or phone number in free text, to review: {theirs}" in result.stdout
    assert workspace.query("SELECT COUNT(*) FROM feedback WHERE record_id = ?", [theirs]) == [(1,)]
    assert "jane.doe" not in result.output.casefold()


def test_what_the_loop_delivered_of_the_person_s_case_is_listed_to_erase_there_too(workspace):
    workspace.write_csv(JANE_ROWS + OTHERS)
    workspace.sync()
    hers, other = case_id(record_id("survey", "rows", "R1")), case_id(record_id("survey", "rows", "R4"))
    delivery = "INSERT INTO loop_outbox (delivery_id, case_id, action, status, attempts, created_at, external_ref) " \
               "VALUES (?, ?, ?, ?, 1, '2025-03-01T00:00:00Z', ?)"  # fmt: skip
    with sqlite3.connect(workspace.db) as conn:
        conn.executemany(delivery, [("d1", hers, "ticket", "delivered", "ZD-4711"), ("d2", hers, "mail", "delivered", None),
                                    ("d3", hers, "crm", "failed", None), ("d4", other, "ticket", "delivered", "ZD-1")])  # fmt: skip
        conn.execute("UPDATE feedback_cases SET external_ref = 'CRM-9' WHERE case_id = ?", [hers])

    result = CliRunner().invoke(cli, ["erase", JANE, "--db", str(workspace.db), "--format", "json"])

    assert json.loads(result.stdout)["delivered"] == ["CRM-9", "mail", "ticket: ZD-4711"]
    assert workspace.query("SELECT delivery_id FROM loop_outbox") == [("d4",)]


def test_another_person_s_comment_writing_the_phone_number_in_any_shape_is_listed_for_review(
    workspace, kind, request, tmp_path, monkeypatch
):
    """A number is written in free text with any spacing, dashes or brackets, which no LIKE
    matches: every comment writing its digits in a phone number's shape is listed, page after
    page; digits alone (an order number) and another number are not."""
    url = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}.get(kind)
    url = url or request.getfixturevalue("postgres_database")("erase_phone")
    comments = {30: "call me on +44 7700 900123 after 5", 31: "my number is +44-7700-900-123.",
                32: "ring +44 (7700) 900123 or +44 7700 900124", 33: "order 447700900123 arrived",
                34: "call +44 7700 900124", 35: "+44 7700 900 123"}  # fmt: skip
    rows = [[*survey_row(n)[:-2], comment, f"person{n}@example.com"] for n, comment in comments.items()]
    workspace.write_csv(rows + OTHERS)
    workspace.sync(destination=url)
    monkeypatch.setattr("cxbridge.erasure.PAGE", 2)  # the candidates read two at a time

    code, stdout, _ = erase(url, "+44 7700 900123", "--dry-run", "--format", "json")

    assert code == 4, stdout  # the number is no one's contact column: nothing of theirs stored
    listed = sorted(record_id("survey", "rows", f"R{n}") for n in (30, 31, 32, 35))
    assert json.loads(stdout)["mentioned"] == listed
