"""A small Singer tap built on singer-sdk, run by the tests as a real process: it reads survey
responses (and store agents) from JSON Lines files named in its config. With `record_metadata`
it adds the `_sdc_*` fields a tap reading a table loaded by a Singer target sends, which change
on every extraction."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from singer_sdk import Stream, Tap
from singer_sdk import typing as th


def _rows(path: str) -> list[dict]:
    text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class ResponsesStream(Stream):
    name = "responses"
    primary_keys = ("response_id",)
    replication_key = "updated_at"
    is_sorted = True
    fields = [
        th.Property("response_id", th.StringType, required=True),
        th.Property("updated_at", th.DateTimeType, required=True),
        th.Property("submitted", th.DateTimeType),
        th.Property("store", th.StringType),
        th.Property("score", th.IntegerType),
        th.Property("feedback", th.StringType),
        th.Property("respondent", th.ObjectType(th.Property("email", th.StringType))),
    ]
    metadata_fields = [
        th.Property("_sdc_extracted_at", th.DateTimeType),
        th.Property("_sdc_batched_at", th.DateTimeType),
        th.Property("_sdc_deleted_at", th.DateTimeType),
        th.Property("_sdc_sequence", th.IntegerType),
        th.Property("_sdc_table_version", th.IntegerType),
    ]

    @property
    def schema(self):
        with_metadata = self.config.get("record_metadata", False)
        return th.PropertiesList(*self.fields, *(self.metadata_fields if with_metadata else [])).to_dict()

    def get_records(self, context):
        start = self.get_starting_replication_key_value(context)
        rows = sorted(_rows(self.config["responses_path"]), key=lambda row: row["updated_at"])
        extracted = datetime.now(timezone.utc).isoformat()
        for row in rows:
            if start is None or row["updated_at"] >= start:
                if self.config.get("record_metadata", False):
                    row = {**row, "_sdc_extracted_at": extracted, "_sdc_batched_at": extracted,
                           "_sdc_deleted_at": row.get("deleted_at"), "_sdc_sequence": time.time_ns(),
                           "_sdc_table_version": time.time_ns()}  # fmt: skip
                    row.pop("deleted_at", None)
                yield row


class AgentsStream(Stream):
    name = "agents"
    primary_keys = ("agent_id",)
    schema = th.PropertiesList(th.Property("agent_id", th.StringType), th.Property("name", th.StringType)).to_dict()

    def get_records(self, context):
        yield {"agent_id": "a1", "name": "Ana"}


class TapFeedback(Tap):
    name = "tap-feedback"
    config_jsonschema = th.PropertiesList(
        th.Property("responses_path", th.StringType, required=True),
        th.Property("api_key", th.StringType, required=True, secret=True),
        th.Property("record_metadata", th.BooleanType),
    ).to_dict()

    def discover_streams(self):
        return [ResponsesStream(self), AgentsStream(self)]


if __name__ == "__main__":
    TapFeedback.cli()
