"""The JSON Schema in schemas/ is generated from the pydantic models and never drifts from them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import jsonschema
import pytest
from pydantic import ValidationError

from cxbridge import schemas
from cxbridge.records import FeedbackRecord, Score
from tests.conftest import ROOT, Workspace, survey_row

SCHEMA_FILE = ROOT / "schemas" / "feedback_record.v1.schema.json"


def test_committed_schema_matches_the_models():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == FeedbackRecord.model_json_schema(), (
        "schemas/feedback_record.v1.schema.json is stale: regenerate it with "
        "`cxbridge schema > schemas/feedback_record.v1.schema.json`"
    )


def test_installed_schema_is_loadable():
    assert schemas.load()["title"] == "FeedbackRecord"


def test_schema_has_every_design_column():
    design = {
        "record_id", "source", "connector", "stream", "source_record_id", "program", "respondent_type",
        "channel", "touchpoint", "survey_id", "survey_name", "status", "submitted_at", "updated_at",
        "location_id", "location_name", "team", "agent_id", "respondent_key", "crm_contact_id",
        "crm_account_id", "ticket_id", "language", "country", "nps", "nps_group", "csat",
        "csat_normalized", "ces", "ces_normalized", "comment", "answers", "attributes", "raw",
        "ingested_at", "sync_run_id", "schema_version",
    }  # fmt: skip
    assert design <= set(FeedbackRecord.model_json_schema()["properties"])


def test_synced_records_validate_against_the_json_schema(workspace: Workspace):
    workspace.write_csv([survey_row(n) for n in range(1, 12)])
    workspace.sync()
    schema = json.loads(SCHEMA_FILE.read_text())
    import sqlite3

    with sqlite3.connect(workspace.db) as conn:
        conn.row_factory = sqlite3.Row
        for row in conn.execute("SELECT * FROM feedback"):
            record = {key: row[key] for key in row.keys() if key != "content_hash"}
            for key in ("answers", "attributes", "raw"):
                record[key] = json.loads(record[key]) if record[key] else None
            record["scores"] = [
                {**dict(score), "is_primary": bool(score["is_primary"])}
                for score in conn.execute("SELECT * FROM feedback_scores WHERE record_id = ?", [row["record_id"]])
            ]
            for score in record["scores"]:
                del score["record_id"]
            jsonschema.validate({k: v for k, v in record.items() if v is not None}, schema)


def test_nps_group_is_derived_and_checked():
    base = dict(record_id="x", source="s", connector="c", stream="t", source_record_id="1")
    assert FeedbackRecord(**base, nps=6).nps_group == "detractor"
    with pytest.raises(ValidationError, match="does not match"):
        FeedbackRecord(**base, nps=10, nps_group="detractor")


def test_timestamps_are_stored_in_utc_and_must_carry_a_zone():
    base = dict(record_id="x", source="s", connector="c", stream="t", source_record_id="1")
    record = FeedbackRecord(**base, submitted_at="2025-03-01T12:00:00+02:00")
    assert record.submitted_at == datetime(2025, 3, 1, 10, tzinfo=timezone.utc)
    with pytest.raises(ValidationError):
        FeedbackRecord(**base, submitted_at="2025-03-01T12:00:00")


def test_respondent_type_defaults_from_the_program():
    base = dict(record_id="x", source="s", connector="c", stream="t", source_record_id="1")
    assert FeedbackRecord(**base, program="mystery_shop").respondent_type == "shopper"
    assert FeedbackRecord(**base, program="employee").respondent_type == "employee"


def test_the_json_schema_names_itself_and_its_dialect():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$id"].endswith("/schemas/feedback_record.v1.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_nps_group_and_score_category_are_enums_in_the_json_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    [group] = [option for option in schema["properties"]["nps_group"]["anyOf"] if "enum" in option]
    assert group["enum"] == ["promoter", "passive", "detractor"]
    [category] = [option for option in schema["$defs"]["Score"]["properties"]["category"]["anyOf"] if "enum" in option]
    assert set(category["enum"]) == {
        "promoter", "passive", "detractor", "satisfied", "neutral", "dissatisfied", "low_effort", "high_effort"
    }  # fmt: skip


def score(metric: str, category: str | None) -> Score:
    return Score(metric=metric, question_id="q", value=1, scale_min=1, scale_max=5, normalized=0, category=category)


@pytest.mark.parametrize(
    ("metric", "category"),
    [("nps", "promoter"), ("enps", "detractor"), ("csat", "neutral"), ("ces", "low_effort"), ("audit", None)],
)
def test_a_score_category_fits_its_metric(metric, category):
    assert score(metric, category).category == category


@pytest.mark.parametrize(
    ("metric", "category"),
    [("csat", "promoter"), ("nps", "satisfied"), ("ces", "dissatisfied"), ("audit", "neutral"), ("csat", "happy")],
)
def test_a_score_category_that_does_not_fit_its_metric_is_refused(metric, category):
    with pytest.raises(ValidationError):
        score(metric, category)


def test_an_unknown_nps_group_is_refused():
    base = dict(record_id="x", source="s", connector="c", stream="t", source_record_id="1")
    with pytest.raises(ValidationError) as caught:
        FeedbackRecord(**base, nps_group="fan")
    assert [(error["loc"], error["type"]) for error in caught.value.errors()] == [(("nps_group",), "literal_error")]
