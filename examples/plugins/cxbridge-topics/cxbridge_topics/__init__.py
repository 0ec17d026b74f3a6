"""Tags feedback with the topics its comments mention, and reports them: `cxbridge topics`."""

from __future__ import annotations

import json
import re

import click

import cxbridge

TOPICS = {
    "queue": r"\b(queue|line|wait(ed|ing)?)\b",
    "staff": r"\b(staff|rude|friendly|helpful|nobody helped)\b",
    "stock": r"\b(stock|out of stock|sold out|find)\b",
    "price": r"\b(price|expensive|cheap|discount)\b",
    "cleanliness": r"\b(clean|dirty|messy)\b",
}
_PATTERNS = {topic: re.compile(pattern, re.IGNORECASE) for topic, pattern in TOPICS.items()}


def topics_of(text: str) -> list[str]:
    return [topic for topic, pattern in _PATTERNS.items() if pattern.search(text)]


@cxbridge.hookimpl
def enrich_record(record):
    found = sorted({topic for comment in record.comments for topic in topics_of(comment.text)})
    if found:
        record.attributes["topics"] = found


@cxbridge.hookimpl
def register_commands(cli):
    # cxbridge's own options: an empty value (--config "$CX_CONFIG", the variable not set) is a
    # usage error, not the default; handles_errors ends a cxbridge error in one line, exit code 2 or 1
    from cxbridge.cli.options import config_option, destination_option, handles_errors

    @cli.command()
    @config_option
    @destination_option
    @handles_errors
    def topics(config, destination):
        """Records and detractors per comment topic (from cxbridge-topics)."""
        from cxbridge import api  # imported when the command runs: `cxbridge --help` stays quick

        with api.reading(config, destination=api.destination_url_for(None, destination)) as dest:
            rows = dest.query("SELECT attributes, nps_group FROM feedback")
        counts: dict[str, list[int]] = {}
        for row in rows:
            for topic in json.loads(row["attributes"] or "{}").get("topics", []):
                tally = counts.setdefault(topic, [0, 0])
                tally[0] += 1
                tally[1] += row["nps_group"] == "detractor"
        for topic, (records, detractors) in sorted(counts.items(), key=lambda item: -item[1][0]):
            click.echo(f"{topic}\t{records} records\t{detractors} detractors")
