"""The rules a quarantined record may break: the kinds cxbridge's DataErrors name (docs/cli.md
explains each; a test holds this list to the code), and the check of a kind asked for by
`cxbridge quarantine list --kind`, which also knows the kinds plugins stored."""

from __future__ import annotations

import difflib

from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError

KINDS = (
    "answer-names-an-amount", "answer-not-whole-number", "answer-out-of-another-top", "answer-outside-scale",
    "contradicts-direction", "contradicts-nps-group", "date-in-other-order", "degrees-undecided", "epoch-as-text",
    "formula-error", "graded-beyond-scale", "hour-beyond-am-pm", "impossible-date", "impossible-utc-offset",
    "missing-id", "missing-submitted-time", "no-ratings", "not-a-number", "not-an-epoch-time", "number-not-a-date",
    "numbered-other-way-round", "point-of-another-scale", "rated-and-unrated", "screened-out-status",
    "survey-version-not-whole-number", "timestamp-not-in-format", "timestamp-out-of-range", "unanswered-response",
    "undated-partial-response", "unknown-answer", "unknown-choice", "unknown-rating", "unknown-scale",
    "unknown-status", "unknown-time-zone", "unreadable-date", "yes-no-answer",
)  # fmt: skip


def require_known_kind(dest: Destination, kind: str) -> None:
    """A kind neither cxbridge names nor any quarantined record holds (a plugin's) is a typo, not
    an empty list: the error names the closest kind and every one."""
    sql = f"SELECT DISTINCT kind FROM {dest.qualified('quarantine')}"
    stored = {row["kind"] for row in dest.query(sql)} if dest.has_column("quarantine", "kind") else set()
    known = sorted(set(KINDS) | stored - {None})
    if kind not in known:
        close = difflib.get_close_matches(kind, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"no quarantine kind {kind!r}; {hint}the kinds: {', '.join(known)} (docs/cli.md, "
                          "The rules a quarantined record breaks)")  # fmt: skip
