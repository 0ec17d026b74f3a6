"""Syncing the same files two ways and comparing what is stored (issue 19): the shortcuts of
the normalizing path (remembered answers, the compiled mapping) must store the same rows and
the same quarantine as the reference path."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import cxbridge
from cxbridge import metrics, plugins_host
from cxbridge.config import config_from_dict
from cxbridge.detection.inspector import Hints
from cxbridge.plugins_host import create_host
from tests.sqlite_runs import SHARED_SALT

DATA = Path(__file__).parent / "data"
SAMPLE_FILES = sorted(  # not the vendors' payloads, nor the workbook no one can read without its password
    path for path in DATA.rglob("*")
    if path.suffix.lower() in (".csv", ".xlsx") and not {"vendor", "encrypted"} & set(path.parts)
)

MAPPING = {
    "connector": "csv", "path": "responses.csv", "timezone": "Europe/Warsaw",
    "columns": {"id": "id", "submitted_at": "submitted", "channel": "channel", "email": "email", "comment": "comment"},
    "metrics": [
        {"column": "nps", "metric": "nps"},
        {"column": "satisfaction", "metric": "csat", "scale": [1, 5], "labels": {"Bardzo zadowolony": 5}},
        {"column": "effort", "metric": "ces", "scale": [1, 7], "ignore_values": ["4"]},
    ],
}  # fmt: skip
"""The mapping of the random files (CELLS)."""

CELLS = {
    "id": st.sampled_from(["R1", "R2", "R3", "", "R 4"]),
    "submitted": st.sampled_from(["2024-01-05 10:00", "05/01/2024 10:00", "2024-13-40", "", "yesterday",
                                  "2024-03-31T23:30:00+02:00", "45000"]),
    "nps": st.sampled_from(["9", "10", "0", "11", "-1", "7.5", "", "N/A", "10 - Extremely likely", "nine", " 6 "]),
    "satisfaction": st.sampled_from(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied",
                                     "5", "6", "0", "", "Bardzo zadowolony", "Not applicable", "3,5"]),
    "effort": st.sampled_from(["1", "7", "8", "", "Very easy", "4"]),
    "channel": st.sampled_from(["web", "E-mail", "fax", "", "In-store"]),
    "email": st.sampled_from(["a@example.com", " B@Example.com ", "", "not an e-mail"]),
    "comment": st.sampled_from(["", "fine", "  ", "Очень доволен", 'said "no"', "a,b"]),
    "plan": st.sampled_from(["", "gold", "1", "2024-01-01"]),
}  # fmt: skip
"""The cells of random files (hypothesis), traps among them."""


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    lines = [",".join(header)] + [",".join(csv_cell(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def csv_cell(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"') else text


def synced(
    folder: Path, files: list[Path] | None, *, settings: Iterable[tuple[Any, str, Any]], monkeypatch,
    mapping: dict[str, Any] | None = None, project: dict[str, Any] | None = None, label: str,
) -> dict[str, list]:  # fmt: skip
    """What `cxbridge import` of `files` (with the mapping it detects) stores, or a sync of
    `mapping` (MAPPING by default; `project`: more `[settings]`) when `files` is None, with the
    class attributes `settings` ((class, name, value)) set meanwhile and only the built-in
    plugins; lineage left out; and how many answers were scored."""
    scored: list[int] = []
    score = metrics.score
    db = folder / f"{label}.db"
    with monkeypatch.context() as patch:  # undone before hypothesis's next example
        for owner, name, value in settings:
            patch.setattr(owner, name, value)
        patch.setattr(metrics, "score", lambda *args: scored.append(1) or score(*args))
        patch.chdir(folder)
        patch.setenv("CXBRIDGE_LOAD_PLUGINS", "")  # an installed plugin's enrich_record would normalize every row
        patch.setattr(plugins_host, "_host", None)  # a host an earlier test loaded has the installed plugins
        if files is None:
            data = {"settings": {"respondent_salt": SHARED_SALT, **(project or {})},
                    "sources": {"responses": mapping or MAPPING}}  # fmt: skip
            config = config_from_dict(data, create_host(), path=folder / "cxbridge.toml")
            [result] = cxbridge.sync(config, destination=f"sqlite:///{db}").results
            errors = [result.error, *result.warnings]
        else:
            patch.setenv("BOTH_WAYS_TEST_SALT", "one-salt-for-both-datasets")  # each dataset would make its own
            project = folder / "cxbridge.toml"
            project.write_text('[settings]\nrespondent_salt = "${BOTH_WAYS_TEST_SALT}"\n', encoding="utf-8")
            hints = Hints(include_test_responses=True)  # the QualtricsTools samples are all test responses
            imported = cxbridge.import_(files, destination=f"sqlite:///{db}", config=project, hints=hints)
            errors = [item.error for item in imported.files]
    with sqlite3.connect(db) as conn:
        columns = [c for (_, c, *_) in conn.execute("PRAGMA table_info(feedback)")]
        content = ", ".join(c for c in columns if c not in ("ingested_at", "sync_run_id"))
        return {
            "feedback": conn.execute(f"SELECT {content} FROM feedback ORDER BY record_id").fetchall(),
            "scores": conn.execute("SELECT * FROM feedback_scores ORDER BY record_id, question_id, metric").fetchall(),
            "comments": conn.execute("SELECT * FROM feedback_comments ORDER BY record_id, question_id").fetchall(),
            "quarantine": conn.execute("SELECT record_id, source, stream, source_record_id, raw, error, field, context "
                                       "FROM quarantine ORDER BY record_id").fetchall(),
            "errors": errors,
            "scored": [len(scored)],
        }  # fmt: skip
