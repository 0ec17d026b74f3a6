"""Text in a phone column that is not a phone number — an order, ticket, room or customer number
typed where the number was asked for — keys no one: its digits are no person's, so strangers who
typed the same order number are not one respondent (docs/identity.md)."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from cxbridge.cli.main import cli

from cxbridge.respondents import RespondentKeys
from tests.test_shared_phones import phone_column_warnings
from tests.test_trunk_zero import LONDON, query, sync, write_csv

SALT = "the dataset's salt"
NOT_NUMBERS = ["Order 12345", "Ticket #884213", "Room 12345", "ID: 99812345", "order 0161 496 0000", "12345 (order)",
               "call me on 07700 900123 after 6", "Telephone order 12345"]  # fmt: skip
"""Digits among letters: an order or ticket number, a sentence — no phone number as a whole."""
WITH_EXTENSIONS = [
    "+44 20 7946 0958 ext. 204",
    "020 7946 0958 x204",
    "(020) 7946-0958 extension 12",
    "555-123-4567 #12",
    "tel: +44 20 7946 0958",
    "Tel. 020 7946 0958",
    "Mobile: 07700 900123",
    "Tél. : 01 43 55 67 80",
]
"""A number and an extension marker, or a word naming a phone before it: a phone number."""


@pytest.mark.parametrize("region", [None, "GB"])
@pytest.mark.parametrize("written", NOT_NUMBERS)
def test_text_that_is_not_a_phone_number_keys_no_one(written, region):
    assert RespondentKeys(SALT, phone_region=region).key(written) is None


@pytest.mark.parametrize("written", WITH_EXTENSIONS)
def test_a_number_with_an_extension_still_keys_its_person(written):
    assert RespondentKeys(SALT).key(written) is not None


def test_a_word_naming_a_phone_before_the_number_keys_as_the_number_alone():
    keys = RespondentKeys(SALT)
    assert keys.key("Tel. 020 7946 0958") == keys.key("tel:020-7946-0958") == keys.key("020 7946 0958") is not None


def test_strangers_who_typed_the_same_order_number_are_two_respondents(tmp_path):
    write_csv(tmp_path, "store", [["S1", "2026-02-01T08:00:00Z", "3", "Order 12345"],
                                  ["S2", "2026-02-02T08:00:00Z", "9", "Order 12345"],
                                  ["S3", "2026-02-03T08:00:00Z", "7", "Ticket #884213"],
                                  ["S4", "2026-02-04T08:00:00Z", "8", LONDON],
                                  ["S5", "2026-02-05T08:00:00Z", "6", "+44 (0)20 7946 0958"]])  # fmt: skip
    sync(tmp_path, "store")
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE respondent_key IS NULL") == [(3,)]
    assert query(tmp_path, "SELECT COUNT(DISTINCT respondent_key) FROM feedback") == [(1,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM feedback WHERE source_record_id IN ('S1', 'S2') AND respondent_key "
                           "= (SELECT respondent_key FROM feedback WHERE source_record_id = 'S1')") == [(0,)]  # fmt: skip


def test_inspect_counts_a_phone_columns_text_that_is_not_a_phone_number(tmp_path):
    numbers = [f"+44 20 7946 09{n:02d}" for n in range(7)] + ["0000000000", "Order 12345", "Ticket #884213"]
    rows = [["Response ID", "Date", "NPS", "Phone"]]
    rows += [[f"R{n}", f"2026-01-{n + 1:02d}", str(n), number] for n, number in enumerate(numbers)]
    said = phone_column_warnings(tmp_path, rows)
    assert len(said) == 2 and "2 of the 10 rows read hold text that is not a phone number" in said[0]
    assert "1 of the 10 rows read hold a placeholder number" in said[1]
    assert not any(text in " ".join(said) for text in ("Order", "Ticket", "884213", "7946"))


@pytest.mark.parametrize("written", [447700900123.0, "447700900123.0", "+447700900123.0", "447700900123.00"])
def test_a_number_a_spreadsheet_or_pandas_wrote_as_a_float_keys_as_the_number(written):
    """A phone column with a blank cell is a float column to pandas, which writes 447700900123.0:
    its '.0' is no digit of the number."""
    keys = RespondentKeys(SALT)
    assert keys.key(written) == keys.key("+44 7700 900123") is not None


def test_a_file_s_number_written_as_a_float_is_the_same_respondent_as_the_number(tmp_path):
    write_csv(tmp_path, "store", [["S1", "2026-02-01T08:00:00Z", "3", "447700900123.0"],
                                  ["S2", "2026-02-02T08:00:00Z", "9", "+44 7700 900123"],
                                  ["S3", "2026-02-03T08:00:00Z", "7", "447700900124"]])  # fmt: skip
    sync(tmp_path, "store")
    keys = dict(query(tmp_path, "SELECT source_record_id, respondent_key FROM feedback"))
    assert keys["S1"] == keys["S2"] != keys["S3"] and None not in keys.values()


def test_a_number_with_its_extension_a_sync_keys_is_erased_given_as_written(tmp_path):
    write_csv(tmp_path, "store", [["S1", "2026-02-01T08:00:00Z", "3", "020 7946 0958 x204"],
                                  ["S2", "2026-02-02T08:00:00Z", "9", "020 7946 0958"]])  # fmt: skip
    sync(tmp_path, "store")
    erased = CliRunner().invoke(cli, ["erase", "020 7946 0958 x204", "--destination", f"sqlite:///{tmp_path / 'cx.db'}"])
    assert erased.exit_code == 0, erased.output
    assert query(tmp_path, "SELECT source_record_id FROM feedback") == [("S2",)]
