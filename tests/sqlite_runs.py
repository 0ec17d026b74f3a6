"""Running sources in tests: a `[sources.NAME]` config as a dict, synced into a real SQLite file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import SecretStr

import cxbridge
from cxbridge.config import config_from_dict
from cxbridge.plugins_host import create_host
from tests.conftest import half_up

SAMPLES = Path(__file__).parent / "data" / "samples"
DOCS = Path(__file__).resolve().parents[1] / "docs"


def copy_sample(name: str, folder: Path) -> Path:
    target = folder / name
    shutil.copy(SAMPLES / name, target)
    return target


SHARED_SALT = SecretStr("salt-shared-by-the-test-datasets")
"""The respondent salt `sync_source(..., shared_salt=True)` gives the datasets a test compares
(each would make its own): their records compare equal, respondent keys included."""


def sync_source(
    folder: Path, source: dict[str, Any], *, name: str = "survey", db: str = "cxbridge.db", shared_salt: bool = False,
    batch_size: int | None = None, phone_region: str | None = None, keep_personal_data: bool = False, **options,
):  # fmt: skip
    """Sync one `[sources.NAME]` (given as a dict) whose paths are relative to `folder`."""
    config = source_config(folder, source, name=name, shared_salt=shared_salt, batch_size=batch_size,
                           phone_region=phone_region, keep_personal_data=keep_personal_data)  # fmt: skip
    [result] = cxbridge.sync(config, destination=f"sqlite:///{folder / db}", **options).results
    return result


def source_config(
    folder: Path, source: dict[str, Any], *, name: str = "survey", shared_salt: bool = False,
    batch_size: int | None = None, phone_region: str | None = None, keep_personal_data: bool = False,
):  # fmt: skip
    """The config of one `[sources.NAME]`, with the `[settings]` given (as `sync_source` syncs it)."""
    settings: dict[str, Any] = {"respondent_salt": SHARED_SALT} if shared_salt else {}
    if keep_personal_data:
        settings["keep_personal_data"] = True
    if batch_size:
        settings["batch_size"] = batch_size
    if phone_region:
        settings["phone_region"] = phone_region
    data = {"settings": settings, "sources": {name: source}}
    return config_from_dict(data, create_host(), path=folder / "cxbridge.toml")


def documented_query(introduction: str, *, doc: str = "bi.md") -> str:
    """The SQL block that follows the paragraph starting with `introduction` in docs/`doc`, so a
    test runs the query exactly as users read it."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    start = text.index(introduction)
    block = text.index("```sql\n", start) + len("```sql\n")
    return text[block : text.index("```", block)]


def query(folder: Path, sql: str, params: tuple = (), *, db: str = "cxbridge.db") -> list[tuple]:
    with sqlite3.connect(folder / db) as conn:
        return conn.execute(sql, params).fetchall()


def records(folder: Path, *, db: str = "cxbridge.db") -> dict[str, dict[str, Any]]:
    """Every feedback row by source_record_id, JSON columns decoded; lineage, raw and its hash left out."""
    with sqlite3.connect(folder / db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM feedback").fetchall()
    found = {}
    for row in rows:
        data = {key: row[key] for key in row.keys() if key not in ("raw", "content_hash", "ingested_at", "sync_run_id")}
        for key in ("answers", "attributes"):
            data[key] = json.loads(data[key]) if data[key] else None
        found[row["source_record_id"]] = data
    return found


def assert_other_scale_refused(folder: Path, wrong: Any, right: Any, *, reason: str, scores: list[int]) -> None:
    """`wrong`, synced into cxbridge.db under a `scale` its definition does not give, quarantined
    the answers `scores` as point-of-another-scale with `reason`; `right`, into right.db under the
    definition's 1–5, wrote them, CSAT % the share of 4s and 5s, worked out here."""
    assert (wrong.written, wrong.quarantined) == (0, len(scores)), wrong.error
    assert query(folder, "SELECT DISTINCT kind, error FROM quarantine") == [("point-of-another-scale", reason)]
    assert (right.written, right.quarantined) == (len(scores), 0), right.error
    satisfied = sum(score >= 4 for score in scores)
    assert query(folder, "SELECT responses, csat_pct FROM csat_by_month", db="right.db") == [
        (len(scores), half_up(Fraction(100 * satisfied, len(scores))))]  # fmt: skip
