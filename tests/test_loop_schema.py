"""The JSON Schemas of a case and a case event in schemas/ never drift from the models, and the
rows a sync and a person write validate against them."""

from __future__ import annotations

import json
import sqlite3

import jsonschema

from cxbridge import schemas
from cxbridge.loop import tracking
from cxbridge.loop.cases import CASE_SCHEMA, EVENT_SCHEMA, json_schemas
from cxbridge.plugins.sqlite.destination import SQLiteDestination
from tests.conftest import ROOT, survey_row


def test_committed_schemas_match_the_models():
    for name, schema in json_schemas().items():
        committed = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
        assert committed == schema, f"schemas/{name} is stale: regenerate it from cxbridge.loop.cases.json_schemas()"
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schemas.load(name)["$id"].endswith(name)


def test_stored_cases_and_events_validate(workspace):
    workspace.write_csv([survey_row(1, nps=2), survey_row(2, nps=5, satisfaction="Dissatisfied")])
    workspace.sync()
    with SQLiteDestination(f"sqlite:///{workspace.db}") as destination:
        destination.open()
        first = tracking.list_cases(destination)[0]
        tracking.move(destination, first.case_id, "contacted", actor="ana", note="called")
    with sqlite3.connect(workspace.db) as conn:
        conn.row_factory = sqlite3.Row
        case_rows = [dict(row) for row in conn.execute("SELECT * FROM feedback_cases")]
        event_rows = [dict(row) for row in conn.execute("SELECT * FROM feedback_case_events")]
    assert len(case_rows) == 2 and len(event_rows) == 3
    for row in case_rows:
        jsonschema.validate(row, schemas.load(CASE_SCHEMA), format_checker=jsonschema.FormatChecker())
    for row in event_rows:
        jsonschema.validate(row, schemas.load(EVENT_SCHEMA))
