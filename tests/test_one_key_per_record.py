"""A record is keyed by one contact — its e-mail address, else its phone number — and its other
contact is stored only as `hashed:<key>` in `raw`: `cxbridge erase` given that other contact
cannot tell the record's own second contact column from another person's contact in a field of
the record (a CC), so it erases only the records keyed by it and lists the others holding its
key for review (before 2026-12-07 it named none of them); given every contact of the person in one run it erases them all
(docs/security.md#erasure).

Nor does it erase a person's records keyed by their other contact: given the address, the records
keyed by the number written beside it in theirs; given the number, the address's other records.
Either may be someone else's — a store's number typed beside every customer's address, a
household's landline — so it lists them by the key that keyed them, for review, and `--key` erases
them (before 2026-12-07's later change it named neither)."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.identity import record_id
from cxbridge import api
from cxbridge.config import Config
from tests.sqlite_runs import SHARED_SALT, source_config, sync_source

JANE, JANES_PHONE = "jane@example.com", "+44 20 7946 0958"
ROWS = [["R1", "2026-02-01T08:00:00Z", "3", JANE, JANES_PHONE],  # keyed by the address, the number in raw
        ["R2", "2026-02-02T08:00:00Z", "9", "", JANES_PHONE],  # keyed by the number
        ["R3", "2026-02-03T08:00:00Z", "5", "bob@example.com", "+44 161 496 0000"]]  # fmt: skip
SOURCE = {"connector": "csv", "path": "survey.csv", "metrics": [{"column": "nps", "metric": "nps"}],
          "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "phone": "phone"}}  # fmt: skip


def synced(folder: Path) -> str:
    with (folder / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *ROWS])
    assert sync_source(folder, SOURCE, db="cx.db").status == "success"
    return f"sqlite:///{folder / 'cx.db'}"


def stored(folder: Path) -> set[str]:
    with sqlite3.connect(folder / "cx.db") as db:
        return {row[0] for row in db.execute("SELECT source_record_id FROM feedback")}


def test_erase_by_a_records_other_contact_lists_the_record_holding_its_key_for_review(tmp_path):
    url = synced(tmp_path)

    erased = cxbridge.erase([JANES_PHONE], destination=url)

    assert erased.rows["feedback"] == 1 and stored(tmp_path) == {"R1", "R3"}
    assert erased.holding == [record_id("survey", "rows", "R1")] and erased.mentioned == []


def test_the_command_line_says_which_records_hold_the_key_in_another_field(tmp_path):
    url = synced(tmp_path)
    done = CliRunner().invoke(cli, ["erase", JANES_PHONE, "--destination", url])
    assert done.exit_code == 0 and "Traceback" not in done.output
    assert "kept: 1 other record holding their key in another field" in done.output
    assert done.output.rstrip().endswith(f"to review: {record_id('survey', 'rows', 'R1')}")
    assert "7946" not in done.output and JANE not in done.output


def test_every_contact_of_the_person_given_in_one_run_erases_every_record_of_theirs(tmp_path):
    url = synced(tmp_path)
    erased = cxbridge.erase([JANE, JANES_PHONE], destination=url)
    assert erased.rows["feedback"] == 2 and stored(tmp_path) == {"R3"} and erased.holding == []


def test_the_quarantined_records_holding_the_key_in_any_field_are_removed_and_the_summary_says_so(tmp_path):
    """A quarantined record has no respondent key: its raw holding the key anywhere — Jane's own
    (keyed by her number) or Bob's with her number in his phone column — erases it, by decision,
    and the summary says how many and why (before 2026-12-07 it counted a table's rows only)."""
    rows = [["Q1", "2026-02-04T08:00:00Z", "11", "", JANES_PHONE], ["Q2", "2026-02-05T08:00:00Z", "12", "bob@example.com",
            JANES_PHONE], ["Q3", "2026-02-06T08:00:00Z", "13", "bob@example.com", ""]]  # fmt: skip
    with (tmp_path / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *ROWS, *rows])
    assert sync_source(tmp_path, SOURCE, db="cx.db").status == "success"

    done = CliRunner().invoke(cli, ["erase", JANES_PHONE, "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])

    assert done.exit_code == 0 and "Traceback" not in done.output
    with sqlite3.connect(tmp_path / "cx.db") as db:
        assert [row[0] for row in db.execute("SELECT source_record_id FROM quarantine")] == ["Q3"]
    assert "removed 2 quarantined records: each holds their key (or address, or user id) in some field" in done.output
    assert "another person's naming them (a CC) — all go" in done.output and "7946" not in done.output


JANES_ONLY = ["R4", "2026-02-04T08:00:00Z", "10", JANE, ""]
"""Jane's answer at the web survey, without her number: keyed by her address, holding no key of the number."""


def key_of(canonical: str) -> str:
    """The respondent key of a contact as a sync writes it (lower-cased address, a number's
    digits), worked out here from its definition: BLAKE2b of 16 bytes keyed with the salt."""
    salt = SHARED_SALT.get_secret_value().encode()[:64]
    return hashlib.blake2b(canonical.encode(), key=salt, digest_size=16).hexdigest()


@pytest.fixture(params=["sqlite", "duckdb", "postgresql"])
def four_rows(request, tmp_path) -> tuple[Config, str]:
    """R1-R3 and Jane's R4, synced into a destination of each kind that erases: the config, the URL."""
    url = {"sqlite": f"sqlite:///{tmp_path / 'cx.db'}", "duckdb": f"duckdb:///{tmp_path / 'cx.duckdb'}"}.get(request.param)
    url = url or request.getfixturevalue("postgres_database")("linked")
    with (tmp_path / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *ROWS, JANES_ONLY])
    config = source_config(tmp_path, SOURCE, shared_salt=True)
    [result] = cxbridge.sync(config, destination=url).results
    assert result.status == "success", result
    return config, url


def ids_of(url: str) -> set[str]:
    with api.reading(destination=url) as dest:
        return {row["source_record_id"] for row in dest.query("SELECT source_record_id FROM feedback")}


def test_erasing_the_address_lists_the_records_keyed_by_the_number_written_beside_it_in_theirs(four_rows):
    config, url = four_rows
    erased = cxbridge.erase([JANE], config, destination=url)

    assert erased.rows["feedback"] == 2 and ids_of(url) == {"R2", "R3"}
    assert erased.linked == {key_of("442079460958"): [record_id("survey", "rows", "R2")]}
    assert erased.holding == [] and erased.mentioned == []


def test_erasing_the_number_lists_the_other_records_of_the_address_it_stands_beside(four_rows):
    config, url = four_rows
    erased = cxbridge.erase([JANES_PHONE], config, destination=url)

    assert erased.rows["feedback"] == 1 and ids_of(url) == {"R1", "R3", "R4"}
    assert erased.holding == [record_id("survey", "rows", "R1")]
    assert erased.linked == {key_of(JANE): [record_id("survey", "rows", "R4")]}


def test_the_key_listed_erases_them_and_a_dry_run_lists_them_too(four_rows):
    config, url = four_rows
    dry = cxbridge.erase([JANE], config, destination=url, dry_run=True)
    assert ids_of(url) == {"R1", "R2", "R3", "R4"} and list(dry.linked) == [key_of("442079460958")]

    cxbridge.erase([JANE], config, destination=url)
    again = cxbridge.erase(config=config, keys=list(dry.linked), destination=url)

    assert again.rows["feedback"] == 1 and ids_of(url) == {"R3"} and again.linked == {}


def test_the_command_line_names_the_key_to_review_and_never_the_contact(tmp_path):
    url = synced(tmp_path)
    with sqlite3.connect(tmp_path / "cx.db") as db:
        [(phones_key,)] = db.execute("SELECT respondent_key FROM feedback WHERE source_record_id = 'R2'")

    shown = CliRunner().invoke(cli, ["erase", JANE, "--destination", url, "--format", "json", "--dry-run"])
    done = CliRunner().invoke(cli, ["erase", JANE, "--destination", url])

    assert done.exit_code == 0 and "Traceback" not in done.output
    assert ("kept: 1 record keyed by another contact written beside theirs (their number beside their address, or "
            "someone else's they named), to review") in done.output
    assert done.output.rstrip().endswith(f"--key {phones_key}: 1 record ({record_id('survey', 'rows', 'R2')})")
    assert json.loads(shown.output)["linked"] == {phones_key: [record_id("survey", "rows", "R2")]}
    assert "7946" not in done.output + shown.output and JANE not in done.output + shown.output


def test_a_store_s_number_beside_their_address_is_listed_not_erased_and_its_many_records_shown_in_part(tmp_path, monkeypatch):
    """The till's number typed beside Ann's address keys eleven strangers' answers (no address):
    kept, listed under its key, ten ids shown and the rest counted (JSON lists them all)."""
    store = "+44 161 496 0999"
    rows = [["A1", "2026-03-01T08:00:00Z", "2", "ann@example.com", store]]
    rows += [[f"S{n}", f"2026-03-{n + 1:02d}T08:00:00Z", "9", "", store] for n in range(1, 12)]
    with (tmp_path / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *rows])
    config = source_config(tmp_path, SOURCE, shared_salt=True)
    [result] = cxbridge.sync(config, destination=f"sqlite:///{tmp_path / 'cx.db'}").results
    assert result.status == "success", result
    strangers = sorted(record_id("survey", "rows", f"S{n}") for n in range(1, 12))
    (tmp_path / "cxbridge.toml").write_text('[settings]\nrespondent_salt = "${CX_SALT}"\n')
    monkeypatch.setenv("CX_SALT", SHARED_SALT.get_secret_value())

    shown = CliRunner().invoke(cli, ["erase", "ann@example.com", "-c", str(tmp_path / "cxbridge.toml"),
                                     "--destination", f"sqlite:///{tmp_path / 'cx.db'}", "--format", "json", "--dry-run"])  # fmt: skip
    done = CliRunner().invoke(cli, ["erase", "ann@example.com", "-c", str(tmp_path / "cxbridge.toml"),
                                    "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])  # fmt: skip

    assert done.exit_code == 0 and "Traceback" not in done.output, done.output
    assert json.loads(shown.output)["linked"] == {key_of("441614960999"): strangers}
    assert done.output.rstrip().endswith(
        f"--key {key_of('441614960999')}: 11 records ({', '.join(strangers[:10])}, … 1 more: --format json lists them)"
    )
    assert ids_of(f"sqlite:///{tmp_path / 'cx.db'}") == {f"S{n}" for n in range(1, 12)}
