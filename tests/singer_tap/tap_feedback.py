"""A small Singer tap built on singer-sdk, run by the tests as a real process: it reads survey
responses (and store agents) from JSON Lines files named in its config."""

from __future__ import annotations

import json
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
    schema = th.PropertiesList(
        th.Property("response_id", th.StringType, required=True),
        th.Property("updated_at", th.DateTimeType, required=True),
        th.Property("submitted", th.DateTimeType),
        th.Property("store", th.StringType),
        th.Property("score", th.IntegerType),
        th.Property("feedback", th.StringType),
        th.Property("respondent", th.ObjectType(th.Property("email", th.StringType))),
    ).to_dict()

    def get_records(self, context):
        start = self.get_starting_replication_key_value(context)
        rows = sorted(_rows(self.config["responses_path"]), key=lambda row: row["updated_at"])
        for row in rows:
            if start is None or row["updated_at"] >= start:
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
    ).to_dict()

    def discover_streams(self):
        return [ResponsesStream(self), AgentsStream(self)]


if __name__ == "__main__":
    TapFeedback.cli()
