"""A phone number written beside many different e-mail addresses in one sync — a store's own
number typed at its till by every customer — is no one person's: the sync says so, naming the
source and the number's key (never its digits), since the records it keys are one respondent
though they are strangers' (docs/identity.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxbridge.detection.inspector import inspect_file
from tests.sqlite_runs import sync_source

STORES_NUMBER = "+44 161 496 0000"
SOURCE = {"connector": "csv", "path": "survey.csv", "metrics": [{"column": "nps", "metric": "nps"}],
          "columns": {"id": "id", "submitted_at": "submitted", "email": "email", "phone": "phone"}}  # fmt: skip


def synced(folder: Path, rows: list[list[str]], **options):
    with (folder / "survey.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "submitted", "nps", "email", "phone"], *rows])
    result = sync_source(folder, SOURCE, db="cx.db", shared_salt=True, **options)
    assert result.status == "success"
    return result


def row(n: int, email: str, phone: str) -> list[str]:
    return [f"R{n}", f"2026-02-{n:02d}T08:00:00Z", str(n % 11), email, phone]


def shared_warnings(result) -> list[str]:
    return [warning for warning in result.warnings if "beside" in warning]


@pytest.mark.parametrize("batch_size", [None, 2])
def test_a_number_beside_five_different_addresses_is_named_shared(tmp_path, batch_size):
    customers = [row(n, f"customer{n}@example.com", STORES_NUMBER) for n in range(1, 6)]
    result = synced(tmp_path, [*customers, row(6, "", STORES_NUMBER), row(7, "ann@example.com", "+44 20 7946 0958")],
                    batch_size=batch_size)  # fmt: skip
    [warning] = shared_warnings(result)
    assert "source 'survey'" in warning and "5 different e-mail addresses" in warning
    assert "4960000" not in warning.replace(" ", "") and "***00" not in warning


def test_a_household_or_a_person_answering_often_is_no_shared_number(tmp_path):
    """Two people of one household with one landline, one person with two addresses answering
    many times: fewer than five addresses beside a number, nothing said."""
    rows = [row(n, ["ann@example.com", "bob@example.com", "ann@work.example"][n % 3], "+44 20 7946 0958")
            for n in range(1, 10)]  # fmt: skip
    assert shared_warnings(synced(tmp_path, rows)) == []


def test_inspect_says_a_phone_column_holds_placeholders_and_a_number_beside_many_addresses(tmp_path):
    """Before anything is imported: the rows inspect reads show the placeholders, which key no one,
    and the store's number beside its customers' addresses — named by neither digits nor address."""
    rows = [["Response ID", "Date", "NPS", "Email", "Phone"]]
    rows += [[f"R{n}", f"2026-01-{n:02d}", n % 11, f"customer{n}@example.com", STORES_NUMBER] for n in range(1, 6)]
    rows += [[f"R{n}", f"2026-01-{n:02d}", n % 11, "", number] for n, number in ((6, "0000000000"), (7, "1234567890"),
                                                                               (8, "+44 20 7946 0958"), (9, "999"),
                                                                               (10, "x204"))]  # fmt: skip
    said = phone_column_warnings(tmp_path, rows)
    assert len(said) == 2 and "4 of the 10 rows read hold a placeholder number" in said[0]
    assert "or one of fewer than 5 digits" in said[0]
    assert "beside 5 different e-mail addresses or more" in said[1]
    assert not any(text in " ".join(said) for text in ("0000000000", "496", "7946", "customer", "999", "204"))


def phone_column_warnings(tmp_path, rows: list[list[object]]) -> list[str]:
    """What `inspect` says of the 'Phone' column of a CSV of `rows` (header first), which it maps as the phone."""
    with (tmp_path / "till.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    inspection = inspect_file(tmp_path / "till.csv")
    assert inspection.source_config()["columns"]["phone"] == "Phone"
    return [warning for warning in inspection.warnings if "'Phone'" in warning]
