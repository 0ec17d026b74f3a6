"""Several sources of one config — API sources (one Typeform form each, on the tests' fake API)
and CSV files — and the tables they leave, for the tests of sources synced at the same time
(`sync --jobs`, concurrent processes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cxbridge
from cxbridge.api import reading
from cxbridge.plugins_host import create_host
from tests.sqlite_runs import SHARED_SALT
from tests.typeform_api import TypeformAccount, store_form, tf_response

FORMS = ("formAaaa", "formBbbb", "formCccc", "formDddd")
LINEAGE = {  # columns that hold the clock or the run id: they differ between any two runs
    "feedback": {"ingested_at", "sync_run_id"},
    "sync_state": {"updated_at", "sync_run_id"},
    "quarantine": {"first_seen", "last_seen", "run_id"},
    "sync_runs": {"run_id", "started_at", "finished_at"},
}
TABLES = ("feedback", "feedback_scores", "feedback_comments", "quarantine", "sync_state", "sync_runs")


def account(forms: tuple[str, ...] = FORMS) -> TypeformAccount:
    """One form per API source, five responses each (three pages of two), of other people."""
    found = TypeformAccount()
    for index, form_id in enumerate(forms):
        responses = [tf_response(10 * index + n, nps=(3 * n + index) % 11, satisfaction=n % 5 + 1, form_id=form_id,
                                 comment=f"visit {index}-{n}" if n % 2 else "") for n in range(1, 6)]  # fmt: skip
        found.add_form(store_form(form_id), *responses)
    return found


def write_files(folder: Path) -> None:
    """Two CSV sources; the second has a response whose NPS is off the scale (quarantined)."""
    rows = {
        "branch_a.csv": [("A1", "2026-01-03T10:00:00Z", "S1", "9", "great"), ("A2", "2026-01-04T11:00:00Z", "S2", "3", "")],
        "branch_b.csv": [("B1", "2026-01-05T12:00:00Z", "S1", "12", "off"), ("B2", "2026-01-06T13:00:00Z", "S3", "7", "ok"),
                         ("B3", "2026-02-01T09:00:00Z", "S3", "10", "")],
    }  # fmt: skip
    for name, lines in rows.items():
        text = "id,submitted,store,nps,comment\n" + "".join(",".join(line) + "\n" for line in lines)
        (folder / name).write_text(text, encoding="utf-8")


def config(base_url: str, forms: tuple[str, ...] = FORMS, *, unpaced: bool = False) -> dict[str, Any]:
    """A typeform source per form (`web_a` for `formAaaa`) and the two CSV sources of `write_files`.
    `unpaced`: the API sources send their requests without Typeform's pace (the connector's default
    of 2 a second has a sync of several forms sleep for seconds), where no wait proves anything."""
    pace = {"requests_per_second": 1000} if unpaced else {}
    sources: dict[str, Any] = {
        f"web_{form_id[4].lower()}": {"connector": "typeform", "base_url": base_url, "token": "${TYPEFORM_TOKEN}",
                                      "forms": [form_id], "page_size": 2, "columns": {"location_id": "store"}, **pace}
        for form_id in forms
    }  # fmt: skip
    for branch in ("a", "b"):
        sources[f"branch_{branch}"] = {
            "connector": "csv", "path": f"branch_{branch}.csv", "metrics": [{"column": "nps", "metric": "nps"}],
            "columns": {"id": "id", "submitted_at": "submitted", "location_id": "store", "comment": "comment"},
        }  # fmt: skip
    return {"settings": {"respondent_salt": SHARED_SALT}, "sources": sources}


def tables(destination: str) -> dict[str, list[tuple]]:
    """Every row of the data tables, sorted, without the columns a clock or a run id fills."""
    found = {}
    with reading(destination=destination, host=create_host()) as dest:
        for table in TABLES:
            rows = dest.query(f"SELECT * FROM {table}")
            kept = [tuple(sorted((k, v) for k, v in row.items() if k not in LINEAGE.get(table, ()))) for row in rows]
            found[table] = sorted(kept, key=repr)
    return found


def summary(result: cxbridge.SyncResult) -> list[tuple]:
    return [(r.source, r.status, r.read, r.written, r.unchanged, r.quarantined, r.error) for r in result.results]


def config_toml(
    base_url: str, forms: tuple[str, ...] = FORMS, *, salt: str = "${CXBRIDGE_TEST_SHARED_SALT}", unpaced: bool = False
) -> str:
    """`config` as a cxbridge.toml, for syncs run as processes (the salt from the environment)."""

    def value(item: Any) -> str:
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{key} = {value(inner)}" for key, inner in item.items()) + " }"
        if isinstance(item, list):
            return "[" + ", ".join(value(inner) for inner in item) + "]"
        return json.dumps(item)

    text = f"[settings]\nrespondent_salt = {value(salt)}\n"
    for name, entry in config(base_url, forms, unpaced=unpaced)["sources"].items():
        text += f"\n[sources.{name}]\n" + "".join(f"{key} = {value(item)}\n" for key, item in entry.items())
    return text


def expect(folder, **every: str) -> None:
    """Give sources of the cxbridge.toml in `folder` an `expected_every` (`branch_a="1d"`)."""
    text = (folder / "cxbridge.toml").read_text()
    for name, age in every.items():
        text = text.replace(f"[sources.{name}]\n", f'[sources.{name}]\nexpected_every = "{age}"\n', 1)
    (folder / "cxbridge.toml").write_text(text, encoding="utf-8")
