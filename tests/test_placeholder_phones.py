"""A placeholder typed into a phone column — `0000000000`, `1234567890`, `555-555-5555`, `+1 (000)
000-0000` — is nobody's number: it keys no one, as Microsoft Forms' `anonymous` in an e-mail
column keys no one, so strangers who typed it are not one person across sources and an erasure
by it removes no stranger (docs/identity.md, docs/security.md)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import cxbridge
from cxbridge.cli.main import cli
from cxbridge.plugins_host import create_host
from cxbridge.respondents import RespondentKeys
from tests.sqlite_runs import SHARED_SALT, source_config, sync_source
from tests.test_trunk_zero import LONDON, keys, sync, write_csv

SALT = "the dataset's salt"
PLACEHOLDERS = [
    "0000000000", "000-000-0000", "+1 (000) 000-0000", "1111111111", "555-555-5555", "9999999999", "0",
    "1234567890", "0123456789", "123-456-7890", "9876543210", "+44 0000 000000", "0044 1234 567890",
    "1212121212", "123 123 123", "(0) 0000 0000",
]  # fmt: skip
"""One digit repeated, a run of consecutive digits up or down, a block of two or three digits
repeated — after the country code when one is written."""
NUMBERS = [
    LONDON, "0161 496 0000", "+49 30 1234567", "030/1234567", "+1 212 555 0100", "555-123-4567", "+1 212 123 4567",
    "+39 06 1234 5678", "0118 496 0000", "+44 20 7000 0000", "+43 1 5123456", "31234", "+683 7012", "+352 4796",
]  # fmt: skip
"""Numbers of people, some of them close: a run or zeros after an area code; the shortest: 5 digits
(the Falklands' at home), Niue's and Luxembourg's 4 digits with their country code."""
SHORT = ["12", "999", "112", "911", "x204", "ext. 204", "+44 12", "00 12 34", "7012", "(0)"]
"""1–4 digits as keyed: an extension, an emergency or short code, a country code and a digit or
two — nobody's number (Niue's 4-digit numbers keyed only with their country code)."""


@pytest.mark.parametrize("region", [None, "GB", "US", "DE"])
@pytest.mark.parametrize("written", PLACEHOLDERS)
def test_a_placeholder_number_keys_no_one(written, region):
    assert RespondentKeys(SALT, phone_region=region).key(written) is None


@pytest.mark.parametrize("region", [None, "GB", "US", "NU"])
@pytest.mark.parametrize("written", SHORT)
def test_a_number_of_fewer_than_five_digits_keys_no_one(written, region):
    assert RespondentKeys(SALT, phone_region=region).key(written) is None


@pytest.mark.parametrize("region", [None, "GB"])
def test_a_number_close_to_a_placeholder_still_keys_its_person(region):
    dataset = RespondentKeys(SALT, phone_region=region)
    found = {number: dataset.key(number) for number in NUMBERS}
    assert None not in found.values() and len(set(found.values())) == len(NUMBERS)


def test_strangers_who_typed_a_placeholder_are_not_one_person_and_erasing_one_erases_no_stranger(tmp_path):
    write_csv(tmp_path, "store", [["S1", "2026-02-01T08:00:00Z", "3", "0000000000"],
                                  ["S2", "2026-02-02T08:00:00Z", "9", "555-555-5555"],
                                  ["S3", "2026-02-03T08:00:00Z", "7", LONDON]])  # fmt: skip
    write_csv(tmp_path, "kiosk", [["K1", "2026-02-04T08:00:00Z", "2", "+1 (000) 000-0000"],
                                  ["K2", "2026-02-05T08:00:00Z", "10", "000-000-0000"],
                                  ["K3", "2026-02-06T08:00:00Z", "8", "+44 (0)20 7946 0958"]])  # fmt: skip
    sync(tmp_path, "store")
    sync(tmp_path, "kiosk")
    found = keys(tmp_path)
    assert [found[rid] for rid in ("S1", "S2", "K1", "K2")] == [None] * 4
    assert found["S3"] == found["K3"] is not None

    config = source_config(tmp_path, {"connector": "csv", "path": "store.csv"}, name="store")
    erased = cxbridge.erase([LONDON], config, destination=f"sqlite:///{tmp_path / 'cx.db'}", host=create_host())
    assert erased.rows["feedback"] == 2 and set(keys(tmp_path)) == {"S1", "S2", "K1", "K2"}

    refused = CliRunner().invoke(cli, ["erase", "000-000-0000", "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "***00 is a placeholder" in refused.stderr and "--key" in refused.stderr
    assert set(keys(tmp_path)) == {"S1", "S2", "K1", "K2"}


def test_strangers_who_typed_a_short_number_are_not_one_person_and_erase_says_why_it_names_no_one(tmp_path):
    write_csv(tmp_path, "store", [["S1", "2026-02-01T08:00:00Z", "3", "999"],
                                  ["S2", "2026-02-02T08:00:00Z", "9", "x204"],
                                  ["S3", "2026-02-03T08:00:00Z", "7", "31234"]])  # fmt: skip
    write_csv(tmp_path, "kiosk", [["K1", "2026-02-04T08:00:00Z", "2", "999"],
                                  ["K2", "2026-02-05T08:00:00Z", "10", "x204"]])  # fmt: skip
    sync(tmp_path, "store")
    sync(tmp_path, "kiosk")
    found = keys(tmp_path)
    assert [found[rid] for rid in ("S1", "S2", "K1", "K2")] == [None] * 4 and found["S3"] is not None

    refused = CliRunner().invoke(cli, ["erase", "999", "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "*** has fewer than 5 digits" in refused.stderr and "placeholder" not in refused.stderr
    assert set(keys(tmp_path)) == {"S1", "S2", "S3", "K1", "K2"}


@pytest.mark.parametrize("keep_personal_data", [False, True])
def test_a_contact_that_keys_no_one_leaves_the_record_to_its_phone(tmp_path, monkeypatch, caplog, keep_personal_data):
    """`anonymous` or `n/a` in the e-mail column keys no one; the phone column beside it keys the
    record, whether the cell is kept as sent (`keep_personal_data`) or dropped — by the compiled
    rows too, past the first rows both paths make (`CompiledRows.checked`)."""
    monkeypatch.setenv("CXBRIDGE_LOAD_PLUGINS", "")  # an installed plugin's enrich_record turns compiled rows off
    rows = [["id", "submitted", "nps", "email", "phone"]]
    rows += [[f"C{n}", f"2026-01-{n:02d}T08:00:00Z", str(n % 11), f"c{n}@example.com", ""] for n in range(1, 21)]
    rows += [["A1", "2026-02-01T08:00:00Z", "9", "anonymous", LONDON],
             ["A2", "2026-02-02T08:00:00Z", "3", "n/a", "+44 (0)20 7946 0958"],
             ["A3", "2026-02-03T08:00:00Z", "7", "ann@example.com", ""]]  # fmt: skip
    (tmp_path / "survey.csv").write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    source = {"connector": "csv", "path": "survey.csv", "metrics": [{"column": "nps", "metric": "nps"}],
              "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "phone": "phone"}}  # fmt: skip

    result = sync_source(tmp_path, source, db="cx.db", shared_salt=True, keep_personal_data=keep_personal_data)

    assert result.status == "success" and "differ" not in caplog.text
    found, dataset = keys(tmp_path), RespondentKeys(SHARED_SALT.get_secret_value())
    assert found["A1"] == found["A2"] == dataset.key(LONDON) and found["A3"] == dataset.key("ann@example.com")


@pytest.mark.parametrize("pieces", [["020", "7946", "0000"], ["+44", "20", "7946", "0000"], ["jane@example.com", "555", "0100"]])
def test_a_number_split_into_several_arguments_is_refused_saying_to_quote_it(tmp_path, pieces):
    """`cxbridge erase 020 7946 0000` unquoted gives the shell three arguments: each was refused
    as `***`, which left the user to guess what failed."""
    refused = CliRunner().invoke(cli, ["erase", *pieces, "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    digits = [piece for piece in pieces if "@" not in piece]
    assert f"{len(digits)} arguments look like the pieces of one phone number" in refused.stderr, refused.stderr
    assert "quote it" in refused.stderr and not any(piece in refused.stderr for piece in digits), refused.stderr
    assert not (tmp_path / "cx.db").exists()
