"""A file source's quarantined row replayed: no table is read, so what a table tells of its rows —
a Qualtrics export's Status column, the columns `personal` and `ignore` name by header — is told
by the row's own keys and the source's mapping."""

from __future__ import annotations

from typing import Any

from cxbridge.exports import qualtrics_fields
from cxbridge.privacy import Scrubber
from cxbridge.tabular.config import FileSourceConfig
from cxbridge.tabular.table import Column


def replayed_status(config: FileSourceConfig, raw: dict[str, Any]) -> str | None:
    """The Status key of a quarantined row replayed, for a Qualtrics export's (unless
    `include_test_responses`)."""
    return qualtrics_fields.STATUS if is_qualtrics(config, raw) and not config.include_test_responses else None


def is_qualtrics(config: FileSourceConfig, raw: dict[str, Any]) -> bool:
    """Whether a quarantined row is a Qualtrics export's: by the source's format — with format
    auto, a row keyed by Qualtrics' response id (`_recordId`)."""
    return config.format in qualtrics_fields.FORMATS or (config.format == "auto" and "_recordId" in raw["values"])


class ReplayScrubs:
    """The scrubber of each quarantined row replayed, made once per set of row keys."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, ...], Scrubber] = {}

    def scrub(self, scrub: Scrubber, raw: dict[str, Any], config: FileSourceConfig, definition: Any) -> Scrubber:
        """The columns `personal` and `ignore` name by header, found among the row's keys as a
        table's would be — each with the question text the `definition` gives it, a Qualtrics
        export's by its names too — added to the sync's `scrub`."""
        if not (config.personal or config.ignore) or not isinstance(raw.get("values"), dict):
            return scrub
        keys = tuple(raw["values"])
        if keys not in self._made:
            meaning = definition.meaning if definition is not None else None
            columns = [Column(key, text=getattr(meaning and meaning(key), "text", None)) for key in keys]
            named, _ = config.named_by_header(columns, qualtrics=is_qualtrics(config, raw))
            self._made[keys] = scrub.adding(named) if named.personal or named.ignored else scrub
        return self._made[keys]
